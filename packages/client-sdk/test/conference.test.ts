// The Conference state machine and the feature setups against a real server (memory and
// PostgreSQL storage) without media: a server with no LiveKit answers MEDIA_UNAVAILABLE, and the
// conference must still connect with chat, lobby and participants working. Media in real
// Chromium through a real LiveKit server is conference.browser.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type QuickUser, quickUser } from '../../server/test/support/app';
import { storages } from '../../server/test/support/storages';
import {
  type Client,
  type Conference,
  type ConferenceOptions,
  type ConferenceState,
  createClient,
  setupChat,
  setupParticipants,
  setupWaitingRoom,
} from '../src/index';
import { historyOf, startServer, waitFor } from './support/realtime';

type Server = Awaited<ReturnType<typeof startServer>>;

describe.each(storages())('Conference on %s storage (no media server)', (_name, makeStorage) => {
  let server: Server;
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp() {
    server = await startServer(makeStorage());
    cleanups.push(() => server.close());
    return server;
  }

  /** A client of a user made straight in storage, with the token its REST calls carry. */
  async function clientOf(
    displayName: string,
    fetchFn?: typeof fetch,
  ): Promise<{ client: Client; userId: string; user: QuickUser }> {
    const user = await quickUser(server.app, { displayName });
    const client = createClient({
      server: server.http,
      token: user.auth.authorization.slice('Bearer '.length),
      ...(fetchFn && { fetch: fetchFn }),
    });
    cleanups.push(() => client.close());
    return { client, userId: user.id, user };
  }

  /** `client.conference()` with Node's `ws` (Node 20 has no global WebSocket) and quick retries. */
  const conferenceOf = (client: Client, roomId: string, options: ConferenceOptions = {}) =>
    client.conference(roomId, {
      ...options,
      realtime: { WebSocket, backoff: { initialMs: 50, maxMs: 400 }, connectTimeoutMs: 2000 },
    });

  function track(conference: Conference): ConferenceState[] {
    const states: ConferenceState[] = [];
    cleanups.push(conference.state.subscribe((s) => states.push(s)));
    cleanups.push(() => conference.leave());
    return states;
  }

  const until = (conference: Conference, state: ConferenceState) =>
    waitFor(
      () => conference.state.get() === state,
      () => `state ${state}; it is ${conference.state.get()} (${conference.error?.code ?? ''})`,
    );

  it('joins a room without a waiting room: connected, media unavailable, both listed', async () => {
    await setUp();
    const requested: string[] = [];
    const host = await clientOf('Hannah', (input, init) => {
      requested.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    });
    const guest = await clientOf('Gustav');
    const room = await host.client.rooms.create({ title: 'Standup' });

    const hostConf = conferenceOf(host.client, room.id);
    const hostStates = track(hostConf);
    await hostConf.join();
    expect(hostConf.state.get()).toBe('connected');
    expect(hostConf.media.get()).toBe('unavailable');
    expect(hostConf.error).toBeNull();
    // The join's answer had no media token: the server has no media server, and the conference
    // does not ask for a token only to hear 503 MEDIA_UNAVAILABLE.
    expect(requested.filter((r) => r.includes('/media/'))).toEqual([]);
    const joined: string[] = [];
    cleanups.push(hostConf.on('participantJoined', (p) => joined.push(p.displayName)));

    const guestConf = conferenceOf(guest.client, room.id);
    track(guestConf);
    await guestConf.join();
    expect(guestConf.state.get()).toBe('connected');
    expect(guestConf.self.get()?.displayName).toBe('Gustav');

    const list = setupParticipants(guestConf).participants;
    await waitFor(
      () => list.get().length === 2,
      () => JSON.stringify(list.get().map((p) => p.displayName)),
    );
    expect(
      list.get().map((p) => [p.displayName, p.role, p.isLocal, p.videoTrack, p.audioMuted]),
    ).toEqual([
      ['Hannah', 'host', false, null, true],
      ['Gustav', 'participant', true, null, true],
    ]);
    await waitFor(
      () => joined.includes('Gustav'),
      () => joined.join(),
    );
    expect(hostStates).toEqual(['idle', 'joining', 'connected']);
  });

  it('waiting room: the guest waits, the host sees the knock and admits, the guest connects', async () => {
    await setUp();
    const host = await clientOf('Hannah');
    const guest = await clientOf('Gustav');
    const room = await host.client.rooms.create({ title: 'Lobby', waitingRoomEnabled: true });
    const hostConf = conferenceOf(host.client, room.id, { media: false });
    track(hostConf);
    await hostConf.join();
    const lobby = setupWaitingRoom(hostConf);
    cleanups.push(() => lobby.dispose());

    const guestConf = conferenceOf(guest.client, room.id, { media: false });
    const guestStates = track(guestConf);
    await guestConf.join();
    expect(guestConf.state.get()).toBe('waiting');
    expect(guestConf.entry.get()?.status).toBe('pending');

    await waitFor(
      () => lobby.entries.get().length === 1,
      () => JSON.stringify(lobby.entries.get()),
    );
    expect(lobby.entries.get()[0]?.displayName).toBe('Gustav');
    await lobby.admit(lobby.entries.get()[0]!.id);
    expect(lobby.entries.get()).toEqual([]);

    await until(guestConf, 'connected');
    expect(guestConf.self.get()?.userId).toBe(guest.userId);
    expect(guestConf.entry.get()).toBeNull();
    expect(guestConf.media.get()).toBe('off');
    expect(guestStates).toEqual(['idle', 'joining', 'waiting', 'joining', 'connected']);
  });

  it('waiting room: a rejected guest ends rejected; one waiting when the room ends ends ended', async () => {
    await setUp();
    const host = await clientOf('Hannah');
    const room = await host.client.rooms.create({ title: 'Lobby', waitingRoomEnabled: true });
    const hostConf = conferenceOf(host.client, room.id, { media: false });
    track(hostConf);
    await hostConf.join();
    const lobby = setupWaitingRoom(hostConf);
    cleanups.push(() => lobby.dispose());

    const rejected = conferenceOf((await clientOf('Rita')).client, room.id, { media: false });
    track(rejected);
    await rejected.join();
    const waiting = conferenceOf((await clientOf('Walter')).client, room.id, { media: false });
    track(waiting);
    await waiting.join();
    await waitFor(
      () => lobby.entries.get().length === 2,
      () => JSON.stringify(lobby.entries.get()),
    );

    const rita = lobby.entries.get().find((e) => e.displayName === 'Rita')!;
    await lobby.reject(rita.id, 'Not today');
    await until(rejected, 'rejected');
    expect(rejected.entry.get()?.reason).toBe('Not today');

    const ended: string[] = [];
    cleanups.push(waiting.on('ended', (r) => ended.push(r.status)));
    await hostConf.end();
    expect(hostConf.state.get()).toBe('ended');
    await until(waiting, 'ended');
    expect(ended).toEqual(['ended']);
  });

  it('waiting room: a guest rejected while its connection was away still learns the reason', async () => {
    await setUp();
    const host = await clientOf('Hannah');
    const room = await host.client.rooms.create({ title: 'Lobby', waitingRoomEnabled: true });
    const rita = await clientOf('Rita');
    // A slow first retry: the rejection is decided before the guest's socket is back, which is
    // then refused (4403) instead of hearing `waiting.rejected`.
    const guest = rita.client.conference(room.id, {
      media: false,
      realtime: { WebSocket, backoff: { initialMs: 600, maxMs: 600 }, connectTimeoutMs: 2000 },
    });
    const states = track(guest);
    await guest.join();
    expect(guest.state.get()).toBe('waiting');
    const entry = guest.entry.get()!;
    await waitFor(
      () => guest.realtime?.state.get() === 'open',
      () => `realtime ${guest.realtime?.state.get()}`,
    );
    const storage = server.app.videoconf.storage;
    await server.restart(() =>
      storage.decideWaitingEntry({
        entryId: entry.id,
        decision: 'rejected',
        decidedByUserId: host.userId,
        reason: 'Decided while away',
        now: new Date().toISOString(),
      }),
    );
    await until(guest, 'rejected');
    expect(guest.entry.get()).toMatchObject({
      id: entry.id,
      status: 'rejected',
      reason: 'Decided while away',
    });
    expect(states).toEqual(['idle', 'joining', 'waiting', 'rejected']);
  });

  it('kicked while connected: the kicked one ends kicked, the others see it leave', async () => {
    await setUp();
    const host = await clientOf('Hannah');
    const guest = await clientOf('Gustav');
    const room = await host.client.rooms.create({ title: 'Standup' });
    const hostConf = conferenceOf(host.client, room.id, { media: false });
    track(hostConf);
    await hostConf.join();
    const guestConf = conferenceOf(guest.client, room.id, { media: false });
    track(guestConf);
    await guestConf.join();
    const kicked: string[] = [];
    cleanups.push(guestConf.on('kicked', (p) => kicked.push(p.displayName)));
    await waitFor(
      () => hostConf.participants.get().length === 2,
      () => `${hostConf.participants.get().length}`,
    );

    await hostConf.kick(guestConf.self.get()!.id, 'Spam');
    await until(guestConf, 'kicked');
    expect(kicked).toEqual(['Gustav']);
    await waitFor(
      () => hostConf.participants.get().length === 1,
      () => `${hostConf.participants.get().length}`,
    );
    // Joining again is refused: a new conference of the same person ends kicked at once.
    const again = conferenceOf(guest.client, room.id, { media: false });
    track(again);
    await again.join();
    expect(again.state.get()).toBe('kicked');
    expect(again.error?.code).toBe('PARTICIPANT_KICKED');
  });

  it('a refused join ends in error with the ApiError (wrong password), not in a hang', async () => {
    await setUp();
    const host = await clientOf('Hannah');
    const room = await host.client.rooms.create({ title: 'Secret', password: 'opensesame' });
    const conf = conferenceOf((await clientOf('Gustav')).client, room.id, { password: 'nope' });
    track(conf);
    await conf.join();
    expect(conf.state.get()).toBe('error');
    expect(conf.error?.code).toBe('INVALID_ROOM_PASSWORD');
    expect(conf.error?.status).toBe(403);
  });

  it('chat after the server restarts: reconnecting, then connected without a new REST join; the list equals the history, edits and deletes in place', async () => {
    await setUp();
    const host = await clientOf('Hannah');
    const room = await host.client.rooms.create({ title: 'Chatty' });

    // Count the guest's REST joins: a reconnect must not make one.
    let joins = 0;
    const counting = (
      await clientOf('Gustav', (input, init) => {
        if (String(input instanceof Request ? input.url : input).endsWith('/join')) joins++;
        return fetch(input, init);
      })
    ).client;

    const hostConf = conferenceOf(host.client, room.id, { media: false });
    track(hostConf);
    await hostConf.join();
    for (let i = 1; i <= 60; i++) {
      await host.client.chat.send(room.id, { content: `old ${i}` });
    }
    const guestConf = conferenceOf(counting, room.id, { media: false });
    const guestStates = track(guestConf);
    await guestConf.join();
    const hostChat = setupChat(hostConf);
    const guestChat = setupChat(guestConf);
    cleanups.push(
      () => hostChat.dispose(),
      () => guestChat.dispose(),
    );

    // The latest page first, older ones on demand.
    await waitFor(
      () => guestChat.messages.get().length === 50,
      () => `${guestChat.messages.get().length}`,
    );
    expect(guestChat.hasMore.get()).toBe(true);
    await guestChat.loadOlder();
    expect(guestChat.messages.get().map((m) => m.content)).toEqual(
      Array.from({ length: 60 }, (_, i) => `old ${i + 1}`),
    );
    expect(guestChat.hasMore.get()).toBe(false);

    const mine = await guestChat.send('hello from Gustav');
    await waitFor(
      () => hostChat.messages.get().some((m) => m.id === mine.id),
      () => 'the host sees the message',
    );
    expect(hostChat.unread.get()).toBe(1);
    hostChat.markRead();
    expect(hostChat.unread.get()).toBe(0);

    // The server restarts; meanwhile (nobody connected) the host edits and deletes over REST.
    const edited = guestChat.messages.get()[10]!;
    const deleted = guestChat.messages.get()[20]!;
    // While it is down, an edit and a delete happen that no socket hears of (made in storage:
    // no event is published), and after it is back a message is sent.
    const storage = server.app.videoconf.storage;
    await server.restart(async () => {
      const now = new Date().toISOString();
      await storage.editMessage(edited.id, 'edited while away', now);
      await storage.softDeleteMessage(deleted.id, now);
    });
    await host.client.chat.send(room.id, { content: 'sent while away' });

    await waitFor(
      () => guestStates.includes('reconnecting') && guestConf.state.get() === 'connected',
      () => guestStates.join(),
    );
    await waitFor(
      () => guestChat.messages.get().some((m) => m.content === 'sent while away'),
      () => 'the message sent while away',
    );
    await waitFor(
      () => guestChat.messages.get().every((m) => m.id !== deleted.id),
      () => 'the delete made while away',
    );
    const history = await historyOf(server.http, room.id, host.user);
    expect(guestChat.messages.get()).toEqual(history);
    expect(guestChat.messages.get().find((m) => m.id === edited.id)?.content).toBe(
      'edited while away',
    );
    expect(joins).toBe(1);
    expect(guestStates).toEqual(['idle', 'joining', 'connected', 'reconnecting', 'connected']);

    // Live edits and deletes apply in place on the other side.
    await guestChat.edit(mine.id, 'hello, edited');
    await waitFor(
      () => hostChat.messages.get().find((m) => m.id === mine.id)?.content === 'hello, edited',
      () => 'the live edit',
    );
    await hostChat.remove(mine.id);
    await waitFor(
      () => guestChat.messages.get().every((m) => m.id !== mine.id),
      () => 'the live delete',
    );
  });
});
