// Media end to end: real Chromium pages (fake camera and microphone, test/support/browser.ts),
// admitted through our REST API, connect to a real LiveKit server (the pinned binary,
// test/support/livekit-server.ts) with our media tokens and decode each other's media.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { type QuickUser, quickUser, testServer } from './support/app';
import {
  chromiumBinary,
  type InboundVideo,
  launchBrowser,
  openParticipant,
  type Participant,
  type TestBrowser,
  waitUntil,
} from './support/browser';
import { type LivekitServer, livekitBinary, startLivekit } from './support/livekit-server';
import { storages } from './support/storages';

const binary = livekitBinary();
const chromium = chromiumBinary();

/** Where the screenshots go (printed, kept after the run for a human to look at). */
const shots = mkdtempSync(join(tmpdir(), 'videoconf-media-'));

describe.skipIf(!binary || !chromium)('media between real browsers through a real LiveKit', () => {
  let livekit: LivekitServer;
  let browser: TestBrowser;
  beforeAll(async () => {
    [livekit, browser] = await Promise.all([startLivekit(binary!), launchBrowser(chromium!)]);
    console.log(`media screenshots: ${shots}`);
  });
  afterAll(async () => {
    await browser?.close();
    await livekit?.close();
  });

  describe.each(storages())('on %s storage', (name, storage) => {
    let app: App;
    let host: QuickUser;
    let guest: QuickUser;
    let roomId: string;
    const open: Participant[] = [];
    beforeAll(async () => {
      app = testServer({
        storage: storage(),
        livekit: { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret },
      });
      host = await quickUser(app, { displayName: 'Hana Host' });
      guest = await quickUser(app, { displayName: 'Gus Guest' });
      const room = await app.inject({
        method: 'POST',
        url: '/api/v1/rooms',
        headers: host.auth,
        payload: { title: 'Real media' },
      });
      expect(room.statusCode, room.body).toBe(201);
      roomId = room.json().id;
    });
    afterAll(async () => {
      for (const participant of open) await participant.close();
      await app?.close();
    });

    /** Our REST join, then our media token: what a client does before it connects. */
    const admit = async (user: QuickUser): Promise<{ token: string; url: string }> => {
      const join = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/join`,
        headers: user.auth,
      });
      expect(join.statusCode, join.body).toBe(200);
      const media = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/media/token`,
        headers: user.auth,
      });
      expect(media.statusCode, media.body).toBe(200);
      return media.json();
    };

    const decodedFrom = (videos: InboundVideo[], identity: string) =>
      videos.find((v) => v.identity === identity && v.source === 'camera');

    it('two pages admitted by our API decode each other’s camera and microphone', async () => {
      const started = Date.now();
      const [hostMedia, guestMedia] = [await admit(host), await admit(guest)];
      const hostPage = await openParticipant(browser, {
        livekitUrl: hostMedia.url,
        token: hostMedia.token,
      });
      open.push(hostPage);
      const guestPage = await openParticipant(browser, {
        livekitUrl: guestMedia.url,
        token: guestMedia.token,
      });
      open.push(guestPage);
      expect(hostPage.identity).toBe(host.id);
      expect(guestPage.identity).toBe(guest.id);

      for (const [viewer, other] of [
        [hostPage, guestPage],
        [guestPage, hostPage],
      ] as const) {
        const video = await waitUntil(
          () => viewer.inboundVideo(),
          (videos) => (decodedFrom(videos, other.identity)?.framesDecoded ?? 0) > 0,
          `${viewer.identity} decoding ${other.identity}'s video`,
        );
        const decoded = decodedFrom(video, other.identity)!;
        expect(decoded.frameWidth).toBeGreaterThan(0);
        expect(decoded.frameHeight).toBeGreaterThan(0);
        const audio = await waitUntil(
          () => viewer.inboundAudio(),
          (tracks) =>
            tracks.some(
              (a) =>
                a.identity === other.identity && (a.totalSamplesReceived > 0 || a.audioLevel > 0),
            ),
          `${viewer.identity} receiving ${other.identity}'s audio`,
        );
        console.log(
          `[${name}] ${viewer.identity.slice(0, 8)} decodes ${other.identity.slice(0, 8)}: ` +
            `${JSON.stringify(decoded)} ${JSON.stringify(audio)} after ${Date.now() - started} ms`,
        );
        const shot = join(shots, `${name}-${viewer === hostPage ? 'host' : 'guest'}.png`);
        await viewer.page.screenshot({ path: shot });
        console.log(`screenshot: ${shot}`);
      }
    });
  });
});
