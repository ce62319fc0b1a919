import { randomUUID } from 'node:crypto';
import { RoomEvent, type RoomEventType } from '@videoconf/protocol';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendMessage } from '../src/chat/service';
import type { App } from '../src/http/types';
import type { ControlMessage } from '../src/realtime/bus';
import type { Storage } from '../src/storage/types';
import { errorCode, type QuickUser, quickUser, signUp, testServer } from './support/app';
import { storages } from './support/storages';

/**
 * Every state change of the room domain is published once on the bus, by the feature that
 * made it, after it is stored; no-ops, refusals and idempotent repeats publish nothing.
 *
 * The server runs on the in-process bus, which delivers synchronously inside `publish`, and
 * the features await their publish before answering: when `inject()` resolves, every event of
 * that request has been recorded. So "nothing was published" needs no waiting.
 */

/** The contract's event schema, formats (uuid, date-time) included. */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const isRoomEvent = ajv.compile(RoomEvent);

type Caller = { auth: { authorization: string } } | null;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type EventOf<T extends RoomEventType> = Extract<RoomEvent, { type: T }>;

interface Recorder {
  /** Records the events of this room from now on. */
  watch(roomId: string): Promise<void>;
  /** The room events recorded since the last call (checked against the contract), and clears. */
  take(): RoomEvent[];
  /** The control messages recorded since the last call, and clears. */
  takeControl(): ControlMessage[];
  /** Asserts that exactly these event types were published, in this order, and returns them. */
  expect<T extends RoomEventType[]>(...types: T): { [K in keyof T]: EventOf<T[K]> };
  /** Asserts that nothing was published (room events or control messages). */
  none(what: string): void;
  stop(): Promise<void>;
}

