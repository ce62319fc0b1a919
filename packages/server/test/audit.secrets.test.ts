import type { AuditEntry } from '@videoconf/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { type Caller, caller, expectStatus, storages } from './chat.support';
import { signUp, type TestUser, testServer } from './support/app';

const ADMIN_EMAIL = 'audit-admin@example.com';

/**
 * A whole meeting through the API, then every audit entry it produced is searched for the
 * secrets that passed through: room passwords (right and wrong), their hashes, the invite
 * token, access and refresh tokens, account passwords.
 */
describe.each(storages())('audit entries of a full meeting on %s storage', (_name, storage) => {
  let app: App;
  const call = caller(() => app);
  beforeEach(() => {
    app = testServer({ storage: storage(), adminEmails: [ADMIN_EMAIL] });
  });
  afterEach(() => app.close());

  it('hold no password, hash or token', async () => {
    const secrets: string[] = [];
    const keep = (...values: (string | null | undefined)[]) => {
      for (const value of values) if (value) secrets.push(value);
    };
    const bearer = (token: string): Caller => ({ auth: { authorization: `Bearer ${token}` } });
    const user = async (displayName: string, email?: string) => {
      const signed = await signUp(app, { displayName, ...(email && { email }) });
      keep(signed.accessToken, signed.refreshToken, signed.password);
      return signed;
    };
    const host: TestUser = await user('Hana');
    const ada = await user('Ada');
    const bob = await user('Bob');
    const admin = await user('Admin', ADMIN_EMAIL);

    const firstPassword = 'first room password 1';
    const secondPassword = 'second-room-password-2';
    const wrongPassword = 'not the room password 3';
    keep(firstPassword, secondPassword, wrongPassword);

    // Create with a password, then change it.
    const room = expectStatus(
      await call(host, 'POST', '/rooms', {
        title: 'Quarterly review',
        password: firstPassword,
        settings: { chatEnabled: true },
      }),
      201,
    );
    const id = room.id as string;
    keep((await app.videoconf.storage.getRoom(id))?.passwordHash);
    expectStatus(
      await call(host, 'PUT', `/rooms/${id}`, { title: 'Q3 review', password: secondPassword }),
      200,
    );
    keep((await app.videoconf.storage.getRoom(id))?.passwordHash);

    // Invite, redeem as a guest, join without the password.
    const invite = expectStatus(
      await call(host, 'POST', `/rooms/${id}/invite`, { label: 'Partners', maxUses: 5 }),
      201,
    );
    keep(invite.token);
    const redeemed = expectStatus(
      await call(null, 'POST', `/invites/${invite.token}/redeem`, { displayName: 'Guest' }),
      200,
    );
    keep(redeemed.accessToken);
    const guest = bearer(redeemed.accessToken);
    const guestJoin = expectStatus(await call(guest, 'POST', `/rooms/${id}/join`, {}), 200);

    // Joins with the right and the wrong password; the host joins without one.
    expectStatus(await call(host, 'POST', `/rooms/${id}/join`, {}), 200);
    const adaJoin = expectStatus(
      await call(ada, 'POST', `/rooms/${id}/join`, { password: secondPassword }),
      200,
    );
    expect(
      (await call(bob, 'POST', `/rooms/${id}/join`, { password: wrongPassword })).statusCode,
    ).toBe(403);

    // Moderation and chat.
    expectStatus(
      await call(host, 'PUT', `/rooms/${id}/participants/${adaJoin.participant.id}/role`, {
        role: 'co_host',
      }),
      200,
    );
    const message = expectStatus(
      await call(guest, 'POST', `/rooms/${id}/chat/messages`, {
        content: `my token is ${redeemed.accessToken}`,
      }),
      201,
    );
    expectStatus(await call(ada, 'DELETE', `/rooms/${id}/chat/messages/${message.id}`), 204);
    expectStatus(
      await call(guest, 'POST', `/rooms/${id}/stats`, {
        avgRttMs: 40,
        maxRttMs: 90,
        avgJitterMs: 3,
        packetLossUpPercent: 0,
        packetLossDownPercent: 0,
        avgBitrateKbps: 900,
        networkScore: 4,
      }),
      201,
    );
    expectStatus(
      await call(ada, 'POST', `/rooms/${id}/participants/${guestJoin.participant.id}/kick`, {
        reason: 'test',
      }),
      204,
    );
    expectStatus(await call(ada, 'POST', `/rooms/${id}/lock`), 200);
    expectStatus(await call(ada, 'POST', `/rooms/${id}/unlock`), 200);

    // The waiting room: Bob knocks with the password and is let in.
    expectStatus(
      await call(host, 'PUT', `/rooms/${id}`, { waitingRoomEnabled: true, password: null }),
      200,
    );
    const knock = expectStatus(await call(bob, 'POST', `/rooms/${id}/join`, {}), 202);
    expectStatus(
      await call(host, 'POST', `/rooms/${id}/waiting-room/${knock.entry.id}/approve`),
      200,
    );
    expectStatus(await call(host, 'DELETE', `/rooms/${id}/invites/${invite.id}`), 204);
    expectStatus(await call(bob, 'POST', `/rooms/${id}/leave`), 204);

    // Tokens rotate and end; the room ends and is deleted.
    const refreshed = expectStatus(
      await call(null, 'POST', '/auth/refresh', { refreshToken: host.refreshToken }),
      200,
    );
    keep(refreshed.accessToken, refreshed.refreshToken);
    const hostNow = bearer(refreshed.accessToken);
    expectStatus(await call(hostNow, 'POST', `/rooms/${id}/end`), 200);
    const roomLog = expectStatus(await call(hostNow, 'GET', `/rooms/${id}/audit?limit=200`), 200)
      .items as AuditEntry[];
    expectStatus(await call(hostNow, 'DELETE', `/rooms/${id}`), 204);
    expectStatus(
      await call(null, 'POST', '/auth/logout', { refreshToken: refreshed.refreshToken }),
      204,
    );

    const log = expectStatus(await call(admin, 'GET', `/admin/audit?roomId=${id}&limit=200`), 200)
      .items as AuditEntry[];
    const all = expectStatus(await call(admin, 'GET', '/admin/audit?limit=200'), 200)
      .items as AuditEntry[];
    // The admin's view of the room is the host's, plus the deletion that came after.
    expect(log[0]?.eventType).toBe('room_deleted');
    expect(log.slice(1)).toEqual(roomLog);

    expect(log.find((e) => e.eventType === 'room_created')?.payload).toMatchObject({
      hasPassword: true,
    });
    // The meeting is on record…
    const types = new Set(log.map((e) => e.eventType));
    for (const type of [
      'room_created',
      'room_updated',
      'invite_created',
      'invite_revoked',
      'room_joined',
      'role_changed',
      'message_deleted_by_moderator',
      'user_kicked',
      'room_locked',
      'room_unlocked',
      'waiting_room_approved',
      'room_left',
      'room_ended',
      'room_deleted',
    ]) {
      expect(types, type).toContain(type);
    }
    // …and no secret that passed through is in it, at any depth.
    expect(secrets.length).toBeGreaterThanOrEqual(17);
    const text = JSON.stringify(all);
    for (const secret of secrets) expect(text).not.toContain(secret);
    // A JWT would start like this whatever its claims; bcrypt hashes like this.
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(text).not.toMatch(/\$2[aby]\$\d\d\$/);
  });
});
