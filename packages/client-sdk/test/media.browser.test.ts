// The SDK's media layer in real Chromium (fake camera and microphone) against a real LiveKit
// server and a real videoconf server: each page runs a `MediaSession` (the SDK's source, bundled
// by test/support/sdk-browser.ts) with the media token our server issued after a REST join.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/src/http/types';
import {
  admitToMedia,
  createRoomAs,
  type QuickUser,
  quickUser,
  testServer,
} from '../../server/test/support/app';
import {
  chromiumBinary,
  type NetworkLink,
  networkLink,
  type TestBrowser,
  waitUntil,
} from '../../server/test/support/browser';
import {
  type LivekitServer,
  livekitBinary,
  livekitOptionsOf,
  startLivekit,
} from '../../server/test/support/livekit-server';
import { launchSdkBrowser, openSdkPage, type SdkParticipant } from './support/sdk-browser';
import type { ConnectArgs, ParticipantRecord } from './support/sdk-page';

const binary = livekitBinary();
const chromium = chromiumBinary();

describe.skipIf(!binary || !chromium)('MediaSession in Chromium through a real LiveKit', () => {
  let livekit: LivekitServer;
  let browser: TestBrowser;
  let app: App;
  let host: QuickUser;
  let guest: QuickUser;
  const open: SdkParticipant[] = [];
  const links: NetworkLink[] = [];

  beforeAll(async () => {
    [livekit, browser] = await Promise.all([startLivekit(binary!), launchSdkBrowser(chromium!)]);
    app = testServer({ livekit: livekitOptionsOf(livekit) });
    host = await quickUser(app, { displayName: 'Hana Host' });
    guest = await quickUser(app, { displayName: 'Gus Guest' });
  });
  afterAll(async () => {
    for (const page of open) await page.close();
    for (const link of links) await link.close();
    await app?.close();
    await browser?.close();
    await livekit?.close();
  });

  const newRoom = async (settings: object = {}) =>
    createRoomAs(app, host, { title: 'SDK media', settings });

  /** Our REST join and media token, then a page whose `MediaSession` connects with them. */
  const enter = async (
    roomId: string,
    user: QuickUser,
    options: Omit<ConnectArgs, 'url' | 'token'> & { network?: NetworkLink } = {},
  ) => {
    const media = await admitToMedia(app, roomId, user);
    const page = await openSdkPage(browser, { url: media.url, token: media.token, ...options });
    open.push(page);
    expect(page.identity).toBe(user.id);
    return page;
  };

  const cameraOf = async (viewer: SdkParticipant, identity: string) =>
    (await viewer.call('inboundVideo')).find(
      (v) => v.identity === identity && v.source === 'camera',
    );

  /** Waits until `viewer` decoded more than `after` frames of `identity`'s camera. */
  const frames = async (viewer: SdkParticipant, identity: string, after = 0) => {
    await waitUntil(
      () => cameraOf(viewer, identity),
      (video) => (video?.framesDecoded ?? 0) > after,
      `${viewer.identity} decoding more than ${after} frames of ${identity}'s camera`,
    );
    return (await cameraOf(viewer, identity))!;
  };

  const seen = async (viewer: SdkParticipant, identity: string) =>
    (await viewer.call('participants')).find((p) => p.identity === identity);

  /** Waits until `viewer`'s participants store shows `identity` as `ok` says. */
  const seenAs = (
    viewer: SdkParticipant,
    identity: string,
    ok: (p: ParticipantRecord | undefined) => boolean,
    what: string,
  ) => waitUntil(() => seen(viewer, identity), ok, `${viewer.identity} seeing ${identity} ${what}`);

  it('two people see each other, mute shows, stats are reported, disconnect releases the devices', async () => {
    const room = await newRoom();
    const started = Date.now();
    const hostPage = await enter(room.id, host, { statsIntervalMs: 2_000 });
    const guestPage = await enter(room.id, guest, {
      statsIntervalMs: 2_000,
      user: { preferredVideoQuality: '360p' },
    });
    expect(hostPage.states()).toEqual(['off', 'connecting', 'connected']);
    // The preferred quality is the capture size; `auto` is livekit-client's default, 720p.
    expect(await guestPage.call('localTracks')).toContainEqual(
      expect.objectContaining({ kind: 'video', width: 640, height: 360 }),
    );
    expect(await hostPage.call('localTracks')).toContainEqual(
      expect.objectContaining({ kind: 'video', width: 1280, height: 720 }),
    );

    for (const [viewer, other] of [
      [hostPage, guest],
      [guestPage, host],
    ] as const) {
      const video = await frames(viewer, other.id);
      expect(video.frameWidth).toBeGreaterThan(0);
      expect(video.frameHeight).toBeGreaterThan(0);
      const state = await seenAs(viewer, other.id, (p) => !!p?.videoTrack, 'with a video track');
      expect(state).toMatchObject({
        isLocal: false,
        audioMuted: false,
        videoMuted: false,
        videoTrack: { kind: 'video', readyState: 'live' },
        screenTrack: null,
      });
      expect(await seen(viewer, viewer.identity)).toMatchObject({ isLocal: true });
      console.log(
        `${viewer.identity === host.id ? 'host' : 'guest'} decodes ${video.frameWidth}x${video.frameHeight}, ` +
          `${video.framesDecoded} frames, ${Date.now() - started} ms after the first REST join`,
      );
    }

    // Muting the microphone shows on the other side.
    const mutedAt = Date.now();
    expect(await guestPage.call('setMicrophoneEnabled', false)).toEqual({ ok: true });
    await seenAs(hostPage, guest.id, (p) => p?.audioMuted === true, 'muted');
    const muteShown = Date.now() - mutedAt;
    console.log(`the host saw the guest muted ${muteShown} ms after the guest muted`);
    // At once, from LiveKit's mute event (not at the next unrelated update, seconds later).
    expect(muteShown).toBeLessThan(1_500);
    expect(await guestPage.call('setMicrophoneEnabled', true)).toEqual({ ok: true });
    await seenAs(hostPage, guest.id, (p) => p?.audioMuted === false, 'unmuted');

    // Stats: a body our server accepts, with numbers of a working local call.
    const event = await guestPage.waitForEvent((e) => e.type === 'stats', {
      timeoutMs: 20_000,
      what: 'a stats report',
    });
    if (event.type !== 'stats') throw new Error('unreachable');
    const { body } = event;
    console.log(`stats body: ${JSON.stringify(body)}`);
    expect(body.avgBitrateKbps).toBeGreaterThan(50);
    expect(body.avgRttMs).toBeLessThan(500);
    expect(body.maxRttMs).toBeGreaterThanOrEqual(body.avgRttMs);
    expect(body.packetLossUpPercent).toBeLessThan(5);
    expect(body.packetLossDownPercent).toBeLessThan(5);
    expect(body.networkScore).toBeGreaterThanOrEqual(2);
    const stored = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${room.id}/stats`,
      headers: guest.auth,
      payload: body,
    });
    expect(stored.statusCode, stored.body).toBe(201);

    // Disconnect releases every track the page opened.
    const before = await guestPage.call('localTracks');
    expect(before.map((t) => `${t.kind}:${t.readyState}`).sort()).toEqual([
      'audio:live',
      'video:live',
    ]);
    await guestPage.call('disconnect');
    expect((await guestPage.call('localTracks')).map((t) => t.readyState)).toEqual([
      'ended',
      'ended',
    ]);
    expect(await guestPage.call('media')).toBe('off');
    expect(await guestPage.call('participants')).toEqual([]);
    await seenAs(hostPage, guest.id, (p) => p === undefined, 'gone');
    const reports = guestPage.events.filter((e) => e.type === 'stats').length;
    await sleep(2_500);
    expect(guestPage.events.filter((e) => e.type === 'stats')).toHaveLength(reports);
  }, 60_000);

  it('joins as the settings say: camera off by the room, muted by the user; hosts-only screen share is refused', async () => {
    const room = await newRoom({ cameraOffOnJoin: true, screenShare: 'hosts' });
    const hostPage = await enter(room.id, host);
    const guestPage = await enter(room.id, guest, {
      room: room.settings,
      user: { muteMicOnJoin: true },
      request: { video: true },
    });
    await seenAs(hostPage, guest.id, (p) => p !== undefined, 'in the room');
    // Give the guest's tracks time to show if they were (wrongly) published.
    await frames(guestPage, host.id);
    await sleep(1_000);
    expect(await seen(hostPage, guest.id)).toMatchObject({
      audioMuted: true,
      videoMuted: true,
      videoTrack: null,
    });
    expect(await cameraOf(hostPage, guest.id)).toBeUndefined();
    expect(await guestPage.call('localTracks')).toEqual([]);

    // Turned on afterwards, the camera reaches the host.
    expect(await guestPage.call('setCameraEnabled', true)).toEqual({ ok: true });
    await frames(hostPage, guest.id);
    await seenAs(hostPage, guest.id, (p) => p?.videoMuted === false, 'with the camera on');

    // Unmuted, then moved to another microphone: the first one is released, the other one is live.
    expect(await guestPage.call('setMicrophoneEnabled', true)).toEqual({ ok: true });
    await seenAs(hostPage, guest.id, (p) => p?.audioMuted === false, 'unmuted');
    const [first] = (await guestPage.call('localTracks')).filter((t) => t.kind === 'audio');
    const other = (await guestPage.call('devices')).find(
      (d) => d.kind === 'audioinput' && d.deviceId !== 'default' && d.deviceId !== first?.deviceId,
    )!;
    expect(await guestPage.call('switchDevice', 'audioinput', other.deviceId)).toEqual({
      ok: true,
    });
    expect(
      (await guestPage.call('localTracks'))
        .filter((t) => t.kind === 'audio')
        .map((t) => [t.deviceId === other.deviceId, t.readyState]),
    ).toEqual([
      [false, 'ended'],
      [true, 'live'],
    ]);
    expect(await seen(hostPage, guest.id)).toMatchObject({ audioMuted: false });

    // LiveKit holds no screen-share permission for a participant here: an error the app can show.
    expect(await guestPage.call('setScreenShareEnabled', true)).toEqual({
      error: expect.objectContaining({ name: 'ApiError', status: 403, code: 'FORBIDDEN' }),
    });
    await guestPage.close();
    await hostPage.close();
  }, 45_000);

  it('after the network is gone for 5 s, LiveKit brings the media back: reconnecting, then connected', async () => {
    const room = await newRoom();
    const hostPage = await enter(room.id, host);
    const network = await networkLink(livekit);
    links.push(network);
    const guestPage = await enter(room.id, guest, { network });
    await frames(hostPage, guest.id);
    await frames(guestPage, host.id);

    const cutAt = Date.now();
    network.cut();
    await guestPage.waitForEvent((e) => e.type === 'state' && e.state === 'reconnecting', {
      since: cutAt,
      what: 'the media store going reconnecting',
    });
    await sleep(5_000 - (Date.now() - cutAt));
    const frozen = (await cameraOf(hostPage, guest.id))?.framesDecoded ?? 0;
    const restoredAt = Date.now();
    network.restore();
    const back = await guestPage.waitForEvent(
      (e) => e.type === 'state' && e.state === 'connected',
      { since: restoredAt, timeoutMs: 20_000, what: 'the media store back to connected' },
    );
    await frames(hostPage, guest.id, frozen + 10);
    await frames(guestPage, host.id);
    expect(guestPage.states(cutAt)).toEqual(['reconnecting', 'connected']);
    expect(guestPage.events.some((e) => e.type === 'disconnected')).toBe(false);
    console.log(
      `network cut for ${restoredAt - cutAt} ms; media store connected again ` +
        `${back.at - restoredAt} ms after it came back; states: ${guestPage.states(cutAt).join(' → ')}`,
    );
    await guestPage.close();
    await hostPage.close();
  }, 60_000);
});
