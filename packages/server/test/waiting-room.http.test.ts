import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';
import { storages } from './support/storages';

type Caller = { auth: { authorization: string } } | null;

describe.each(storages())('waiting room over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let roomId: string;

  const call = (who: Caller, method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: who ? who.auth : {},
      ...(payload && { payload }),
    });

  /** A room with a waiting room, hosted by `owner`, created through the API. */
  async function makeRoom(owner: Caller, options: { maxParticipants?: number } = {}) {
    const res = await call(owner, 'POST', '/rooms', {
      title: 'Office hours',
      waitingRoomEnabled: true,
      ...options,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }

  /** The user knocks through the join route: a pending entry of the room. */
  async function knock(who: QuickUser, room = roomId, displayName = 'Knocker') {
    const res = await call(who, 'POST', `/rooms/${room}/join`, { displayName });
    expect(res.statusCode, res.body).toBe(202);
    return res.json().entry as { id: string; userId: string; status: string };
  }

  /** Knock, be approved by the host, and for a co-host be promoted. */
  async function seat(who: QuickUser, role: 'participant' | 'co_host' = 'participant') {
    const entry = await knock(who, roomId, 'Seated');
    const res = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry.id}/approve`);
    expect(res.statusCode, res.body).toBe(200);
    const { participant } = res.json();
    if (role === 'co_host') {
      const promoted = await app.inject({
        method: 'PUT',
        url: `/api/v1/rooms/${roomId}/participants/${participant.id}/role`,
        headers: host.auth,
        payload: { role },
      });
      expect(promoted.statusCode, promoted.body).toBe(200);
    }
    return participant;
  }

  const setMax = async (maxParticipants: number) => {
    const res = await app.inject({
      method: 'PUT',
      url: `/api/v1/rooms/${roomId}`,
      headers: host.auth,
      payload: { maxParticipants },
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  const audit = (type: string) =>
    app.videoconf.storage
      .listAudit({ roomId, limit: 100 })
      .then((items) => items.filter((e) => e.eventType === type));

  beforeEach(async () => {
    app = testServer({ storage: storage() });
    host = await quickUser(app, { displayName: 'Hana Host' });
    roomId = await makeRoom(host);
  });
  afterEach(() => app.close());

  it('lets the host see knockers oldest first and admit one', async () => {
    const alice = await quickUser(app);
    const bob = await quickUser(app);
    const a = await knock(alice, roomId, 'Alice');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await knock(bob, roomId, 'Bob');
    // Knocking again while pending returns the same entry, not a second one.
    expect((await knock(alice, roomId, 'Alice')).id).toBe(a.id);

    const list = await call(host, 'GET', `/rooms/${roomId}/waiting-room`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((e: { id: string }) => e.id)).toEqual([a.id, b.id]);
    expect(list.json().items[0]).toMatchObject({
      roomId,
      userId: alice.id,
      displayName: 'Alice',
      status: 'pending',
      decidedAt: null,
      decidedByUserId: null,
      reason: null,
    });

    const res = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${a.id}/approve`);
    expect(res.statusCode, res.body).toBe(200);
    const { entry, participant } = res.json();
    expect(entry).toMatchObject({
      id: a.id,
      status: 'approved',
      decidedByUserId: host.id,
      decidedAt: expect.any(String),
    });
    expect(participant).toMatchObject({
      roomId,
      userId: alice.id,
      displayName: 'Alice',
      role: 'participant',
      leftAt: null,
      isKicked: false,
    });
    // Alice is now an active participant; the room has started.
    expect(await app.videoconf.storage.findActiveParticipant(roomId, alice.id)).toMatchObject({
      id: participant.id,
    });
    expect((await app.videoconf.storage.getRoom(roomId))?.status).toBe('active');
    const rejoin = await call(alice, 'POST', `/rooms/${roomId}/join`, {});
    expect(rejoin.statusCode).toBe(200);
    expect(rejoin.json()).toEqual({ status: 'joined', participant });
    const own = await call(alice, 'GET', `/rooms/${roomId}/waiting-room/${a.id}`);
    expect(own.json()).toMatchObject({ status: 'approved', decidedByUserId: host.id });
    const members = await call(alice, 'GET', `/rooms/${roomId}/participants`);
    expect(members.json().items.map((p: { userId: string }) => p.userId)).toContain(alice.id);

    const after = await call(host, 'GET', `/rooms/${roomId}/waiting-room`);
    expect(after.json().items.map((e: { id: string }) => e.id)).toEqual([b.id]);

    const twice = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${a.id}/approve`);
    expect(twice.statusCode).toBe(409);
    expect(errorCode(twice)).toBe('ENTRY_NOT_PENDING');

    const [audited] = await audit('waiting_room_approved');
    expect(audited).toMatchObject({
      actorUserId: host.id,
      actorRole: 'host',
      payload: { entryId: a.id, userId: alice.id, participantId: participant.id },
    });
  });

  it('rejects with and without a reason', async () => {
    const carol = await quickUser(app);
    const dave = await quickUser(app);
    const c = await knock(carol);
    const d = await knock(dave);

    const res = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${c.id}/reject`, {
      reason: '  Not on the list  ',
    });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json())).toEqual(['entry']);
    expect(res.json().entry).toMatchObject({
      id: c.id,
      status: 'rejected',
      reason: 'Not on the list',
      decidedByUserId: host.id,
    });
    const bare = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/waiting-room/${d.id}/reject`,
      headers: host.auth,
    });
    expect(bare.statusCode, bare.body).toBe(200);
    expect(bare.json().entry).toMatchObject({ status: 'rejected', reason: null });

    expect(await app.videoconf.storage.findActiveParticipant(roomId, carol.id)).toBeNull();
    const approve = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${c.id}/approve`);
    expect(errorCode(approve)).toBe('ENTRY_NOT_PENDING');
    const reject = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${c.id}/reject`, {});
    expect(errorCode(reject)).toBe('ENTRY_NOT_PENDING');

    // The knocker learns the outcome by reading its own entry.
    const own = await call(carol, 'GET', `/rooms/${roomId}/waiting-room/${c.id}`);
    expect(own.json()).toMatchObject({ status: 'rejected', reason: 'Not on the list' });

    const audited = await audit('waiting_room_rejected');
    expect(audited.map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        { entryId: c.id, userId: carol.id, reason: 'Not on the list' },
        { entryId: d.id, userId: dave.id, reason: null },
      ]),
    );
    expect((await call(host, 'GET', `/rooms/${roomId}/waiting-room`)).json().items).toEqual([]);
  });

  it('shows an entry to its user, the host and co-hosts only', async () => {
    const knocker = await quickUser(app);
    const entry = await knock(knocker);
    const path = `/rooms/${roomId}/waiting-room/${entry.id}`;

    const own = await call(knocker, 'GET', path);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ id: entry.id, userId: knocker.id, status: 'pending' });
    expect((await call(host, 'GET', path)).statusCode).toBe(200);
    const coHost = await quickUser(app);
    await seat(coHost, 'co_host');
    expect((await call(coHost, 'GET', path)).statusCode).toBe(200);

    const member = await quickUser(app);
    await seat(member);
    const otherKnocker = await quickUser(app);
    await knock(otherKnocker);
    for (const who of [member, otherKnocker, await quickUser(app)]) {
      const res = await call(who, 'GET', path);
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
    expect(errorCode(await call(null, 'GET', path))).toBe('UNAUTHORIZED');

    const unknown = await call(knocker, 'GET', `/rooms/${roomId}/waiting-room/${randomUUID()}`);
    expect(unknown.statusCode).toBe(404);
    expect(errorCode(unknown)).toBe('ENTRY_NOT_FOUND');
    // The same entry named under another room does not exist there.
    const otherRoom = await makeRoom(host);
    const elsewhere = await call(host, 'GET', `/rooms/${otherRoom}/waiting-room/${entry.id}`);
    expect(elsewhere.statusCode).toBe(404);
    expect(errorCode(elsewhere)).toBe('ENTRY_NOT_FOUND');
    for (const action of ['approve', 'reject']) {
      const res = await call(
        host,
        'POST',
        `/rooms/${otherRoom}/waiting-room/${entry.id}/${action}`,
        {},
      );
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('ENTRY_NOT_FOUND');
    }
    expect((await call(host, 'GET', path)).json().status).toBe('pending');
  });

  it('lets co-hosts decide and refuses everyone else', async () => {
    const coHost = await quickUser(app);
    await seat(coHost, 'co_host');
    const member = await quickUser(app);
    await seat(member);
    const knocker = await quickUser(app);
    const entry = await knock(knocker);

    for (const who of [member, knocker, await quickUser(app)]) {
      const list = await call(who, 'GET', `/rooms/${roomId}/waiting-room`);
      expect(list.statusCode).toBe(403);
      expect(errorCode(list)).toBe('FORBIDDEN');
      for (const action of ['approve', 'reject']) {
        const res = await call(
          who,
          'POST',
          `/rooms/${roomId}/waiting-room/${entry.id}/${action}`,
          {},
        );
        expect(res.statusCode).toBe(403);
        expect(errorCode(res)).toBe('FORBIDDEN');
      }
    }
    expect((await call(coHost, 'GET', `/rooms/${roomId}/waiting-room`)).json().items).toHaveLength(
      1,
    );
    const res = await call(coHost, 'POST', `/rooms/${roomId}/waiting-room/${entry.id}/approve`);
    expect(res.statusCode).toBe(200);
    expect(res.json().entry.decidedByUserId).toBe(coHost.id);
    const [audited] = await audit('waiting_room_approved');
    expect(audited).toMatchObject({ actorUserId: coHost.id, actorRole: 'co_host' });

    const unknownRoom = await call(host, 'GET', `/rooms/${randomUUID()}/waiting-room`);
    expect(errorCode(unknownRoom)).toBe('ROOM_NOT_FOUND');
    const unknownEntry = await call(
      host,
      'POST',
      `/rooms/${roomId}/waiting-room/${randomUUID()}/approve`,
    );
    expect(errorCode(unknownEntry)).toBe('ENTRY_NOT_FOUND');
  });

  it('keeps the entry pending when the room is full', async () => {
    await setMax(1);
    await seat(await quickUser(app));
    const knocker = await quickUser(app);
    const entry = await knock(knocker);
    const res = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry.id}/approve`);
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('ROOM_FULL');
    const list = await call(host, 'GET', `/rooms/${roomId}/waiting-room`);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id: entry.id, status: 'pending' }),
    ]);
    // Only the seated participant's approval was audited, not the refused one.
    expect(await audit('waiting_room_approved')).toHaveLength(1);

    // Room made: the same entry can now be approved, or rejected while full.
    await setMax(2);
    const retry = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry.id}/approve`);
    expect(retry.statusCode).toBe(200);
  });

  it('answers 410 once the room has ended', async () => {
    const knocker = await quickUser(app);
    const entry = await knock(knocker);
    expect((await call(host, 'POST', `/rooms/${roomId}/end`)).statusCode).toBe(200);
    for (const action of ['approve', 'reject']) {
      const res = await call(
        host,
        'POST',
        `/rooms/${roomId}/waiting-room/${entry.id}/${action}`,
        {},
      );
      expect(res.statusCode).toBe(410);
      expect(errorCode(res)).toBe('ROOM_ENDED');
    }
    // The host still sees that the knocker's entry expired.
    const own = await call(knocker, 'GET', `/rooms/${roomId}/waiting-room/${entry.id}`);
    expect(own.json().status).toBe('expired');
  });
});