async function recorder(app: App): Promise<Recorder> {
  const events: { event: RoomEvent; raw: string }[] = [];
  const control: ControlMessage[] = [];
  const stops: (() => Promise<void>)[] = [];
  const { bus } = app.videoconf;
  stops.push(await bus.subscribeControl((message) => control.push(message)));
  const take = () => {
    const taken = events.splice(0);
    for (const { event, raw } of taken) {
      expect(raw).toBe(JSON.stringify(event));
      expect(isRoomEvent(event), `${event.type}: ${ajv.errorsText(isRoomEvent.errors)}`).toBe(true);
      expect(Date.parse(event.at)).not.toBeNaN();
      // No secret ever leaves in an event: no password hash, no token.
      expect(raw).not.toMatch(/passwordHash|\$2[aby]\$|accessToken|refreshToken/);
    }
    return taken.map(({ event }) => event);
  };
  return {
    async watch(roomId) {
      stops.push(await bus.subscribe(roomId, (event, raw) => events.push({ event, raw })));
    },
    take,
    takeControl: () => control.splice(0),
    expect(...types) {
      const taken = take();
      expect(taken.map((event) => event.type)).toEqual(types);
      return taken as never;
    },
    none(what) {
      expect(
        take().map((e) => e.type),
        `${what}: no room event`,
      ).toEqual([]);
      expect(control.splice(0), `${what}: no control message`).toEqual([]);
    },
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}

function api(app: () => App) {
  return (who: Caller, method: Method, url: string, payload?: object) =>
    app().inject({
      method,
      url: `/api/v1${url}`,
      headers: who ? who.auth : {},
      ...(payload !== undefined && { payload }),
    });
}

const status = (res: { statusCode: number; body: string }, expected: number) =>
  expect(res.statusCode, res.body).toBe(expected);

describe('room events published by the room domain (memory storage)', () => {
  let app: App;
  let events: Recorder;
  let host: QuickUser;
  const call = api(() => app);

  beforeEach(async () => {
    app = testServer();
    await app.ready();
    events = await recorder(app);
    host = await quickUser(app, { displayName: 'Host' });
  });
  afterEach(async () => {
    await events.stop();
    await app.close();
  });

  async function createRoom(body: object = {}): Promise<string> {
    const res = await call(host, 'POST', '/rooms', { title: 'Standup', ...body });
    status(res, 201);
    const roomId = res.json().id as string;
    await events.watch(roomId);
    events.none('creating a room');
    return roomId;
  }

  /** Joins without a waiting room; returns the participant. */
  async function join(who: QuickUser, roomId: string) {
    const res = await call(who, 'POST', `/rooms/${roomId}/join`, {});
    status(res, 200);
    return res.json().participant as { id: string; userId: string };
  }

  it('room updates: once per change, nothing for a no-op or a refusal', async () => {
    const roomId = await createRoom();
    const other = await quickUser(app);

    status(await call(host, 'PUT', `/rooms/${roomId}`, { title: 'Retro' }), 200);
    const [updated] = events.expect('room.updated');
    expect(updated.roomId).toBe(roomId);
    expect(updated.data.room).toMatchObject({ id: roomId, title: 'Retro', hasPassword: false });

    status(await call(host, 'PUT', `/rooms/${roomId}`, { title: 'Retro' }), 200);
    events.none('the same title again');

    const refused = await call(other, 'PUT', `/rooms/${roomId}`, { title: 'Hijacked' });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    events.none('an update by someone else');

    status(await call(host, 'PUT', `/rooms/${roomId}`, { password: 'open sesame' }), 200);
    const [withPassword] = events.expect('room.updated');
    expect(withPassword.data.room.hasPassword).toBe(true);
    expect(withPassword.data.room).not.toHaveProperty('passwordHash');

    status(await call(host, 'PUT', `/rooms/${roomId}`, { settings: { chatEnabled: false } }), 200);
    const [settings] = events.expect('room.updated');
    expect(settings.data.room.settings.chatEnabled).toBe(false);

    const bad = await call(host, 'PUT', `/rooms/${roomId}`, { maxParticipants: 0 });
    expect(errorCode(bad)).toBe('VALIDATION_ERROR');
    events.none('an invalid update');
  });

  it('lock and unlock: once each, nothing when already in that state or refused', async () => {
    const roomId = await createRoom();
    const member = await quickUser(app);
    await join(host, roomId);
    await join(member, roomId);
    events.take();

    status(await call(host, 'POST', `/rooms/${roomId}/lock`), 200);
    const [locked] = events.expect('room.locked');
    expect(locked.data.room).toMatchObject({ id: roomId, isLocked: true });
    status(await call(host, 'POST', `/rooms/${roomId}/lock`), 200);
    events.none('locking a locked room');

    expect(errorCode(await call(member, 'POST', `/rooms/${roomId}/unlock`))).toBe('FORBIDDEN');
    events.none('unlock by a participant');

    const stranger = await quickUser(app);
    expect(errorCode(await call(stranger, 'POST', `/rooms/${roomId}/join`, {}))).toBe(
      'ROOM_LOCKED',
    );
    events.none('a join refused by the lock');

    status(await call(host, 'POST', `/rooms/${roomId}/unlock`), 200);
    const [unlocked] = events.expect('room.unlocked');
    expect(unlocked.data.room.isLocked).toBe(false);
    status(await call(host, 'POST', `/rooms/${roomId}/unlock`), 200);
    events.none('unlocking an unlocked room');
  });

  it('join and leave: joined once per new participant, left once', async () => {
    const roomId = await createRoom({ password: 'secret words' });
    const guest = await quickUser(app, { displayName: 'Guest' });

    // The first admission starts the room: its new state, then the participant.
    status(await call(host, 'POST', `/rooms/${roomId}/join`, {}), 200);
    const [started, hostJoined] = events.expect('room.updated', 'participant.joined');
    expect(started.data.room).toMatchObject({ status: 'active', hasPassword: true });
    expect(started.data.room.actualStartAt).not.toBeNull();
    expect(hostJoined.data.participant).toMatchObject({ userId: host.id, role: 'host' });

    status(await call(host, 'POST', `/rooms/${roomId}/join`, {}), 200);
    events.none('the host joining again');

    expect(errorCode(await call(guest, 'POST', `/rooms/${roomId}/join`, {}))).toBe(
      'ROOM_PASSWORD_REQUIRED',
    );
    expect(
      errorCode(await call(guest, 'POST', `/rooms/${roomId}/join`, { password: 'wrong' })),
    ).toBe('INVALID_ROOM_PASSWORD');
    events.none('joins refused by the password');

    const joined = await call(guest, 'POST', `/rooms/${roomId}/join`, {
      password: 'secret words',
      displayName: 'Ada',
    });
    status(joined, 200);
    const [guestJoined] = events.expect('participant.joined');
    expect(guestJoined.data.participant).toEqual(joined.json().participant);
    expect(guestJoined.data.participant.displayName).toBe('Ada');

    status(await call(guest, 'POST', `/rooms/${roomId}/join`, { password: 'secret words' }), 200);
    events.none('joining again while active');

    status(await call(guest, 'POST', `/rooms/${roomId}/leave`), 204);
    const [left] = events.expect('participant.left');
    expect(left.data.participant).toMatchObject({
      id: guestJoined.data.participant.id,
      leaveReason: 'left',
    });
    expect(left.data.participant.leftAt).not.toBeNull();

    expect(errorCode(await call(guest, 'POST', `/rooms/${roomId}/leave`))).toBe(
      'NOT_A_PARTICIPANT',
    );
    events.none('leaving twice');

    // Rejoining after leaving is a new participant.
    status(await call(guest, 'POST', `/rooms/${roomId}/join`, { password: 'secret words' }), 200);
    const [rejoined] = events.expect('participant.joined');
    expect(rejoined.data.participant.id).not.toBe(guestJoined.data.participant.id);
  });

  it('moderation: kicked and role_changed once; nothing for repeats, refusals and mute', async () => {
    const roomId = await createRoom();
    const hostParticipant = await join(host, roomId);
    const ada = await quickUser(app);
    const bob = await quickUser(app);
    const adaParticipant = await join(ada, roomId);
    const bobParticipant = await join(bob, roomId);
    events.take();

    status(await call(host, 'GET', `/rooms/${roomId}/participants`), 200);
    events.none('listing participants');

    const role = `/rooms/${roomId}/participants/${adaParticipant.id}/role`;
    status(await call(host, 'PUT', role, { role: 'co_host' }), 200);
    const [promoted] = events.expect('participant.role_changed');
    expect(promoted.data.participant).toMatchObject({ id: adaParticipant.id, role: 'co_host' });

    status(await call(host, 'PUT', role, { role: 'co_host' }), 200);
    events.none('the same role again');
    const byCoHost = await call(
      ada,
      'PUT',
      `/rooms/${roomId}/participants/${bobParticipant.id}/role`,
      {
        role: 'co_host',
      },
    );
    expect(errorCode(byCoHost)).toBe('FORBIDDEN');
    events.none('a role change by a co-host');

    const kickHost = `/rooms/${roomId}/participants/${hostParticipant.id}/kick`;
    expect(errorCode(await call(ada, 'POST', kickHost, {}))).toBe('FORBIDDEN');
    events.none('kicking the host');

    const mute = await call(
      host,
      'POST',
      `/rooms/${roomId}/participants/${bobParticipant.id}/mute`,
      {
        kind: 'audio',
      },
    );
    expect(errorCode(mute)).toBe('MEDIA_UNAVAILABLE');
    events.none('mute without a media server');

    const kick = `/rooms/${roomId}/participants/${bobParticipant.id}/kick`;
    status(await call(ada, 'POST', kick, { reason: 'spam' }), 204);
    const [kicked] = events.expect('participant.kicked');
    expect(kicked.data.participant).toMatchObject({
      id: bobParticipant.id,
      isKicked: true,
      leaveReason: 'kicked',
    });
    expect(kicked.data.participant.leftAt).not.toBeNull();

    expect(errorCode(await call(ada, 'POST', kick, {}))).toBe('PARTICIPANT_NOT_FOUND');
    events.none('kicking twice');
    expect(errorCode(await call(bob, 'POST', `/rooms/${roomId}/join`, {}))).toBe(
      'PARTICIPANT_KICKED',
    );
    events.none('a kicked user joining again');
  });

  it('waiting room: requested once, approved with the new participant, rejected once', async () => {
    const roomId = await createRoom({ waitingRoomEnabled: true });
    await join(host, roomId);
    events.take();
    const ada = await quickUser(app, { displayName: 'Ada' });
    const bob = await quickUser(app, { displayName: 'Bob' });

    const knock = await call(ada, 'POST', `/rooms/${roomId}/join`, {});
    status(knock, 202);
    const [requested] = events.expect('waiting.requested');
    expect(requested.data.entry).toEqual(knock.json().entry);
    status(await call(ada, 'POST', `/rooms/${roomId}/join`, {}), 202);
    events.none('knocking again while pending');

    const entryId = requested.data.entry.id;
    status(await call(host, 'GET', `/rooms/${roomId}/waiting-room`), 200);
    status(await call(ada, 'GET', `/rooms/${roomId}/waiting-room/${entryId}`), 200);
    events.none('reading the lobby');

    expect(
      errorCode(await call(ada, 'POST', `/rooms/${roomId}/waiting-room/${entryId}/approve`)),
    ).toBe('FORBIDDEN');
    events.none('approval by the knocker');

    const approve = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entryId}/approve`);
    status(approve, 200);
    const [approved, joined] = events.expect('waiting.approved', 'participant.joined');
    expect(approved.data.entry).toMatchObject({ id: entryId, status: 'approved' });
    expect(joined.data.participant).toEqual(approve.json().participant);

    expect(
      errorCode(await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entryId}/approve`)),
    ).toBe('ENTRY_NOT_PENDING');
    events.none('approving twice');

    status(await call(bob, 'POST', `/rooms/${roomId}/join`, {}), 202);
    const [bobRequested] = events.expect('waiting.requested');
    const bobEntry = bobRequested.data.entry.id;
    const reject = `/rooms/${roomId}/waiting-room/${bobEntry}/reject`;
    status(await call(host, 'POST', reject, { reason: 'Not today' }), 200);
    const [rejected] = events.expect('waiting.rejected');
    expect(rejected.data.entry).toMatchObject({
      id: bobEntry,
      status: 'rejected',
      reason: 'Not today',
    });
    expect(errorCode(await call(host, 'POST', reject, {}))).toBe('ENTRY_NOT_PENDING');
    events.none('rejecting twice');
  });

  it('waiting room: an approval that starts the room announces it before the participant', async () => {
    const roomId = await createRoom({ waitingRoomEnabled: true });
    const ada = await quickUser(app);
    status(await call(ada, 'POST', `/rooms/${roomId}/join`, {}), 202);
    const [requested] = events.expect('waiting.requested');

    const entry = requested.data.entry.id;
    status(await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry}/approve`), 200);
    const [approved, started, joined] = events.expect(
      'waiting.approved',
      'room.updated',
      'participant.joined',
    );
    expect(approved.data.entry.status).toBe('approved');
    expect(started.data.room.status).toBe('active');
    expect(joined.data.participant.userId).toBe(ada.id);
  });

  it('waiting room: approving someone who got in meanwhile does not announce them twice', async () => {
    const roomId = await createRoom({ waitingRoomEnabled: true });
    await join(host, roomId);
    const ada = await quickUser(app);
    status(await call(ada, 'POST', `/rooms/${roomId}/join`, {}), 202);
    status(await call(host, 'PUT', `/rooms/${roomId}`, { waitingRoomEnabled: false }), 200);
    status(await call(ada, 'POST', `/rooms/${roomId}/join`, {}), 200);
    const [, , , lobbyOff, joined] = events.expect(
      'room.updated',
      'participant.joined',
      'waiting.requested',
      'room.updated',
      'participant.joined',
    );
    expect(lobbyOff.data.room.waitingRoomEnabled).toBe(false);
    expect(joined.data.participant.userId).toBe(ada.id);

    const entry = (await call(host, 'GET', `/rooms/${roomId}/waiting-room`)).json().items[0].id;
    status(await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry}/approve`), 200);
    events.expect('waiting.approved');
  });

  it('ending: one room.ended for everyone (no participant.left each), then nothing', async () => {
    const roomId = await createRoom({ waitingRoomEnabled: true });
    await join(host, roomId);
    const ada = await quickUser(app);
    const bob = await quickUser(app);
    status(await call(ada, 'POST', `/rooms/${roomId}/join`, {}), 202);
    const entry = events.expect('room.updated', 'participant.joined', 'waiting.requested')[2].data
      .entry.id;
    status(await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry}/approve`), 200);
    status(await call(bob, 'POST', `/rooms/${roomId}/join`, {}), 202);
    events.take();

    expect(errorCode(await call(ada, 'POST', `/rooms/${roomId}/end`))).toBe('FORBIDDEN');
    events.none('end by a participant');

    const end = await call(host, 'POST', `/rooms/${roomId}/end`);
    status(end, 200);
    const [ended] = events.expect('room.ended');
    expect(ended.data.room).toEqual(end.json());
    expect(ended.data.room.status).toBe('ended');

    expect(errorCode(await call(host, 'POST', `/rooms/${roomId}/end`))).toBe('ROOM_ENDED');
    expect(errorCode(await call(bob, 'POST', `/rooms/${roomId}/join`, {}))).toBe('ROOM_ENDED');
    expect(errorCode(await call(ada, 'POST', `/rooms/${roomId}/leave`))).toBe('NOT_A_PARTICIPANT');
    expect(errorCode(await call(host, 'PUT', `/rooms/${roomId}`, { title: 'Again' }))).toBe(
      'ROOM_ENDED',
    );
    events.none('changes after the end');
  });

  it('deleting a room: a control message for every instance, no room event', async () => {
    const roomId = await createRoom();
    await join(host, roomId);
    events.take();
    const other = await quickUser(app);
    expect(errorCode(await call(other, 'DELETE', `/rooms/${roomId}`))).toBe('FORBIDDEN');
    events.none('a delete by someone else');

    status(await call(host, 'DELETE', `/rooms/${roomId}`), 204);
    expect(events.take()).toEqual([]);
    expect(events.takeControl()).toEqual([{ type: 'room.deleted', roomId }]);

    expect(errorCode(await call(host, 'DELETE', `/rooms/${roomId}`))).toBe('ROOM_NOT_FOUND');
    events.none('deleting twice');
  });

  it('logout: a control message with the user id; a spent or unknown token publishes nothing', async () => {
    const user = await signUp(app);
    const logout = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        payload: { refreshToken: user.refreshToken },
      });
    status(await logout(), 204);
    expect(events.takeControl()).toEqual([{ type: 'user.logout', userId: user.id }]);
    status(await logout(), 204); // the spent token: answered alike, closes nothing
    events.none('a second logout');
    const forged = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { refreshToken: 'never-issued' },
    });
    expect(errorCode(forged)).toBe('INVALID_TOKEN');
    events.none('a logout with an unknown token');
  });

  it('invites, media, stats and reads publish nothing', async () => {
    const roomId = await createRoom();
    const participant = await join(host, roomId);
    events.take();

    const invite = await call(host, 'POST', `/rooms/${roomId}/invite`, { label: 'team' });
    status(invite, 201);
    status(await call(host, 'GET', `/rooms/${roomId}/invites`), 200);
    const redeemed = await app.inject({
      method: 'POST',
      url: `/api/v1/invites/${invite.json().token}/redeem`,
      payload: { displayName: 'Visitor' },
    });
    status(redeemed, 200);
    status(await call(host, 'DELETE', `/rooms/${roomId}/invites/${invite.json().id}`), 204);
    expect(errorCode(await call(host, 'POST', `/rooms/${roomId}/media/token`))).toBe(
      'MEDIA_UNAVAILABLE',
    );
    const sample = {
      avgRttMs: 40,
      maxRttMs: 80,
      avgJitterMs: 3,
      packetLossUpPercent: 0,
      packetLossDownPercent: 1,
      avgBitrateKbps: 900,
      networkScore: 4,
    };
    status(await call(host, 'POST', `/rooms/${roomId}/stats`, sample), 201);
    status(await call(host, 'GET', `/rooms/${roomId}/stats`), 200);
    status(await call(host, 'GET', `/rooms/${roomId}`), 200);
    status(await call(host, 'GET', '/rooms'), 200);
    status(await call(host, 'GET', `/rooms/${roomId}/audit`), 200);
    status(await call(host, 'GET', `/rooms/${roomId}/participants`), 200);
    expect(participant.userId).toBe(host.id);
    events.none('invites, media, stats and reads');
  });
});

describe.each(storages())('chat events on %s storage', (_name, makeStorage) => {
  let app: App;
  let storage: Storage;
  let events: Recorder;
  let host: QuickUser;
  let ada: QuickUser;
  let roomId: string;
  const call = api(() => app);
  const messages = () => `/rooms/${roomId}/chat/messages`;

  beforeEach(async () => {
    storage = makeStorage();
    app = testServer({ storage });
    await app.ready();
    events = await recorder(app);
    host = await quickUser(app, { displayName: 'Host' });
    ada = await quickUser(app, { displayName: 'Ada' });
    const room = await call(host, 'POST', '/rooms', { title: 'Chatty' });
    status(room, 201);
    roomId = room.json().id;
    await events.watch(roomId);
    for (const who of [host, ada])
      status(await call(who, 'POST', `/rooms/${roomId}/join`, {}), 200);
    events.take();
  });
  afterEach(async () => {
    await events.stop();
    await app.close();
  });

  it('send: one chat.message per new message, none for a repeated clientMessageId', async () => {
    const clientMessageId = randomUUID();
    const sent = await call(ada, 'POST', messages(), {
      content: 'hello <b>all</b>',
      clientMessageId,
    });
    status(sent, 201);
    const [first] = events.expect('chat.message');
    expect(first.data.message).toEqual(sent.json());
    expect(first.data.message).toMatchObject({ seq: 1, content: 'hello <b>all</b>' });

    const again = await call(ada, 'POST', messages(), {
      content: 'hello <b>all</b>',
      clientMessageId,
    });
    status(again, 201);
    expect(again.json().id).toBe(sent.json().id);
    events.none('an idempotent repeat');

    status(await call(host, 'POST', messages(), { content: 'welcome' }), 201);
    const [second] = events.expect('chat.message');
    expect(second.data.message.seq).toBe(2);

    status(await call(host, 'GET', `${messages()}?after=0`), 200);
    events.none('reading history');

    expect(errorCode(await call(ada, 'POST', messages(), { content: '   ' }))).toBe(
      'VALIDATION_ERROR',
    );
    const outsider = await quickUser(app);
    expect(errorCode(await call(outsider, 'POST', messages(), { content: 'hi' }))).toBe(
      'NOT_A_PARTICIPANT',
    );
    status(await call(host, 'PUT', `/rooms/${roomId}`, { settings: { chatEnabled: false } }), 200);
    events.expect('room.updated');
    expect(errorCode(await call(ada, 'POST', messages(), { content: 'hi' }))).toBe('CHAT_DISABLED');
    events.none('refused sends');
  });

  it('the service publishes for any caller (the gateway sends through it too)', async () => {
    const user = await storage.getUser(ada.id);
    if (!user) throw new Error('ada is stored');
    const principal = { user, roomId: null };
    const clientMessageId = randomUUID();
    const first = await sendMessage(app.videoconf, principal, roomId, {
      content: 'over ws',
      clientMessageId,
    });
    expect(first.created).toBe(true);
    const [event] = events.expect('chat.message');
    expect(event.data.message).toEqual(first.message);
    const repeat = await sendMessage(app.videoconf, principal, roomId, {
      content: 'over ws',
      clientMessageId,
    });
    expect(repeat.created).toBe(false);
    events.none('an idempotent repeat over the gateway');
  });

  it('edit and delete: once each; the deleted event carries no content', async () => {
    const sent = await call(ada, 'POST', messages(), { content: 'first draft' });
    status(sent, 201);
    const id = sent.json().id as string;
    events.take();

    expect(errorCode(await call(host, 'PUT', `${messages()}/${id}`, { content: 'not mine' }))).toBe(
      'FORBIDDEN',
    );
    events.none('an edit by someone else');

    const edited = await call(ada, 'PUT', `${messages()}/${id}`, { content: 'final text' });
    status(edited, 200);
    const [updated] = events.expect('chat.message.updated');
    expect(updated.data.message).toEqual(edited.json());
    expect(updated.data.message).toMatchObject({ id, seq: 1, content: 'final text' });
    expect(updated.data.message.editedAt).not.toBeNull();

    status(await call(host, 'DELETE', `${messages()}/${id}`), 204);
    const [deleted] = events.expect('chat.message.deleted');
    expect(deleted.data.message).toMatchObject({ id, seq: 1, content: '' });
    expect(deleted.data.message.deletedAt).not.toBeNull();
    expect(JSON.stringify(deleted)).not.toContain('final text');

    expect(errorCode(await call(host, 'DELETE', `${messages()}/${id}`))).toBe('MESSAGE_NOT_FOUND');
    expect(errorCode(await call(ada, 'PUT', `${messages()}/${id}`, { content: 'revive' }))).toBe(
      'MESSAGE_NOT_FOUND',
    );
    events.none('deleting twice, editing a deleted message');
  });

  it('concurrent deletes of one message publish one chat.message.deleted', async () => {
    const sent = await call(ada, 'POST', messages(), { content: 'contested' });
    status(sent, 201);
    events.take();
    const url = `${messages()}/${sent.json().id}`;
    const answers = await Promise.all([
      call(host, 'DELETE', url),
      call(ada, 'DELETE', url),
      call(host, 'DELETE', url),
    ]);
    expect(answers.filter((res) => res.statusCode === 204)).toHaveLength(1);
    events.expect('chat.message.deleted');
  });
});
