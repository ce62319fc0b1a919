// Media end to end: real Chromium pages (fake camera and microphone, test/support/browser.ts),
// admitted through our REST API, connect to a real LiveKit server (the pinned binary,
// test/support/livekit-server.ts) with our media tokens and decode each other's media.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { admitToMedia, createRoomAs, type QuickUser, quickUser, testServer } from './support/app';
import {
  chromiumBinary,
  type InboundAudio,
  type InboundVideo,
  launchBrowser,
  type NetworkLink,
  networkLink,
  openParticipant,
  type Participant,
  type TestBrowser,
  waitUntil,
} from './support/browser';
import {
  type LivekitServer,
  livekitBinary,
  livekitOptionsOf,
  startLivekit,
} from './support/livekit-server';
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
    const open: Participant[] = [];
    const links: NetworkLink[] = [];
    beforeAll(async () => {
      app = testServer({
        storage: storage(),
        livekit: livekitOptionsOf(livekit),
      });
      host = await quickUser(app, { displayName: 'Hana Host' });
      guest = await quickUser(app, { displayName: 'Gus Guest' });
    });
    afterAll(async () => {
      for (const participant of open) await participant.close();
      for (const link of links) await link.close();
      await app?.close();
    });

    const newRoom = async (): Promise<string> =>
      (await createRoomAs(app, host, { title: 'Real media' })).id;
    const admit = (roomId: string, user: QuickUser) => admitToMedia(app, roomId, user);

    const cameraOf = (videos: InboundVideo[], identity: string) =>
      videos.find((v) => v.identity === identity && v.source === 'camera');
    const micOf = (tracks: InboundAudio[], identity: string) =>
      tracks.find((a) => a.identity === identity && a.source === 'microphone');

    /** Audio samples decoded from packets (not made up by packet-loss concealment). */
    const heard = (mic: InboundAudio | undefined) =>
      mic ? mic.totalSamplesReceived - mic.concealedSamples : 0;

    /** Waits until `viewer` has decoded more than `after` frames of `other`'s camera. */
    const framesOf = async (viewer: Participant, other: Participant, after = 0) =>
      cameraOf(
        await waitUntil(
          () => viewer.inboundVideo(),
          (videos) => (cameraOf(videos, other.identity)?.framesDecoded ?? 0) > after,
          `${viewer.identity} decoding more than ${after} frames of ${other.identity}'s camera`,
        ),
        other.identity,
      )!;

    /** Opens a page for `user`: our REST join, our media token, then LiveKit. */
    const enter = async (roomId: string, user: QuickUser, network?: NetworkLink) => {
      const media = await admit(roomId, user);
      const page = await openParticipant(browser, {
        livekitUrl: media.url,
        token: media.token,
        ...(network && { network }),
      });
      open.push(page);
      expect(page.identity).toBe(user.id);
      return page;
    };

    it('two pages admitted by our API decode each other’s camera and microphone', async () => {
      const roomId = await newRoom();
      const started = Date.now();
      const hostPage = await enter(roomId, host);
      const guestPage = await enter(roomId, guest);
      const connected = Date.now() - started;

      for (const [viewer, other, who] of [
        [hostPage, guestPage, 'host'],
        [guestPage, hostPage, 'guest'],
      ] as const) {
        const video = await framesOf(viewer, other);
        const firstFrame = Date.now() - started;
        expect(video.frameWidth).toBeGreaterThan(0);
        expect(video.frameHeight).toBeGreaterThan(0);
        const audio = micOf(
          await waitUntil(
            () => viewer.inboundAudio(),
            (tracks) => heard(micOf(tracks, other.identity)) > 0,
            `${viewer.identity} receiving ${other.identity}'s microphone`,
          ),
          other.identity,
        )!;
        const shot = join(shots, `${name}-seen-by-${who}.png`);
        await viewer.page.screenshot({ path: shot });
        console.log(
          `[${name}] ${who}: both pages connected ${connected} ms after the first REST join; ` +
            `first remote frame decoded at ${firstFrame} ms ` +
            `(${video.frameWidth}x${video.frameHeight}, ${video.framesDecoded} frames), ` +
            `audio ${audio.totalSamplesReceived} samples (${audio.concealedSamples} concealed), ` +
            `level ${audio.audioLevel}; ` +
            `screenshot ${shot}`,
        );
      }
      await guestPage.close();
      await hostPage.close();
    });

    // Storage plays no part in a reconnection (no REST call is made): once is enough, and keeps
    // this file within a minute.
    if (name !== 'postgres') return;

    it('a participant whose network goes away comes back into the room without a new REST join', async () => {
      const roomId = await newRoom();
      const hostPage = await enter(roomId, host);
      const network = await networkLink(livekit);
      links.push(network);
      const guestPage = await enter(roomId, guest, network);
      await framesOf(hostPage, guestPage);
      await framesOf(guestPage, hostPage);

      // The cut is real: after it, no frame of the guest reaches the host and none of the
      // host reaches the guest, and the guest's client notices.
      const cutAt = Date.now();
      network.cut();
      await guestPage.waitForEvent(
        (e) => e.type === 'signalReconnecting' || e.type === 'reconnecting',
        {
          since: cutAt,
          what: 'reconnection attempt',
        },
      );
      await sleep(1_000);
      const frozen = {
        hostSees: cameraOf(await hostPage.inboundVideo(), guest.id)!.framesDecoded,
        guestSees: cameraOf(await guestPage.inboundVideo(), host.id)!.framesDecoded,
        hostHears: heard(micOf(await hostPage.inboundAudio(), guest.id)),
      };
      await sleep(3_000);
      expect(cameraOf(await hostPage.inboundVideo(), guest.id)!.framesDecoded).toBe(
        frozen.hostSees,
      );
      expect(cameraOf(await guestPage.inboundVideo(), host.id)!.framesDecoded).toBe(
        frozen.guestSees,
      );

      const restoredAt = Date.now();
      network.restore();
      const reconnected = await guestPage.waitForEvent((e) => e.type === 'reconnected', {
        since: restoredAt,
        timeoutMs: 20_000,
        what: 'reconnection',
      });
      // Media flows again both ways, under the same LiveKit identity, with the same token.
      await framesOf(hostPage, guestPage, frozen.hostSees + 10);
      await framesOf(guestPage, hostPage, frozen.guestSees + 10);
      await waitUntil(
        () => hostPage.inboundAudio(),
        (tracks) => heard(micOf(tracks, guest.id)) > frozen.hostHears,
        `the host hearing the guest again`,
      );
      const flowing = Date.now() - restoredAt;
      expect(await guestPage.state()).toMatchObject({
        connectionState: 'connected',
        identity: guest.id,
        remote: [host.id],
      });
      expect((await hostPage.state()).remote).toEqual([guest.id]);

      // Our server still counts the guest in, from its one REST join.
      const participants = await app.inject({
        method: 'GET',
        url: `/api/v1/rooms/${roomId}/participants`,
        headers: host.auth,
      });
      expect(participants.statusCode, participants.body).toBe(200);
      expect(
        participants.json().items.filter((p: { userId: string }) => p.userId === guest.id),
      ).toHaveLength(1);

      const left = hostPage.events.some(
        (e) => e.type === 'participantDisconnected' && e.at >= cutAt,
      );
      console.log(
        `[${name}] network cut for ${restoredAt - cutAt} ms: the guest's client reconnected ` +
          `${reconnected.at - restoredAt} ms after the network came back, media flowed again both ` +
          `ways after ${flowing} ms; the host ${left ? 'saw the guest leave and return' : 'never saw the guest leave'}; ` +
          `guest events: ${guestPage.events
            .filter((e) => e.at >= cutAt)
            .map((e) => e.type)
            .join(', ')}`,
      );
      const shot = join(shots, `${name}-seen-by-guest-after-reconnection.png`);
      await guestPage.page.screenshot({ path: shot });
      console.log(`screenshot ${shot}`);
      await guestPage.close();
      await hostPage.close();
    }, 45_000);
  });
});
