// The whole Conference in real Chromium (fake camera and microphone) against a real videoconf
// server and a real LiveKit server whose webhooks reach it: each person is a page running the
// SDK's source (`createClient`, `client.conference()`, the feature setups; bundled by
// test/support/sdk-browser.ts). No stubbed LiveKit. Without media: conference.test.ts.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Room } from '@videoconf/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/src/http/types';
import { createRoomAs, type QuickUser, quickUser, testServer } from '../../server/test/support/app';
import {
  chromiumBinary,
  type NetworkLink,
  networkLink,
  type TestBrowser,
  waitUntil,
} from '../../server/test/support/browser';
import {
  type LivekitServer,
  listenWithLivekit,
  livekitBinary,
  livekitOptionsOf,
  startLivekitForPort,
} from '../../server/test/support/livekit-server';
import { type TcpRelay, tcpRelay } from '../../server/test/support/tcp-relay';
import { historyOf } from './support/realtime';
import { type ConferencePage, launchSdkBrowser, openConferencePage } from './support/sdk-browser';
import type { ConferenceArgs } from './support/sdk-page';

const binary = livekitBinary();
const chromium = chromiumBinary();

const tokenOf = (user: QuickUser) => user.auth.authorization.slice('Bearer '.length);

describe.skipIf(!binary || !chromium)('Conference in Chromium through a real LiveKit', () => {
  let livekit: LivekitServer;
  let browser: TestBrowser;
  /** Our server with LiveKit (its webhooks come here), and one without media. */
  let app: App;
  let bare: App;
  let http: string;
  let bareHttp: string;
  let host: QuickUser;
  let guest: QuickUser;
  let other: QuickUser;
  const open: ConferencePage[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  const listen = async (server: App, port = 0) => {
    await server.listen({ port, host: '127.0.0.1' });
    return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    const [media, launched] = await Promise.all([
      startLivekitForPort(binary!),
      launchSdkBrowser(chromium!),
    ]);
    [livekit, browser] = [media.livekit, launched];
    // The page is served from another origin than the API's.
    const cors = { origins: [new URL(browser.pageUrl).origin] };
    bare = testServer({ cors });
    [{ app, http }, bareHttp] = await Promise.all([
      listenWithLivekit(media, { cors }),
      listen(bare),
    ]);
    [host, guest, other] = await Promise.all([
      quickUser(app, { displayName: 'Hana Host' }),
      quickUser(app, { displayName: 'Gus Guest' }),
      quickUser(app, { displayName: 'Otto Other' }),
    ]);
  }, 60_000);
  afterEach(async () => {
    for (const page of open.splice(0)) await page.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await browser?.close();
    await livekit?.close();
  });

  const newRoom = (body: object = {}) =>
    createRoomAs(app, host, { title: 'SDK conference', ...body });

  /** A page with a Conference of `user` in `room` (not joined yet). */
  const person = async (
    user: QuickUser,
    room: Room,
    extra: Partial<ConferenceArgs> = {},
  ): Promise<ConferencePage> => {
    const page = await openConferencePage(browser, {
      server: http,
      token: tokenOf(user),
      roomId: room.id,
      ...extra,
    });
    open.push(page);
    return page;
  };

  /** A person who joined: the state `join()` resolved in must be `expected`. */
  const joined = async (
    user: QuickUser,
    room: Room,
    expected: string,
    extra: Partial<ConferenceArgs> = {},
  ) => {
    const page = await person(user, room, extra);
    expect(await page.call('join')).toBe(expected);
    return page;
  };

  const stateOf = async (page: ConferencePage) => (await page.call('conferenceState')).state;
  const until = (page: ConferencePage, state: string, timeoutMs = 15_000) =>
    waitUntil(
      () => page.call('conferenceState'),
      (s) => s.state === state,
      `the conference ${state}`,
      timeoutMs,
    );

  const cameraOf = async (viewer: ConferencePage, identity: string) =>
    (await viewer.call('conferenceVideo')).find(
      (v) => v.identity === identity && v.source === 'camera',
    );

  /** Waits until `viewer` decoded more than `after` frames of `identity`'s camera. */
  const frames = async (
    viewer: ConferencePage,
    identity: string,
    after = 0,
    timeoutMs = 15_000,
  ) => {
    const video = await waitUntil(
      () => cameraOf(viewer, identity),
      (v) => (v?.framesDecoded ?? 0) > after,
      `decoding more than ${after} frames of ${identity}'s camera`,
      timeoutMs,
    );
    expect(video!.frameWidth).toBeGreaterThan(0);
    expect(video!.frameHeight).toBeGreaterThan(0);
    return video!;
  };

  /** Video both ways between two connected people. */
  const videoBothWays = async (
    a: ConferencePage,
    aUser: QuickUser,
    b: ConferencePage,
    bUser: QuickUser,
  ) => {
    const [ab, ba] = await Promise.all([frames(a, bUser.id), frames(b, aUser.id)]);
    return { ab, ba };
  };

  const seen = async (viewer: ConferencePage, user: QuickUser) =>
    (await viewer.call('participantList')).find((p) => p.userId === user.id);

  /** Calls LiveKit's RoomService (twirp) as an admin of `room`. */
  const roomService = async (room: Room, method: string, body: object) => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
      iss: livekit.apiKey,
      nbf: now - 10,
      exp: now + 60,
      video: { roomAdmin: true, room: room.livekitRoomName },
    })}`;
    const jwt = `${unsigned}.${createHmac('sha256', livekit.apiSecret).update(unsigned).digest('base64url')}`;
    const answer = await fetch(`${livekit.httpUrl}/twirp/livekit.RoomService/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room: room.livekitRoomName, ...body }),
    });
    if (answer.status !== 200)
      throw new Error(`${method}: ${answer.status} ${await answer.text()}`);
    return answer.json() as Promise<Record<string, unknown>>;
  };

  /** LiveKit's own list of the room's participants (its RoomService, as an admin). */
  const livekitIdentities = async (room: Room): Promise<string[]> => {
    const body = (await roomService(room, 'ListParticipants', {})) as {
      participants?: { identity: string }[];
    };
    return (body.participants ?? []).map((p) => p.identity);
  };

  const trackStates = async (page: ConferencePage) =>
    (await page.call('localTracks')).map((t) => `${t.kind}:${t.readyState}`).sort();

  it('joins without a waiting room: video both ways, each listed with a video track, a mute shows', async () => {
    const started = Date.now();
    const room = await newRoom();
    const hostPage = await joined(host, room, 'connected');
    const guestPage = await joined(guest, room, 'connected');
    const { ab, ba } = await videoBothWays(hostPage, host, guestPage, guest);
    console.log(
      `host decodes ${ab.frameWidth}x${ab.frameHeight}, guest ${ba.frameWidth}x${ba.frameHeight}; ` +
        `${Date.now() - started} ms from creating the room`,
    );
    for (const [viewer, user] of [
      [hostPage, guest],
      [guestPage, host],
    ] as const) {
      const p = await waitUntil(
        () => seen(viewer, user),
        (v) => !!v?.videoTrack && !!v.audioTrack,
        `${user.id} listed with a video and an audio track`,
      );
      expect(p).toMatchObject({
        isLocal: false,
        videoMuted: false,
        videoTrack: { kind: 'video', readyState: 'live' },
        audioTrack: { kind: 'audio', readyState: 'live' },
      });
    }
    // Never one's own microphone to play.
    expect((await guestPage.call('participantList')).find((p) => p.isLocal)?.audioTrack).toBeNull();
    expect(hostPage.conferenceStates()).toEqual(['idle', 'joining', 'connected']);
    expect(await guestPage.call('conferenceState')).toMatchObject({ media: 'connected', joins: 1 });

    // setupMediaControls: the microphone off shows on the other side, and back on.
    expect(await guestPage.call('microphone')).toEqual({ enabled: true, pending: false });
    expect(await guestPage.call('toggleMicrophone')).toEqual({ ok: true });
    expect(await guestPage.call('microphone')).toEqual({ enabled: false, pending: false });
    await waitUntil(
      () => seen(hostPage, guest),
      (p) => p?.audioMuted === true,
      'the guest muted',
    );
    expect(await guestPage.call('toggleMicrophone')).toEqual({ ok: true });
    await waitUntil(
      () => seen(hostPage, guest),
      (p) => p?.audioMuted === false,
      'the guest unmuted',
    );
    expect(await guestPage.call('microphone')).toEqual({ enabled: true, pending: false });
  }, 45_000);

  it('waiting room: the guest waits, the host admits, video flows both ways; another guest is rejected', async () => {
    const room = await newRoom({ waitingRoomEnabled: true });
    const hostPage = await joined(host, room, 'connected');
    const guestPage = await joined(guest, room, 'waiting');
    expect(await guestPage.call('conferenceState')).toMatchObject({
      media: 'off',
      entryStatus: 'pending',
    });
    expect(await guestPage.call('localTracks')).toEqual([]);
    const [entry] = await waitUntil(
      () => hostPage.call('waitingEntries'),
      (list) => list.length === 1,
      'the guest in the host lobby',
    );
    expect(entry!.displayName).toBe('Gus Guest');
    expect(await hostPage.call('admit', entry!.id)).toEqual({ ok: true });
    await until(guestPage, 'connected');
    await videoBothWays(hostPage, host, guestPage, guest);
    expect(guestPage.conferenceStates()).toEqual([
      'idle',
      'joining',
      'waiting',
      'joining',
      'connected',
    ]);

    const otherPage = await joined(other, room, 'waiting');
    const [knock] = await waitUntil(
      () => hostPage.call('waitingEntries'),
      (list) => list.length === 1,
      'the other guest in the host lobby',
    );
    expect(knock!.displayName).toBe('Otto Other');
    expect(await hostPage.call('reject', knock!.id, 'Not today')).toEqual({ ok: true });
    await until(otherPage, 'rejected');
    expect(await otherPage.call('conferenceState')).toMatchObject({ media: 'off', selfId: null });
    expect(await otherPage.call('localTracks')).toEqual([]);
    expect(await hostPage.call('waitingEntries')).toEqual([]);
  }, 45_000);

  it('kicked while connected: ends kicked, every local track ended, gone from LiveKit; ended while waiting: ended', async () => {
    const room = await newRoom();
    const hostPage = await joined(host, room, 'connected');
    const guestPage = await joined(guest, room, 'connected');
    await videoBothWays(hostPage, host, guestPage, guest);
    expect((await livekitIdentities(room)).sort()).toEqual([host.id, guest.id].sort());

    const { selfId } = await guestPage.call('conferenceState');
    expect(await hostPage.call('kick', selfId!)).toEqual({ ok: true });
    await until(guestPage, 'kicked');
    await waitUntil(
      () => trackStates(guestPage),
      (t) => t.length === 2 && t.every((s) => s.endsWith(':ended')),
      'every local track of the kicked guest ended',
      5_000,
    );
    expect(await guestPage.call('conferenceState')).toMatchObject({ media: 'off' });
    expect(await guestPage.call('mediaConnection')).toBe('disconnected');
    await waitUntil(
      () => livekitIdentities(room),
      (ids) => !ids.includes(guest.id),
      'LiveKit no longer listing the kicked guest',
      5_000,
    );
    expect(await livekitIdentities(room)).toEqual([host.id]);
    await waitUntil(
      () => hostPage.call('participantList'),
      (list) => list.every((p) => p.userId !== guest.id),
      'the host no longer listing the guest',
    );

    // Ended while waiting.
    const lobby = await newRoom({ waitingRoomEnabled: true });
    const lobbyHost = await joined(host, lobby, 'connected');
    const waiting = await joined(other, lobby, 'waiting');
    expect(await lobbyHost.call('end')).toEqual({ ok: true });
    await until(waiting, 'ended');
    expect(await stateOf(lobbyHost)).toBe('ended');
    expect(await waiting.call('localTracks')).toEqual([]);
  }, 45_000);

  it('media unavailable: connected without LiveKit, chat works both ways', async () => {
    const bareUsers = await Promise.all([
      quickUser(bare, { displayName: 'Hana Host' }),
      quickUser(bare, { displayName: 'Gus Guest' }),
    ]);
    const own = await createRoomAs(bare, bareUsers[0]!, { title: 'No media' });
    const hostPage = await joined(bareUsers[0]!, own, 'connected', { server: bareHttp });
    const guestPage = await joined(bareUsers[1]!, own, 'connected', { server: bareHttp });
    for (const page of [hostPage, guestPage]) {
      expect(await page.call('conferenceState')).toMatchObject({
        state: 'connected',
        media: 'unavailable',
        error: null,
      });
      expect(await page.call('localTracks')).toEqual([]);
    }
    expect(await guestPage.call('sendChat', 'hello without media')).toEqual({ ok: true });
    await waitUntil(
      () => hostPage.call('chatMessages'),
      (list) => list.some((m) => m.content === 'hello without media'),
      'the host receiving the message',
    );
    expect(await hostPage.call('sendChat', 'hello back')).toEqual({ ok: true });
    await waitUntil(
      () => guestPage.call('chatMessages'),
      (list) => list.map((m) => m.content).join() === 'hello without media,hello back',
      'the guest receiving the answer',
    );
  }, 30_000);

  it('offline for 5 s: reconnecting, then connected without a new REST join; video again; chat equals the history', async () => {
    const room = await newRoom();
    const media: NetworkLink = await networkLink(livekit);
    const api: TcpRelay = await tcpRelay(Number(new URL(http).port));
    cleanups.push(
      () => media.close(),
      () => api.close(),
    );
    const hostPage = await joined(host, room, 'connected');
    // Everything of the guest's page (our API and sockets, LiveKit's signalling and media)
    // goes through links the test cuts.
    const guestPage = await joined(guest, room, 'connected', {
      server: `http://127.0.0.1:${api.port}`,
      mediaPort: media.mediaPort,
      rewrite: {
        [livekit.url]: media.livekitUrl,
        [livekit.httpUrl]: media.livekitUrl.replace(/^ws/, 'http'),
      },
    });
    await videoBothWays(hostPage, host, guestPage, guest);
    expect(await guestPage.call('sendChat', 'before the cut')).toEqual({ ok: true });

    const cutAt = Date.now();
    media.cut();
    api.cut();
    await guestPage.waitForEvent((e) => e.type === 'conference' && e.state === 'reconnecting', {
      since: cutAt,
      what: 'the conference reconnecting',
    });
    const wentAway = Date.now() - cutAt;
    // Meanwhile: the host chats, the guest sends one that waits in its outbox.
    for (let i = 1; i <= 3; i++) {
      expect(await hostPage.call('sendChat', `while away ${i}`)).toEqual({ ok: true });
    }
    const queued = guestPage.call('sendChat', 'sent offline');
    await sleep(5_000 - (Date.now() - cutAt));
    const frozen = (await cameraOf(hostPage, guest.id))?.framesDecoded ?? 0;
    const restoredAt = Date.now();
    media.restore();
    api.restore();
    const back = await guestPage.waitForEvent(
      (e) => e.type === 'conference' && e.state === 'connected',
      { since: restoredAt, timeoutMs: 25_000, what: 'the conference connected again' },
    );
    const mediaBack = await guestPage.waitForEvent(
      (e) => e.type === 'state' && e.state === 'connected',
      { since: restoredAt, what: 'the media connected again' },
    );
    expect(await queued).toEqual({ ok: true });
    await frames(hostPage, guest.id, frozen + 10);
    const guestSees = (await cameraOf(guestPage, host.id))?.framesDecoded ?? 0;
    await frames(guestPage, host.id, guestSees + 10);
    expect(guestPage.conferenceStates(cutAt)).toEqual(['reconnecting', 'connected']);
    expect(await guestPage.call('conferenceState')).toMatchObject({
      state: 'connected',
      media: 'connected',
      joins: 1,
    });

    // The guest's list equals the server's history: nothing lost, nothing twice.
    const history = (await historyOf(http, room.id, host)).map((m) => ({
      id: m.id,
      seq: m.seq,
      content: m.content,
    }));
    expect(history.map((m) => m.content)).toEqual([
      'before the cut',
      'while away 1',
      'while away 2',
      'while away 3',
      'sent offline',
    ]);
    await waitUntil(
      () => guestPage.call('chatMessages'),
      (list) => list.some((m) => m.id === history.at(-1)!.id),
      'the last message of the history in the guest list',
    );
    expect(await guestPage.call('chatMessages')).toEqual(history);
    console.log(
      `network cut for ${restoredAt - cutAt} ms (reconnecting after ${wentAway} ms); ` +
        `connected again ${back.at - restoredAt} ms after it came back (its media ${mediaBack.at - restoredAt} ms); ` +
        `states: ${guestPage.conferenceStates(cutAt).join(' → ')}; media: ${guestPage.states(cutAt).join(' → ')}`,
    );
  }, 60_000);

  it('LiveKit drops the media session (as after a long outage): the leave is recorded, the conference ends left, never connected with dead media', async () => {
    const room = await newRoom();
    const hostPage = await joined(host, room, 'connected');
    const guestPage = await joined(guest, room, 'connected');
    await videoBothWays(hostPage, host, guestPage, guest);

    // LiveKit ends the guest's session: its participant_left webhook makes our server record
    // the leave, which reaches the guest's realtime connection.
    await roomService(room, 'RemoveParticipant', { identity: guest.id });
    await until(guestPage, 'left');
    expect(await guestPage.call('conferenceState')).toMatchObject({ media: 'off', joins: 1 });
    await waitUntil(
      () => trackStates(guestPage),
      (t) => t.length === 2 && t.every((s) => s.endsWith(':ended')),
      'every local track of the dropped guest ended',
      5_000,
    );
    await waitUntil(
      () => hostPage.call('participantList'),
      (list) => list.every((p) => p.userId !== guest.id),
      'the host no longer listing the guest',
    );
    expect(await stateOf(hostPage)).toBe('connected');
  }, 45_000);

  it('LiveKit drops the media session and our server never hears of it: the media connects again with a new token, no REST join', async () => {
    // A server whose LiveKit webhooks go elsewhere: it still counts the guest as a participant
    // after LiveKit dropped it, so the conference must bring the media back by itself.
    const deaf = testServer({
      livekit: livekitOptionsOf(livekit),
      cors: { origins: [new URL(browser.pageUrl).origin] },
    });
    const deafHttp = await listen(deaf);
    cleanups.push(() => deaf.close());
    const [deafHost, deafGuest] = await Promise.all([
      quickUser(deaf, { displayName: 'Dora Host' }),
      quickUser(deaf, { displayName: 'Dan Guest' }),
    ]);
    const room = await createRoomAs(deaf, deafHost, { title: 'No webhooks' });
    const at = (user: QuickUser) =>
      person(user, room, { server: deafHttp, token: tokenOf(user) }).then(async (page) => {
        expect(await page.call('join')).toBe('connected');
        return page;
      });
    const hostPage = await at(deafHost);
    const guestPage = await at(deafGuest);
    await videoBothWays(hostPage, deafHost, guestPage, deafGuest);

    const droppedAt = Date.now();
    await roomService(room, 'RemoveParticipant', { identity: deafGuest.id });
    await guestPage.waitForEvent((e) => e.type === 'conference' && e.state === 'reconnecting', {
      since: droppedAt,
      what: 'the conference reconnecting its media',
    });
    await guestPage.waitForEvent((e) => e.type === 'conference' && e.state === 'connected', {
      since: droppedAt,
      timeoutMs: 20_000,
      what: 'the conference connected again',
    });
    expect(await guestPage.call('conferenceState')).toMatchObject({
      state: 'connected',
      media: 'connected',
      joins: 1,
    });
    await waitUntil(
      () => livekitIdentities(room),
      (ids) => ids.includes(deafGuest.id),
      'LiveKit listing the guest again',
      10_000,
    );
    const seenBefore = (await cameraOf(hostPage, deafGuest.id))?.framesDecoded ?? 0;
    await frames(hostPage, deafGuest.id, seenBefore);
    console.log(`media back ${Date.now() - droppedAt} ms after LiveKit dropped it`);
  }, 60_000);

  it('leave(): left, every local track ended, gone from LiveKit', async () => {
    const room = await newRoom();
    const hostPage = await joined(host, room, 'connected');
    const guestPage = await joined(guest, room, 'connected');
    await frames(hostPage, guest.id);
    expect(await trackStates(guestPage)).toEqual(['audio:live', 'video:live']);
    expect(await guestPage.call('leave')).toEqual({ ok: true });
    expect(await guestPage.call('conferenceState')).toMatchObject({ state: 'left', media: 'off' });
    expect(await trackStates(guestPage)).toEqual(['audio:ended', 'video:ended']);
    expect(await guestPage.call('mediaConnection')).toBe('disconnected');
    await waitUntil(
      () => livekitIdentities(room),
      (ids) => !ids.includes(guest.id),
      'LiveKit no longer listing the guest',
      5_000,
    );
    await waitUntil(
      () => hostPage.call('participantList'),
      (list) => list.every((p) => p.userId !== guest.id),
      'the host no longer listing the guest',
    );
  }, 30_000);
});
