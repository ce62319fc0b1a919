import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { expectError, type QuickUser, quickUser, testServer } from './support/app';
import { storages } from './support/storages';

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
interface P {
  id: string;
  userId: string;
  role: string;
}

/** Moderation without a media server; the LiveKit side is in media.livekit.test.ts. */
describe.each(storages())('moderation over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let cohost: QuickUser;
  let alice: QuickUser;
  let bob: QuickUser;
  let outsider: QuickUser;
  let roomId: string;
  let hostP: P;
  let cohostP: P;
  let aliceP: P;
  let bobP: P;

  const call = (user: QuickUser | null, method: Method, url: string, payload?: object) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      ...(user && { headers: user.auth }),
      ...(payload !== undefined && { payload }),
    });
  const join = async (user: QuickUser, id = roomId): Promise<P> => {
    const res = await call(user, 'POST', `/rooms/${id}/join`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().participant;
  };
  const kick = (by: QuickUser | null, target: P, payload?: object, id = roomId) =>
    call(by, 'POST', `/rooms/${id}/participants/${target.id}/kick`, payload);
  const setRole = (by: QuickUser, target: P, role: string) =>
    call(by, 'PUT', `/rooms/${roomId}/participants/${target.id}/role`, { role });
  const listIds = async (user = host) => {
    const res = await call(user, 'GET', `/rooms/${roomId}/participants`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as P[]).map((p) => p.userId);
  };
  const auditOf = () => app.videoconf.storage.listAudit({ roomId, limit: 100 });

  beforeEach(async () => {
    app = testServer({ storage: storage() });
    [host, cohost, alice, bob, outsider] = await Promise.all([
      quickUser(app, { displayName: 'Host' }),
      quickUser(app, { displayName: 'Cora' }),
      quickUser(app, { displayName: 'Alice' }),
      quickUser(app, { displayName: 'Bob' }),
      quickUser(app, { displayName: 'Olga' }),
    ]);
    const room = await call(host, 'POST', '/rooms', { title: 'Moderated' });
    roomId = room.json().id;
    hostP = await join(host);
    cohostP = await join(cohost);
    aliceP = await join(alice);
    bobP = await join(bob);
    const promoted = await setRole(host, cohostP, 'co_host');
    expect(promoted.statusCode, promoted.body).toBe(200);
    cohostP = promoted.json();
  });
  afterEach(() => app.close());

  describe('participants list', () => {
    it('shows active participants to participants and to the host even when not joined', async () => {
      const ids = await listIds(alice);
      expect(ids).toHaveLength(4);
      expect(new Set(ids)).toEqual(new Set([host.id, cohost.id, alice.id, bob.id]));
      const res = await call(alice, 'GET', `/rooms/${roomId}/participants`);
      expect(res.json().items.find((p: P) => p.userId === cohost.id)).toMatchObject({
        role: 'co_host',
        displayName: 'Cora',
        leftAt: null,
      });
      await call(host, 'POST', `/rooms/${roomId}/leave`);
      await call(bob, 'POST', `/rooms/${roomId}/leave`);
      // Left participants are not listed; the host still sees the list.
      expect(new Set(await listIds(host))).toEqual(new Set([cohost.id, alice.id]));
    });

    it('refuses outsiders, waiting, left and kicked users with NOT_A_PARTICIPANT', async () => {
      const path = `/rooms/${roomId}/participants`;
      expectError(await call(outsider, 'GET', path), 403, 'NOT_A_PARTICIPANT');
      const admin = await quickUser(app, { admin: true });
      expectError(await call(admin, 'GET', path), 403, 'NOT_A_PARTICIPANT');
      await call(bob, 'POST', `/rooms/${roomId}/leave`);
      expectError(await call(bob, 'GET', path), 403, 'NOT_A_PARTICIPANT');
      expect((await kick(host, aliceP)).statusCode).toBe(204);
      expectError(await call(alice, 'GET', path), 403, 'NOT_A_PARTICIPANT');
      await call(host, 'PUT', `/rooms/${roomId}`, { waitingRoomEnabled: true });
      expect((await call(outsider, 'POST', `/rooms/${roomId}/join`)).statusCode).toBe(202);
      expectError(await call(outsider, 'GET', path), 403, 'NOT_A_PARTICIPANT');
      expectError(await call(null, 'GET', path), 401, 'UNAUTHORIZED');
    });
  });

  describe('kick', () => {
    it('removes a participant for good: not listed, cannot rejoin, audited with the reason', async () => {
      const res = await kick(host, aliceP, { reason: 'Spamming the chat' });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(await listIds()).not.toContain(alice.id);
      const stored = await app.videoconf.storage.getParticipant(aliceP.id);
      expect(stored).toMatchObject({ isKicked: true, leaveReason: 'kicked' });
      expect(stored?.leftAt).not.toBeNull();
      expectError(await call(alice, 'POST', `/rooms/${roomId}/join`), 403, 'PARTICIPANT_KICKED');
      expectError(await call(alice, 'POST', `/rooms/${roomId}/leave`), 403, 'NOT_A_PARTICIPANT');
      const [event] = await auditOf();
      expect(event).toMatchObject({
        eventType: 'user_kicked',
        actorUserId: host.id,
        actorRole: 'host',
        payload: { participantId: aliceP.id, userId: alice.id, reason: 'Spamming the chat' },
      });
      // Kicking again: the participant is no longer active.
      expectError(await kick(host, aliceP), 404, 'PARTICIPANT_NOT_FOUND');
    });

    it('works without a body and with an empty one', async () => {
      expect((await kick(host, aliceP)).statusCode).toBe(204);
      expect((await kick(host, bobP, {})).statusCode).toBe(204);
      const [event] = await auditOf();
      expect(event?.payload).toMatchObject({ userId: bob.id, reason: null });
    });

    it('lets a co-host kick participants, not co-hosts and never the host', async () => {
      expect((await kick(cohost, bobP)).statusCode).toBe(204);
      expectError(await kick(cohost, hostP), 403, 'FORBIDDEN');
      const other = await quickUser(app);
      const otherP = await join(other);
      const promoted = await setRole(host, otherP, 'co_host');
      expect(promoted.statusCode).toBe(200);
      expectError(await kick(cohost, otherP), 403, 'FORBIDDEN');
      expectError(await kick(cohost, cohostP), 403, 'FORBIDDEN');
      // The host may kick a co-host.
      expect((await kick(host, otherP)).statusCode).toBe(204);
      const [event] = await auditOf();
      expect(event).toMatchObject({ eventType: 'user_kicked', payload: { userId: other.id } });
    });

    it('refuses to kick the host, even by the host', async () => {
      expectError(await kick(host, hostP), 403, 'FORBIDDEN');
      expect(await listIds()).toContain(host.id);
    });

    it('refuses participants, outsiders and anonymous callers with FORBIDDEN or 401', async () => {
      expectError(await kick(alice, bobP), 403, 'FORBIDDEN');
      expectError(await kick(outsider, bobP), 403, 'FORBIDDEN');
      expectError(await kick(null, bobP), 401, 'UNAUTHORIZED');
      expect(await listIds()).toContain(bob.id);
    });

    it('answers PARTICIPANT_NOT_FOUND for a participant of another room, unknown or gone', async () => {
      const other = await call(outsider, 'POST', '/rooms', { title: 'Elsewhere' });
      const otherRoom = other.json().id;
      const stranger = await join(outsider, otherRoom);
      expectError(await kick(host, stranger), 404, 'PARTICIPANT_NOT_FOUND');
      expect(
        await app.videoconf.storage.findActiveParticipant(otherRoom, outsider.id),
      ).not.toBeNull();
      const unknown = { id: '00000000-0000-4000-8000-000000000000', userId: '', role: '' };
      expectError(await kick(host, unknown), 404, 'PARTICIPANT_NOT_FOUND');
      await call(bob, 'POST', `/rooms/${roomId}/leave`);
      expectError(await kick(host, bobP), 404, 'PARTICIPANT_NOT_FOUND');
      // A room the caller does not moderate: refused before looking at the target.
      expectError(await kick(host, stranger, undefined, otherRoom), 403, 'FORBIDDEN');
    });
  });

  describe('role change', () => {
    it('promotes and demotes (host only), audited with from and to', async () => {
      const res = await setRole(host, aliceP, 'co_host');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: aliceP.id, userId: alice.id, role: 'co_host' });
      const [promoted] = await auditOf();
      expect(promoted).toMatchObject({
        eventType: 'role_changed',
        actorRole: 'host',
        payload: { participantId: aliceP.id, from: 'participant', to: 'co_host' },
      });
      // Now a moderator: Alice may lock the room.
      expect((await call(alice, 'POST', `/rooms/${roomId}/lock`)).statusCode).toBe(200);
      const back = await setRole(host, aliceP, 'participant');
      expect(back.json().role).toBe('participant');
      expectError(await call(alice, 'POST', `/rooms/${roomId}/unlock`), 403, 'FORBIDDEN');
      const [demoted] = await auditOf();
      expect(demoted?.payload).toMatchObject({ from: 'co_host', to: 'participant' });
    });

    it('refuses co-hosts and participants, the host target and invalid roles', async () => {
      expectError(await setRole(cohost, aliceP, 'co_host'), 403, 'FORBIDDEN');
      expectError(await setRole(alice, aliceP, 'co_host'), 403, 'FORBIDDEN');
      expectError(await setRole(host, hostP, 'participant'), 403, 'FORBIDDEN');
      expectError(await setRole(host, aliceP, 'host'), 400, 'VALIDATION_ERROR');
      expectError(await setRole(host, aliceP, 'admin'), 400, 'VALIDATION_ERROR');
      await call(bob, 'POST', `/rooms/${roomId}/leave`);
      expectError(await setRole(host, bobP, 'co_host'), 404, 'PARTICIPANT_NOT_FOUND');
      expect(await listIds()).toHaveLength(3);
    });

    it('gives a co-host who left and came back the participant role again', async () => {
      await call(cohost, 'POST', `/rooms/${roomId}/leave`);
      const again = await join(cohost);
      expect(again.role).toBe('participant');
    });
  });

  describe('mute and media without a media server', () => {
    it('answers MEDIA_UNAVAILABLE to moderators, after checking who asks and the target', async () => {
      const mute = (by: QuickUser, target: P, kind = 'audio') =>
        call(by, 'POST', `/rooms/${roomId}/participants/${target.id}/mute`, { kind });
      expectError(await mute(host, aliceP), 503, 'MEDIA_UNAVAILABLE');
      expectError(await mute(cohost, aliceP, 'video'), 503, 'MEDIA_UNAVAILABLE');
      expectError(await mute(alice, bobP), 403, 'FORBIDDEN');
      expectError(await mute(host, aliceP, 'screen'), 400, 'VALIDATION_ERROR');
      await call(bob, 'POST', `/rooms/${roomId}/leave`);
      expectError(await mute(host, bobP), 404, 'PARTICIPANT_NOT_FOUND');
      expect((await auditOf()).map((e) => e.eventType)).not.toContain('participant_muted');
    });

    it('answers MEDIA_UNAVAILABLE for media tokens, 404 for an unknown room', async () => {
      const token = (user: QuickUser, id = roomId) =>
        call(user, 'POST', `/rooms/${id}/media/token`);
      expectError(await token(alice), 503, 'MEDIA_UNAVAILABLE');
      expectError(await token(outsider), 503, 'MEDIA_UNAVAILABLE');
      expectError(
        await token(alice, '00000000-0000-4000-8000-000000000000'),
        404,
        'ROOM_NOT_FOUND',
      );
    });
  });
});
