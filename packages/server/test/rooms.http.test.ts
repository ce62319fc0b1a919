import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { expectError, type QuickUser, quickUser, testServer } from './support/app';
import { storages } from './support/storages';

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

describe.each(storages())('rooms over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let alice: QuickUser;
  let bob: QuickUser;
  beforeEach(async () => {
    app = testServer({ storage: storage() });
    host = await quickUser(app, { displayName: 'Hana Host' });
    alice = await quickUser(app, { displayName: 'Alice' });
    bob = await quickUser(app, { displayName: 'Bob' });
  });
  afterEach(() => app.close());

  const call = (user: QuickUser | null, method: Method, url: string, payload?: object) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      ...(user && { headers: user.auth }),
      ...(payload !== undefined && { payload }),
    });
  const createRoom = async (body: object = {}, owner = host) => {
    const res = await call(owner, 'POST', '/rooms', { title: 'Standup', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const join = (user: QuickUser, roomId: string, body?: object) =>
    call(user, 'POST', `/rooms/${roomId}/join`, body);
  const joined = async (user: QuickUser, roomId: string, body?: object) => {
    const res = await join(user, roomId, body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('joined');
    return res.json().participant;
  };
  const auditOf = (roomId: string) => app.videoconf.storage.listAudit({ roomId, limit: 100 });
  const participants = async (roomId: string) => {
    const res = await call(host, 'GET', `/rooms/${roomId}/participants`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as { id: string; userId: string; role: string }[];
  };

  describe('create, read, list', () => {
    it('creates a scheduled room with defaults, a hashed password and merged settings', async () => {
      const res = await call(host, 'POST', '/rooms', {
        title: '  Weekly sync  ',
        description: 'Agenda in the doc',
        password: 'open sesame',
        settings: { chatEnabled: false },
      });
      expect(res.statusCode).toBe(201);
      const room = res.json();
      expect(room).toMatchObject({
        title: 'Weekly sync',
        description: 'Agenda in the doc',
        hostUserId: host.id,
        status: 'scheduled',
        maxParticipants: 100,
        waitingRoomEnabled: false,
        isLocked: false,
        hasPassword: true,
        actualStartAt: null,
        actualEndAt: null,
        settings: {
          muteOnJoin: false,
          cameraOffOnJoin: false,
          chatEnabled: false,
          screenShare: 'everyone',
        },
      });
      expect(room.livekitRoomName).toMatch(/^vc-[0-9a-f-]{36}$/);
      expect(res.body).not.toContain('open sesame');
      expect(res.body).not.toMatch(/passwordHash|"password"/);
      const stored = await app.videoconf.storage.getRoom(room.id);
      expect(stored?.passwordHash).toMatch(/^\$2[aby]\$/);
      expect(stored?.passwordHash).not.toContain('open sesame');

      const other = await createRoom();
      expect(other.livekitRoomName).not.toBe(room.livekitRoomName);
      expect(other.hasPassword).toBe(false);

      const [created] = await auditOf(room.id);
      expect(created).toMatchObject({
        eventType: 'room_created',
        actorUserId: host.id,
        actorRole: 'host',
      });
      expect(JSON.stringify(created)).not.toContain('open sesame');
    });

    it('refuses guests, anonymous callers and bad input', async () => {
      const room = await createRoom();
      const guest = await quickUser(app, { guest: true, roomId: room.id });
      expectError(await call(guest, 'POST', '/rooms', { title: 'Mine' }), 403, 'FORBIDDEN');
      expectError(await call(null, 'POST', '/rooms', { title: 'Mine' }), 401, 'UNAUTHORIZED');
      for (const body of [
        { title: '   ' },
        { title: 'x', maxParticipants: 0 },
        { title: 'x', maxParticipants: 501 },
        { title: 'x', settings: { screenShare: 'nobody' } },
        { title: 'x', scheduledStartAt: 'tomorrow' },
      ]) {
        expectError(await call(host, 'POST', '/rooms', body), 400, 'VALIDATION_ERROR');
      }
    });

    it('refuses a scheduled end before the scheduled start, on create and on update', async () => {
      const start = '2030-01-01T10:00:00.000Z';
      const early = '2030-01-01T09:00:00.000Z';
      expectError(
        await call(host, 'POST', '/rooms', {
          title: 'x',
          scheduledStartAt: start,
          scheduledEndAt: early,
        }),
        400,
        'VALIDATION_ERROR',
      );
      const room = await createRoom({ scheduledStartAt: start, scheduledEndAt: start });
      expect(room).toMatchObject({ scheduledStartAt: start, scheduledEndAt: start });
      // Only the end is given: it is compared with the stored start.
      expectError(
        await call(host, 'PUT', `/rooms/${room.id}`, { scheduledEndAt: early }),
        400,
        'VALIDATION_ERROR',
      );
      // Any offset is accepted and answered in UTC.
      const moved = await call(host, 'PUT', `/rooms/${room.id}`, {
        scheduledStartAt: '2030-01-01T10:00:00+01:00',
        scheduledEndAt: start,
      });
      expect(moved.json()).toMatchObject({ scheduledStartAt: early, scheduledEndAt: start });
      expect((await call(host, 'GET', `/rooms/${room.id}`)).json().scheduledStartAt).toBe(early);
    });

    it('lists the rooms the caller hosts with limit and offset', async () => {
      const titles = ['One', 'Two', 'Three'];
      for (const title of titles) await createRoom({ title });
      await createRoom({ title: 'Not mine' }, alice);
      const all = await call(host, 'GET', '/rooms');
      expect(all.statusCode).toBe(200);
      expect(all.json().total).toBe(3);
      expect(
        all
          .json()
          .items.map((r: { title: string }) => r.title)
          .sort(),
      ).toEqual([...titles].sort());
      const page = await call(host, 'GET', '/rooms?limit=2&offset=2');
      expect(page.json()).toMatchObject({ total: 3 });
      expect(page.json().items).toHaveLength(1);
      expect((await call(bob, 'GET', '/rooms')).json()).toEqual({ items: [], total: 0 });
      expectError(await call(host, 'GET', '/rooms?limit=101'), 400, 'VALIDATION_ERROR');
      expectError(await call(host, 'GET', '/rooms?offset=-1'), 400, 'VALIDATION_ERROR');
    });

    it('lets any signed-in caller read a room, never its password', async () => {
      const room = await createRoom({ password: 'hunter22' });
      const res = await call(bob, 'GET', `/rooms/${room.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(room);
      expect(res.body).not.toContain('hunter22');
      expectError(await call(null, 'GET', `/rooms/${room.id}`), 401, 'UNAUTHORIZED');
      const unknown = '00000000-0000-4000-8000-000000000000';
      expectError(await call(bob, 'GET', `/rooms/${unknown}`), 404, 'ROOM_NOT_FOUND');
      expectError(await call(bob, 'GET', '/rooms/not-a-uuid'), 400, 'VALIDATION_ERROR');
    });
  });

  describe('update, delete, end, lock', () => {
    it('updates partially (host only), merges settings and clears the password with null', async () => {
      const room = await createRoom({ settings: { muteOnJoin: true } });
      expectError(
        await call(alice, 'PUT', `/rooms/${room.id}`, { title: 'Hijacked' }),
        403,
        'FORBIDDEN',
      );
      const res = await call(host, 'PUT', `/rooms/${room.id}`, {
        title: 'Renamed',
        maxParticipants: 12,
        password: 'letmein!',
        settings: { screenShare: 'hosts' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        title: 'Renamed',
        description: null,
        maxParticipants: 12,
        hasPassword: true,
        waitingRoomEnabled: false,
        settings: { muteOnJoin: true, chatEnabled: true, screenShare: 'hosts' },
      });
      expect(res.body).not.toContain('letmein!');
      const [updated] = await auditOf(room.id);
      expect(updated?.eventType).toBe('room_updated');
      expect(updated?.payload).toEqual({
        fields: ['title', 'maxParticipants', 'password', 'settings.screenShare'],
      });
      expect(JSON.stringify(updated)).not.toContain('letmein!');

      const cleared = await call(host, 'PUT', `/rooms/${room.id}`, { password: null });
      expect(cleared.json().hasPassword).toBe(false);
      expect((await app.videoconf.storage.getRoom(room.id))?.passwordHash).toBeNull();
      // Alice joins without a password now.
      await joined(alice, room.id);

      // A co-host is not the host.
      const p = (await participants(room.id)).find((x) => x.userId === alice.id)!;
      await call(host, 'PUT', `/rooms/${room.id}/participants/${p.id}/role`, { role: 'co_host' });
      expectError(
        await call(alice, 'PUT', `/rooms/${room.id}`, { title: 'Mine now' }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await call(host, 'PUT', `/rooms/${room.id}`, { maxParticipants: 0 }),
        400,
        'VALIDATION_ERROR',
      );
    });

    it('deletes a room (host only): later reads answer 404', async () => {
      const room = await createRoom();
      await joined(alice, room.id);
      expectError(await call(alice, 'DELETE', `/rooms/${room.id}`), 403, 'FORBIDDEN');
      const res = await call(host, 'DELETE', `/rooms/${room.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectError(await call(host, 'GET', `/rooms/${room.id}`), 404, 'ROOM_NOT_FOUND');
      expectError(await join(bob, room.id), 404, 'ROOM_NOT_FOUND');
      expectError(await call(host, 'DELETE', `/rooms/${room.id}`), 404, 'ROOM_NOT_FOUND');
      expect((await call(host, 'GET', '/rooms')).json().total).toBe(0);
      const [deleted] = await auditOf(room.id);
      expect(deleted).toMatchObject({ eventType: 'room_deleted', actorUserId: host.id });
    });

    it('ends a room: everyone leaves with room_ended, waiting entries expire, no more changes', async () => {
      const room = await createRoom();
      await joined(host, room.id);
      const a = await joined(alice, room.id);
      await call(host, 'PUT', `/rooms/${room.id}`, { waitingRoomEnabled: true });
      const waiting = await join(bob, room.id);
      expect(waiting.statusCode).toBe(202);

      expectError(await call(alice, 'POST', `/rooms/${room.id}/end`), 403, 'FORBIDDEN');
      const res = await call(host, 'POST', `/rooms/${room.id}/end`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: room.id, status: 'ended' });
      expect(Date.parse(res.json().actualEndAt)).toBeGreaterThan(0);

      const { storage: store } = app.videoconf;
      expect(await store.listActiveParticipants(room.id)).toEqual([]);
      expect(await store.getParticipant(a.id)).toMatchObject({
        leaveReason: 'room_ended',
        isKicked: false,
      });
      expect((await store.getWaitingEntry(waiting.json().entry.id))?.status).toBe('expired');

      expectError(await join(bob, room.id), 410, 'ROOM_ENDED');
      expectError(await join(host, room.id), 410, 'ROOM_ENDED');
      expectError(await join(alice, room.id), 410, 'ROOM_ENDED');
      expectError(await call(host, 'POST', `/rooms/${room.id}/end`), 410, 'ROOM_ENDED');
      expectError(await call(host, 'POST', `/rooms/${room.id}/lock`), 410, 'ROOM_ENDED');
      expectError(
        await call(host, 'PUT', `/rooms/${room.id}`, { title: 'Later' }),
        410,
        'ROOM_ENDED',
      );
      expect((await call(bob, 'GET', `/rooms/${room.id}`)).json().status).toBe('ended');
      const events = (await auditOf(room.id)).map((e) => e.eventType);
      expect(events).toContain('room_ended');
      // Deleting an ended room is allowed.
      expect((await call(host, 'DELETE', `/rooms/${room.id}`)).statusCode).toBe(204);
    });

    it('locks and unlocks (host and co-host): a locked room admits nobody new but its host', async () => {
      const room = await createRoom();
      const a = await joined(alice, room.id);
      expectError(await call(alice, 'POST', `/rooms/${room.id}/lock`), 403, 'FORBIDDEN');
      expectError(await call(bob, 'POST', `/rooms/${room.id}/lock`), 403, 'FORBIDDEN');
      await call(host, 'PUT', `/rooms/${room.id}/participants/${a.id}/role`, { role: 'co_host' });

      const locked = await call(alice, 'POST', `/rooms/${room.id}/lock`);
      expect(locked.statusCode).toBe(200);
      expect(locked.json()).toMatchObject({ id: room.id, isLocked: true });
      expectError(await join(bob, room.id), 403, 'ROOM_LOCKED');
      // Already in: the same participant; the host always.
      expect((await joined(alice, room.id)).id).toBe(a.id);
      expect((await joined(host, room.id)).role).toBe('host');

      // Locking a locked room answers the same and records nothing more.
      const again = await call(host, 'POST', `/rooms/${room.id}/lock`);
      expect(again.statusCode).toBe(200);
      expect(again.json().isLocked).toBe(true);
      const unlocked = await call(host, 'POST', `/rooms/${room.id}/unlock`);
      expect(unlocked.json().isLocked).toBe(false);
      await joined(bob, room.id);
      const events = (await auditOf(room.id))
        .map((e) => [e.eventType, e.actorRole])
        .filter(([type]) => type === 'room_locked' || type === 'room_unlocked');
      expect(events).toEqual([
        ['room_unlocked', 'host'],
        ['room_locked', 'co_host'],
      ]);
    });
  });

  describe('join rules, in order', () => {
    it('answers 404 for an unknown room and 410 for an ended or cancelled one', async () => {
      expectError(await join(alice, '00000000-0000-4000-8000-000000000000'), 404, 'ROOM_NOT_FOUND');
      const room = await createRoom();
      await app.videoconf.storage.updateRoom(room.id, { status: 'cancelled' });
      expectError(await join(alice, room.id), 410, 'ROOM_ENDED');
      expectError(await join(host, room.id), 410, 'ROOM_ENDED');
    });

    it('admits, starts the room and counts a repeated join once', async () => {
      const room = await createRoom();
      const res = await join(alice, room.id, { displayName: '  Alice L.  ' });
      expect(res.statusCode).toBe(200);
      const participant = res.json().participant;
      expect(res.json()).toEqual({ status: 'joined', participant });
      expect(participant).toMatchObject({
        roomId: room.id,
        userId: alice.id,
        displayName: 'Alice L.',
        role: 'participant',
        leftAt: null,
        leaveReason: null,
        isKicked: false,
        livekitSid: null,
      });
      const started = (await call(alice, 'GET', `/rooms/${room.id}`)).json();
      expect(started.status).toBe('active');
      expect(Date.parse(started.actualStartAt)).toBeGreaterThan(0);

      const again = await joined(alice, room.id);
      expect(again).toEqual(participant);
      expect(await participants(room.id)).toHaveLength(1);
      // Without a display name, the account's is used.
      expect((await joined(bob, room.id)).displayName).toBe('Bob');
      const joins = (await auditOf(room.id)).filter((e) => e.eventType === 'room_joined');
      expect(joins).toHaveLength(2);
    });

    it('admits the host past lock, password, waiting room and capacity', async () => {
      const room = await createRoom({
        maxParticipants: 1,
        password: 'secret pw',
        waitingRoomEnabled: true,
      });
      // Fill the only place: the waiting room is turned off for a moment.
      await call(host, 'PUT', `/rooms/${room.id}`, { waitingRoomEnabled: false });
      await joined(alice, room.id, { password: 'secret pw' });
      await call(host, 'PUT', `/rooms/${room.id}`, { waitingRoomEnabled: true });
      await call(host, 'POST', `/rooms/${room.id}/lock`);
      const res = await join(host, room.id);
      expect(res.statusCode).toBe(200);
      expect(res.json().participant).toMatchObject({ userId: host.id, role: 'host' });
      expect(await participants(room.id)).toHaveLength(2);
      const [joinedEvent] = await auditOf(room.id);
      expect(joinedEvent).toMatchObject({ eventType: 'room_joined', actorRole: 'host' });
    });

    it('refuses a kicked user before anything else, even in an open room', async () => {
      const room = await createRoom();
      const a = await joined(alice, room.id);
      expect(
        (await call(host, 'POST', `/rooms/${room.id}/participants/${a.id}/kick`)).statusCode,
      ).toBe(204);
      expectError(await join(alice, room.id), 403, 'PARTICIPANT_KICKED');
      await call(host, 'POST', `/rooms/${room.id}/lock`);
      expectError(await join(alice, room.id), 403, 'PARTICIPANT_KICKED');
      expectError(await join(bob, room.id), 403, 'ROOM_LOCKED');
    });

    it('checks the lock before the password, and the password before the waiting room', async () => {
      const room = await createRoom({ password: 'pw-123', waitingRoomEnabled: true });
      await call(host, 'POST', `/rooms/${room.id}/lock`);
      expectError(await join(alice, room.id, { password: 'wrong' }), 403, 'ROOM_LOCKED');
      await call(host, 'POST', `/rooms/${room.id}/unlock`);
      expectError(await join(alice, room.id), 403, 'ROOM_PASSWORD_REQUIRED');
      expectError(await join(alice, room.id, { password: '' }), 403, 'ROOM_PASSWORD_REQUIRED');
      expectError(await join(alice, room.id, { password: 'wrong' }), 403, 'INVALID_ROOM_PASSWORD');
      expectError(await join(alice, room.id, { password: 'PW-123' }), 403, 'INVALID_ROOM_PASSWORD');
      const res = await join(alice, room.id, { password: 'pw-123' });
      expect(res.statusCode).toBe(202);
    });

    it('checks every character of a long room password', async () => {
      const long = 'x'.repeat(100);
      const room = await createRoom({ password: long });
      expectError(
        await join(alice, room.id, { password: `${'x'.repeat(99)}y` }),
        403,
        'INVALID_ROOM_PASSWORD',
      );
      await joined(alice, room.id, { password: long });
    });

    it('lets a user who redeemed an invite skip the password, not the lock or the waiting room', async () => {
      const room = await createRoom({ password: 'pw-123' });
      const { storage: store } = app.videoconf;
      const invite = await store.createInvite({
        roomId: room.id,
        token: randomBytes(24).toString('base64url'),
        label: null,
        expiresAt: null,
        maxUses: null,
        createdByUserId: host.id,
      });
      const now = new Date().toISOString();
      await store.redeemInvite({ token: invite.token, userId: alice.id, now });
      const { user: guestUser } = await store.redeemInvite({
        token: invite.token,
        now,
        guest: {
          email: `guest-${randomBytes(4).toString('hex')}@example.com`,
          displayName: 'G',
          isGuest: true,
          globalRole: 'guest',
        },
      });
      const guestToken = app.videoconf.tokens.signAccess({ userId: guestUser.id, roomId: room.id });
      const guest = {
        id: guestUser.id,
        email: guestUser.email,
        auth: { authorization: `Bearer ${guestToken}` },
      };

      await call(host, 'POST', `/rooms/${room.id}/lock`);
      expectError(await join(alice, room.id), 403, 'ROOM_LOCKED');
      await call(host, 'POST', `/rooms/${room.id}/unlock`);
      await call(host, 'PUT', `/rooms/${room.id}`, { waitingRoomEnabled: true });
      expect((await join(alice, room.id)).statusCode).toBe(202);
      await call(host, 'PUT', `/rooms/${room.id}`, { waitingRoomEnabled: false });
      expect((await joined(guest, room.id)).userId).toBe(guestUser.id);
      // Bob has no invite: the password still applies to him.
      expectError(await join(bob, room.id), 403, 'ROOM_PASSWORD_REQUIRED');
      // A guest token is good for its own room only.
      const other = await createRoom();
      expectError(await join(guest, other.id), 403, 'FORBIDDEN');
    });

    it('puts newcomers in the waiting room and returns the same entry while pending', async () => {
      const room = await createRoom({ waitingRoomEnabled: true });
      const first = await join(alice, room.id, { displayName: 'Knocking Alice' });
      expect(first.statusCode).toBe(202);
      const entry = first.json().entry;
      expect(first.json()).toEqual({ status: 'waiting', entry });
      expect(entry).toMatchObject({
        roomId: room.id,
        userId: alice.id,
        displayName: 'Knocking Alice',
        status: 'pending',
        decidedAt: null,
        decidedByUserId: null,
      });
      const second = await join(alice, room.id);
      expect(second.statusCode).toBe(202);
      expect(second.json().entry.id).toBe(entry.id);
      expect(await participants(room.id)).toEqual([]);
      const requested = (await auditOf(room.id)).filter(
        (e) => e.eventType === 'waiting_room_requested',
      );
      expect(requested).toHaveLength(1);
      // The room did not start: nobody was admitted.
      expect((await call(alice, 'GET', `/rooms/${room.id}`)).json().status).toBe('scheduled');
    });

    it('refuses joins beyond capacity with ROOM_FULL and admits again when a place frees', async () => {
      const room = await createRoom({ maxParticipants: 2 });
      const carol = await quickUser(app);
      await joined(alice, room.id);
      await joined(bob, room.id);
      expectError(await join(carol, room.id), 409, 'ROOM_FULL');
      // The host counts but is never refused.
      await joined(host, room.id);
      expect(await participants(room.id)).toHaveLength(3);
      expect((await call(alice, 'POST', `/rooms/${room.id}/leave`)).statusCode).toBe(204);
      expectError(await join(carol, room.id), 409, 'ROOM_FULL');
      await call(bob, 'POST', `/rooms/${room.id}/leave`);
      await joined(carol, room.id);
      // The host and Carol fill both places now.
      expectError(await join(alice, room.id), 409, 'ROOM_FULL');
    });
  });

  describe('leave', () => {
    it('leaves with reason left; leaving again or without joining is NOT_A_PARTICIPANT', async () => {
      const room = await createRoom();
      const a = await joined(alice, room.id);
      const res = await call(alice, 'POST', `/rooms/${room.id}/leave`);
      expect(res.statusCode).toBe(204);
      expect(await app.videoconf.storage.getParticipant(a.id)).toMatchObject({
        leaveReason: 'left',
        isKicked: false,
      });
      expect((await app.videoconf.storage.getParticipant(a.id))?.leftAt).not.toBeNull();
      expectError(await call(alice, 'POST', `/rooms/${room.id}/leave`), 403, 'NOT_A_PARTICIPANT');
      expectError(await call(bob, 'POST', `/rooms/${room.id}/leave`), 403, 'NOT_A_PARTICIPANT');
      expectError(await call(host, 'POST', `/rooms/${room.id}/leave`), 403, 'NOT_A_PARTICIPANT');
      const left = (await auditOf(room.id)).find((e) => e.eventType === 'room_left');
      expect(left).toMatchObject({ actorUserId: alice.id, payload: { participantId: a.id } });
      // Coming back makes a new participant.
      const back = await joined(alice, room.id);
      expect(back.id).not.toBe(a.id);
      expect(await participants(room.id)).toHaveLength(1);
    });

    it('lets the host leave and come back without ending the room', async () => {
      const room = await createRoom();
      await joined(host, room.id);
      await joined(alice, room.id);
      expect((await call(host, 'POST', `/rooms/${room.id}/leave`)).statusCode).toBe(204);
      expect((await call(alice, 'GET', `/rooms/${room.id}`)).json().status).toBe('active');
      expect((await joined(host, room.id)).role).toBe('host');
    });
  });
});
