import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, type QuickUser, quickUser, signUp, testServer } from './support/app';
import { storages } from './support/storages';

type Caller = { auth: { authorization: string } } | null;

describe.each(storages())('invites over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let roomId: string;

  const call = (
    who: Caller,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
  ) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: who ? who.auth : {},
      ...(payload && { payload }),
    });

  interface RoomOptions {
    password?: string;
    waitingRoomEnabled?: boolean;
    maxParticipants?: number;
  }
  /** A room hosted by `owner`, created through the API. */
  async function makeRoom(owner: Caller, options: RoomOptions = {}): Promise<string> {
    const res = await call(owner, 'POST', '/rooms', { title: 'Standup', ...options });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }
  const join = (who: Caller, room = roomId, body: object = {}) =>
    call(who, 'POST', `/rooms/${room}/join`, body);
  /** `who` joins the room (a room without lobby) and, for a co-host, is promoted by the host. */
  async function seat(who: Caller, role: 'participant' | 'co_host' = 'participant') {
    const joined = await join(who);
    expect(joined.statusCode, joined.body).toBe(200);
    const { participant } = joined.json();
    if (role === 'co_host') {
      const res = await call(host, 'PUT', `/rooms/${roomId}/participants/${participant.id}/role`, {
        role,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    return participant;
  }
  /** An anonymous redemption: the guest's user and a caller with its token. */
  async function guestOf(token: string, displayName = 'Guest') {
    const res = await call(null, 'POST', `/invites/${token}/redeem`, { displayName });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    return { user: body.user, auth: { authorization: `Bearer ${body.accessToken}` } };
  }

  const invite = async (payload: object = {}, room = roomId, who: Caller = host) => {
    const res = await call(who, 'POST', `/rooms/${room}/invite`, payload);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const redeem = (token: string, who: Caller = null, displayName = 'Visitor') =>
    call(who, 'POST', `/invites/${token}/redeem`, { displayName });
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

  describe('create, list and revoke', () => {
    it('creates an invite with an unguessable token and audits it without the token', async () => {
      const expiresAt = new Date(Date.now() + 3600_000).toISOString();
      const res = await call(host, 'POST', `/rooms/${roomId}/invite`, {
        label: '  Partners  ',
        expiresAt,
        maxUses: 5,
      });
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created).toEqual({
        id: expect.any(String),
        roomId,
        token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
        label: 'Partners',
        expiresAt,
        maxUses: 5,
        usedCount: 0,
        createdAt: expect.any(String),
      });
      // 24 random bytes: two invites never share a token.
      const other = await invite();
      expect(other.token).not.toBe(created.token);
      expect(Buffer.from(other.token, 'base64url')).toHaveLength(24);
      expect(other).toMatchObject({ label: null, expiresAt: null, maxUses: null });

      const [entry] = await audit('invite_created').then((all) =>
        all.filter((e) => e.payload.inviteId === created.id),
      );
      expect(entry).toMatchObject({
        actorUserId: host.id,
        actorRole: 'host',
        roomId,
        payload: { inviteId: created.id, label: 'Partners' },
      });
      expect(JSON.stringify(entry)).not.toContain(created.token);
    });

    it('lists live invites newest first, for the host and co-hosts only', async () => {
      const first = await invite({ label: 'first' });
      const second = await invite({ label: 'second' });
      const list = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([second.id, first.id]);
      expect(list.json().items[0].token).toBe(second.token);

      const member = await quickUser(app);
      const coHost = await quickUser(app);
      await seat(member);
      await seat(coHost, 'co_host');
      const stranger = await quickUser(app);
      for (const who of [member, stranger]) {
        const denied = await call(who, 'GET', `/rooms/${roomId}/invites`);
        expect(denied.statusCode).toBe(403);
        expect(errorCode(denied)).toBe('FORBIDDEN');
        const create = await call(who, 'POST', `/rooms/${roomId}/invite`, {});
        expect(errorCode(create)).toBe('FORBIDDEN');
        const revoke = await call(who, 'DELETE', `/rooms/${roomId}/invites/${first.id}`);
        expect(errorCode(revoke)).toBe('FORBIDDEN');
      }
      const byCoHost = await call(coHost, 'POST', `/rooms/${roomId}/invite`, { label: 'co' });
      expect(byCoHost.statusCode).toBe(201);
      const [entry] = await audit('invite_created').then((all) =>
        all.filter((e) => e.payload.inviteId === byCoHost.json().id),
      );
      expect(entry).toMatchObject({ actorUserId: coHost.id, actorRole: 'co_host' });
      expect((await call(coHost, 'GET', `/rooms/${roomId}/invites`)).json().items).toHaveLength(3);

      const unknown = await call(host, 'GET', `/rooms/${randomUUID()}/invites`);
      expect(unknown.statusCode).toBe(404);
      expect(errorCode(unknown)).toBe('ROOM_NOT_FOUND');
      const anonymous = await call(null, 'GET', `/rooms/${roomId}/invites`);
      expect(errorCode(anonymous)).toBe('UNAUTHORIZED');
    });

    it('refuses an expiry in the past and out-of-range use counts', async () => {
      for (const payload of [
        { expiresAt: new Date(Date.now() - 1000).toISOString() },
        { maxUses: 0 },
        { maxUses: 100001 },
        { maxUses: 1.5 },
        { expiresAt: 'tomorrow' },
        { label: 'x'.repeat(201) },
      ]) {
        const res = await call(host, 'POST', `/rooms/${roomId}/invite`, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_ERROR');
      }
      expect(await invite({ maxUses: 100000 })).toMatchObject({ maxUses: 100000 });
      expect((await call(host, 'GET', `/rooms/${roomId}/invites`)).json().items).toHaveLength(1);
    });

    it('revokes: the token stops working and the invite leaves the list', async () => {
      const live = await invite({ label: 'keep' });
      const doomed = await invite({ label: 'doomed' });
      const res = await call(host, 'DELETE', `/rooms/${roomId}/invites/${doomed.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const list = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([live.id]);

      const redeemed = await redeem(doomed.token);
      expect(redeemed.statusCode).toBe(404);
      expect(errorCode(redeemed)).toBe('INVITE_NOT_FOUND');
      expect((await redeem(live.token)).statusCode).toBe(200);

      const again = await call(host, 'DELETE', `/rooms/${roomId}/invites/${doomed.id}`);
      expect(again.statusCode).toBe(404);
      expect(errorCode(again)).toBe('INVITE_NOT_FOUND');
      const unknown = await call(host, 'DELETE', `/rooms/${roomId}/invites/${randomUUID()}`);
      expect(errorCode(unknown)).toBe('INVITE_NOT_FOUND');

      const [entry] = await audit('invite_revoked');
      expect(entry).toMatchObject({
        actorUserId: host.id,
        actorRole: 'host',
        payload: { inviteId: doomed.id, label: 'doomed' },
      });
      expect(JSON.stringify(entry)).not.toContain(doomed.token);
    });

    it("cannot revoke another room's invite through its own room", async () => {
      const otherHost = await quickUser(app);
      const otherRoom = await makeRoom(otherHost);
      const theirs = await invite({}, otherRoom, otherHost);
      // The host of roomId names the other room's invite under its own room.
      const res = await call(host, 'DELETE', `/rooms/${roomId}/invites/${theirs.id}`);
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('INVITE_NOT_FOUND');
      // …and under the other room it is not theirs to revoke.
      const foreign = await call(host, 'DELETE', `/rooms/${otherRoom}/invites/${theirs.id}`);
      expect(errorCode(foreign)).toBe('FORBIDDEN');
      expect((await redeem(theirs.token)).statusCode).toBe(200);
    });

    it('takes no new invites for an ended room but still lets the host revoke', async () => {
      const existing = await invite();
      expect((await call(host, 'POST', `/rooms/${roomId}/end`)).statusCode).toBe(200);
      const res = await call(host, 'POST', `/rooms/${roomId}/invite`, { label: 'late' });
      expect(res.statusCode).toBe(410);
      expect(errorCode(res)).toBe('ROOM_ENDED');

      const redeemed = await redeem(existing.token);
      expect(redeemed.statusCode).toBe(410);
      expect(errorCode(redeemed)).toBe('ROOM_ENDED');
      expect(redeemed.json().accessToken).toBeUndefined();
      // The refused redemption counted no use.
      const listed = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(listed.json().items.find((i: { id: string }) => i.id === existing.id).usedCount).toBe(
        existing.usedCount,
      );

      const revoked = await call(host, 'DELETE', `/rooms/${roomId}/invites/${existing.id}`);
      expect(revoked.statusCode).toBe(204);
    });
  });

  describe('redeem', () => {
    it('creates a guest for an anonymous caller, with a token for that room', async () => {
      const created = await invite({ maxUses: 10 });
      const res = await redeem(created.token, null, '  Vera Visitor ');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresIn', 'room', 'user']);
      expect(body.room).toMatchObject({ id: roomId, hostUserId: host.id, hasPassword: false });
      expect(body.room.passwordHash).toBeUndefined();
      expect(body.user).toMatchObject({
        displayName: 'Vera Visitor',
        isGuest: true,
        globalRole: 'guest',
        isActive: true,
        email: expect.stringMatching(/^guest-[0-9a-f-]{36}@guests\.invalid$/),
      });
      expect(body.user.passwordHash).toBeUndefined();
      expect(body.expiresIn).toBe(4 * 60 * 60);

      const claims = jwt.decode(body.accessToken) as jwt.JwtPayload;
      expect(claims).toMatchObject({ sub: body.user.id, rid: roomId });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(4 * 60 * 60);

      const stored = await app.videoconf.storage.getUser(body.user.id);
      expect(stored).toMatchObject({ isGuest: true, globalRole: 'guest', passwordHash: null });
      expect(await app.videoconf.storage.hasRedeemedInvite(roomId, body.user.id)).toBe(true);

      const guest = { auth: { authorization: `Bearer ${body.accessToken}` } };
      const me = await call(guest, 'GET', '/users/me');
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: body.user.id, isGuest: true });

      // The guest token works for the invite's room…
      const room = await call(guest, 'GET', `/rooms/${roomId}`);
      expect(room.statusCode).toBe(200);
      expect(room.json().id).toBe(roomId);
      const joined = await join(guest);
      expect(joined.statusCode, joined.body).toBe(200);
      expect(joined.json().participant).toMatchObject({
        userId: body.user.id,
        displayName: 'Vera Visitor',
        role: 'participant',
      });
      // …and for nothing else: no other room, no room of its own.
      const otherRoom = await makeRoom(host);
      for (const [method, url] of [
        ['GET', `/rooms/${otherRoom}`],
        ['POST', `/rooms/${otherRoom}/join`],
        ['GET', `/rooms/${otherRoom}/invites`],
      ] as const) {
        const foreign = await call(guest, method, url, method === 'POST' ? {} : undefined);
        expect(foreign.statusCode, url).toBe(403);
        expect(errorCode(foreign)).toBe('FORBIDDEN');
      }
      const create = await call(guest, 'POST', '/rooms', { title: 'Mine' });
      expect(create.statusCode).toBe(403);
      expect(errorCode(create)).toBe('FORBIDDEN');

      const list = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(list.json().items[0]).toMatchObject({ id: created.id, usedCount: 1 });

      const [entry] = await audit('invite_redeemed');
      expect(entry).toMatchObject({
        actorUserId: body.user.id,
        actorRole: 'guest',
        payload: { inviteId: created.id, guest: true },
      });
      expect(JSON.stringify(entry)).not.toContain(created.token);
    });

    it('gives every anonymous redemption its own guest', async () => {
      const created = await invite();
      const a = (await redeem(created.token, null, 'A')).json();
      const b = (await redeem(created.token, null, 'B')).json();
      expect(a.user.id).not.toBe(b.user.id);
      expect(a.user.email).not.toBe(b.user.email);
      const list = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(list.json().items[0].usedCount).toBe(2);
    });

    it('honours guestTokenTtl', async () => {
      await app.close();
      app = testServer({ storage: storage(), guestTokenTtl: 90 });
      host = await quickUser(app);
      roomId = await makeRoom(host);
      const body = (await redeem((await invite()).token)).json();
      expect(body.expiresIn).toBe(90);
      const claims = jwt.decode(body.accessToken) as jwt.JwtPayload;
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(90);
    });

    it('lets a signed-in user redeem for itself, using the invite once', async () => {
      const created = await invite({ maxUses: 1 });
      const user = await signUp(app, { displayName: 'Rita Registered' });
      const res = await redeem(created.token, user, 'Ignored Name');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['room', 'user']);
      expect(body.user).toMatchObject({
        id: user.id,
        displayName: 'Rita Registered',
        isGuest: false,
        globalRole: 'user',
      });
      expect(body.room.id).toBe(roomId);

      const again = await redeem(created.token, user);
      expect(again.statusCode).toBe(200);
      expect(again.json().user.id).toBe(user.id);
      const list = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(list.json().items[0].usedCount).toBe(1);
      expect(await audit('invite_redeemed')).toHaveLength(1);

      // The single use is spent: anyone else is refused.
      const other = await quickUser(app);
      const exhausted = await redeem(created.token, other);
      expect(exhausted.statusCode).toBe(410);
      expect(errorCode(exhausted)).toBe('INVITE_EXHAUSTED');
      const anonymous = await redeem(created.token);
      expect(errorCode(anonymous)).toBe('INVITE_EXHAUSTED');
      expect(await app.videoconf.storage.hasRedeemedInvite(roomId, other.id)).toBe(false);
    });

    it('runs out after maxUses', async () => {
      const created = await invite({ maxUses: 2 });
      expect((await redeem(created.token)).statusCode).toBe(200);
      expect((await redeem(created.token)).statusCode).toBe(200);
      const third = await redeem(created.token);
      expect(third.statusCode).toBe(410);
      expect(errorCode(third)).toBe('INVITE_EXHAUSTED');
      expect(third.json().accessToken).toBeUndefined();
      const list = await call(host, 'GET', `/rooms/${roomId}/invites`);
      expect(list.json().items[0].usedCount).toBe(2);
    });

    it('expires at expiresAt', async () => {
      const created = await invite({ expiresAt: new Date(Date.now() + 300).toISOString() });
      expect((await redeem(created.token)).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const late = await redeem(created.token);
      expect(late.statusCode).toBe(410);
      expect(errorCode(late)).toBe('INVITE_EXPIRED');
      const user = await quickUser(app);
      expect(errorCode(await redeem(created.token, user))).toBe('INVITE_EXPIRED');
    });

    it('answers unknown tokens with 404 and bad bodies with 400', async () => {
      for (const token of ['nope', 'A'.repeat(32), 'x'.repeat(100)]) {
        const res = await redeem(token);
        expect(res.statusCode, token).toBe(404);
        expect(errorCode(res)).toBe('INVITE_NOT_FOUND');
      }
      const created = await invite();
      for (const payload of [{}, { displayName: '' }, { displayName: '   ' }, { displayName: 7 }]) {
        const res = await call(null, 'POST', `/invites/${created.token}/redeem`, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_ERROR');
      }
      expect((await call(host, 'GET', `/rooms/${roomId}/invites`)).json().items[0].usedCount).toBe(
        0,
      );
      const junk = await app.inject({
        method: 'POST',
        url: `/api/v1/invites/${created.token}/redeem`,
        headers: { authorization: 'Bearer junk' },
        payload: { displayName: 'x' },
      });
      expect(junk.statusCode).toBe(401);
      expect(errorCode(junk)).toBe('INVALID_TOKEN');
    });

    it("refuses a guest token of another room, accepts one of the invite's room", async () => {
      const created = await invite();
      const otherRoom = await makeRoom(host);
      const outsider = await quickUser(app, { guest: true, roomId: otherRoom });
      const res = await redeem(created.token, outsider);
      expect(res.statusCode).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect((await call(host, 'GET', `/rooms/${roomId}/invites`)).json().items[0].usedCount).toBe(
        0,
      );

      const insider = await quickUser(app, { guest: true, roomId });
      const ok = await redeem(created.token, insider);
      expect(ok.statusCode).toBe(200);
      expect(Object.keys(ok.json()).sort()).toEqual(['room', 'user']);
      expect(ok.json().user.id).toBe(insider.id);
    });
  });

  describe('what a redeemed invite bypasses', () => {
    it('lets its redeemers join without the room password, and nobody else', async () => {
      roomId = await makeRoom(host, { password: 'door code 1234' });
      const created = await invite();
      const guest = await guestOf(created.token);
      const member = await signUp(app);
      expect((await redeem(created.token, member)).statusCode).toBe(200);
      const outsider = await quickUser(app);

      const required = await join(outsider);
      expect(required.statusCode).toBe(403);
      expect(errorCode(required)).toBe('ROOM_PASSWORD_REQUIRED');
      const wrong = await join(outsider, roomId, { password: 'guess' });
      expect(errorCode(wrong)).toBe('INVALID_ROOM_PASSWORD');

      for (const who of [guest, member]) {
        const res = await join(who);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().status).toBe('joined');
      }
      // A wrong password does not matter either once the invite was redeemed.
      expect((await join(member, roomId, { password: 'whatever' })).statusCode).toBe(200);
      // The outsider still gets in with the password.
      expect((await join(outsider, roomId, { password: 'door code 1234' })).statusCode).toBe(200);

      // An invite of another room bypasses nothing here.
      const elsewhere = await makeRoom(host);
      const foreignInvite = await invite({}, elsewhere);
      const stranger = await quickUser(app);
      expect((await redeem(foreignInvite.token, stranger)).statusCode).toBe(200);
      expect(errorCode(await join(stranger))).toBe('ROOM_PASSWORD_REQUIRED');
    });

    it('does not open a locked room', async () => {
      roomId = await makeRoom(host, { password: 'door code 1234' });
      const created = await invite();
      const guest = await guestOf(created.token);
      expect((await call(host, 'POST', `/rooms/${roomId}/lock`)).statusCode).toBe(200);
      const locked = await join(guest);
      expect(locked.statusCode).toBe(403);
      expect(errorCode(locked)).toBe('ROOM_LOCKED');
      // A guest cannot unlock it either.
      expect(errorCode(await call(guest, 'POST', `/rooms/${roomId}/unlock`))).toBe('FORBIDDEN');
      expect((await call(host, 'POST', `/rooms/${roomId}/unlock`)).statusCode).toBe(200);
      expect((await join(guest)).statusCode).toBe(200);
    });

    it('does not skip the waiting room', async () => {
      roomId = await makeRoom(host, { password: 'door code 1234', waitingRoomEnabled: true });
      const created = await invite();
      const guest = await guestOf(created.token, 'Wanda Waiting');
      const knock = await join(guest);
      expect(knock.statusCode, knock.body).toBe(202);
      const { entry } = knock.json();
      expect(entry).toMatchObject({
        userId: guest.user.id,
        displayName: 'Wanda Waiting',
        status: 'pending',
      });
      // Knocking again while pending returns the same entry.
      expect((await join(guest)).json().entry.id).toBe(entry.id);
      expect(errorCode(await call(guest, 'GET', `/rooms/${roomId}/participants`))).toBe(
        'NOT_A_PARTICIPANT',
      );

      const approve = await call(host, 'POST', `/rooms/${roomId}/waiting-room/${entry.id}/approve`);
      expect(approve.statusCode, approve.body).toBe(200);
      const again = await join(guest);
      expect(again.statusCode).toBe(200);
      expect(again.json().participant.id).toBe(approve.json().participant.id);
    });
  });
});
