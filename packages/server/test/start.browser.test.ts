// `pnpm start` out of the box, as a person uses it: two people sign up on the server it starts,
// meet in one room, and two real Chromium pages (fake camera and microphone) exchange video
// through the LiveKit dev server `pnpm start` ran next to ours, with the media tokens ours gave.
import { afterAll, describe, expect, it } from 'vitest';
import {
  chromiumBinary,
  launchBrowser,
  openParticipant,
  type Participant,
  type TestBrowser,
  waitUntil,
} from './support/browser';
import { livekitBinary } from './support/livekit-server';
import { apiOf, cleanUp, type Started, signUpOn, start } from './support/start';

const binary = livekitBinary();
const chromium = chromiumBinary();

describe.skipIf(process.platform === 'win32' || !binary || !chromium)(
  'pnpm start: a meeting in the browser',
  () => {
    let started: Started | undefined;
    let browser: TestBrowser | undefined;
    const pages: Participant[] = [];
    afterAll(async () => {
      for (const page of pages) await page.close().catch(() => {});
      await browser?.close();
      if (started) cleanUp(started);
    });

    it('two people admitted by ours see each other through its LiveKit', async () => {
      started = await start();
      expect(started.livekit, started.output()).not.toBeNull();
      const post = apiOf(started.port);
      const [hana, guido] = [
        await signUpOn(started.port, 'Hana'),
        await signUpOn(started.port, 'Guido'),
      ];
      const room = await post('/rooms', { title: 'Out of the box' }, hana);
      const media: { token: string; url: string }[] = [];
      for (const token of [hana, guido]) {
        await post(`/rooms/${room.id}/join`, undefined, token);
        media.push(await post(`/rooms/${room.id}/media/token`, undefined, token));
      }
      for (const { url } of media) expect(url).toBe(started.livekit!.url);

      browser = await launchBrowser(chromium!);
      for (const { url, token } of media) {
        pages.push(await openParticipant(browser, { livekitUrl: url, token }));
      }
      for (const page of pages) {
        const decoded = (track: {
          framesDecoded: number;
          frameWidth: number;
          frameHeight: number;
        }) => track.framesDecoded > 0 && track.frameWidth > 0 && track.frameHeight > 0;
        const tracks = await waitUntil(
          () => page.inboundVideo(),
          (videos) => videos.some(decoded),
          `${page.identity} decodes the other's camera`,
          20_000,
        );
        expect(tracks.find(decoded)!.identity).not.toBe(page.identity);
      }
    });
  },
);
