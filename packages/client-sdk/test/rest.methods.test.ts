// Every REST method of the client once, against a real server over each storage, and a real
// LiveKit server for the media token and mute (when the pinned binary is installed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LivekitServer,
  livekitBinary,
  livekitOptionsOf,
  startLivekit,
} from '../../server/test/support/livekit-server';
import { type ClientEvents, createClient, isApiError } from '../src/index';
import { email, PASSWORD, type RunningServer, startServer, storages } from './rest.support';

const binary = livekitBinary();
let livekit: LivekitServer | undefined;
beforeAll(async () => {
  if (binary) livekit = await startLivekit(binary);
});
afterAll(async () => {
  await livekit?.close();
});

const ADMIN = email('admin');

describe.each(storages())('the REST client, %s storage', (_name, makeStorage) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      storage: makeStorage(),
      adminEmails: [ADMIN],
      ...(livekit && { livekit: livekitOptionsOf(livekit) }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('calls every route of the contract and answers its typed JSON', async () => {
    const host = createClient({ server: `${server.url}/` });
    expect(await host.health()).toEqual({ status: 'ok', checks: { storage: 'ok' } });

    // auth and users
    const hostEmail = email('host');
    const registered = await host.auth.register({
      email: hostEmail,
      password: PASSWORD,
      displayName: 'Hana Host',
    });
    expect(registered.user).toMatchObject({ email: hostEmail, displayName: 'Hana Host' });
    expect(host.auth.session.get()).toBeNull();
    const hostEvents: ClientEvents[keyof ClientEvents][] = [];
    host.on('signedIn', (e) => hostEvents.push(e));
    host.on('signedOut', (e) => hostEvents.push(e));
    const login = await host.auth.login({ email: hostEmail, password: PASSWORD });
    expect(login.expiresIn).toBeGreaterThan(0);
    expect(host.auth.session.get()).toEqual({ user: login.user });
    expect(hostEvents).toEqual([{ user: login.user }]);
    expect((await host.users.me()).id).toBe(login.user.id);
    expect((await host.users.updateMe({ displayName: 'Hana H.' })).displayName).toBe('Hana H.');
    expect(host.auth.session.get()?.user.displayName).toBe('Hana H.');
    expect((await host.users.settings()).preferredTheme).toBe('system');
    expect((await host.users.updateSettings({ preferredTheme: 'dark' })).preferredTheme).toBe(
      'dark',
    );
    expect(await host.users.videoProfiles()).toEqual({ items: [] });
    const profile = await host.users.createVideoProfile({ name: 'Blur', backgroundType: 'blur' });
    expect(profile).toMatchObject({ name: 'Blur', backgroundType: 'blur' });
    expect((await host.users.videoProfiles()).items.map((p) => p.id)).toEqual([profile.id]);
    expect(await host.users.deleteVideoProfile(profile.id)).toBeUndefined();
    expect(await host.users.videoProfiles()).toEqual({ items: [] });

    // rooms
    const room = await host.rooms.create({ title: 'Standup', waitingRoomEnabled: true });
    expect(room).toMatchObject({
      title: 'Standup',
      status: 'scheduled',
      hostUserId: login.user.id,
    });
    const page = await host.rooms.list({ limit: 10 });
    expect(page.total).toBe(1);
    expect(page.items.map((r) => r.id)).toEqual([room.id]);
    expect((await host.rooms.get(room.id)).title).toBe('Standup');
    expect((await host.rooms.update(room.id, { description: 'daily' })).description).toBe('daily');
    expect((await host.rooms.lock(room.id)).isLocked).toBe(true);
    expect((await host.rooms.unlock(room.id)).isLocked).toBe(false);
    const hostJoin = await host.rooms.join(room.id);
    if (hostJoin.status !== 'joined') throw new Error('the host is always admitted');
    expect(hostJoin.participant.role).toBe('host');

    // invites and the waiting room: a guest signs in by redeeming an invite
    const invite = await host.invites.create(room.id, { label: 'guests' });
    expect(invite).toMatchObject({ roomId: room.id, label: 'guests', usedCount: 0 });
    expect((await host.invites.list(room.id)).items.map((i) => i.id)).toEqual([invite.id]);
    const guest = createClient({ server: server.url });
    const guestEvents: unknown[] = [];
    guest.on('signedIn', (e) => guestEvents.push(e.user.displayName));
    const redeemed = await guest.invites.redeem(invite.token, { displayName: 'Gus Guest' });
    expect(redeemed.room.id).toBe(room.id);
    expect(typeof redeemed.accessToken).toBe('string');
    expect(guest.auth.session.get()?.user).toMatchObject({
      isGuest: true,
      displayName: 'Gus Guest',
    });
    expect(guestEvents).toEqual(['Gus Guest']);
    const waiting = await guest.rooms.join(room.id);
    if (waiting.status !== 'waiting') throw new Error(`expected waiting, got ${waiting.status}`);
    expect((await host.waitingRoom.list(room.id)).items.map((e) => e.id)).toEqual([
      waiting.entry.id,
    ]);
    expect((await guest.waitingRoom.get(room.id, waiting.entry.id)).status).toBe('pending');
    const approved = await host.waitingRoom.approve(room.id, waiting.entry.id);
    expect(approved.entry.status).toBe('approved');
    const guestParticipant = approved.participant;

    const other = createClient({ server: server.url });
    await other.invites.redeem(invite.token, { displayName: 'Olga Other' });
    const otherJoin = await other.rooms.join(room.id);
    if (otherJoin.status !== 'waiting') throw new Error('expected waiting');
    const rejected = await host.waitingRoom.reject(room.id, otherJoin.entry.id, { reason: 'no' });
    expect(rejected.entry).toMatchObject({ status: 'rejected', reason: 'no' });

    // participants and media
    expect((await host.participants.list(room.id)).items.map((p) => p.displayName)).toEqual([
      'Hana H.',
      'Gus Guest',
    ]);
    const promoted = await host.participants.setRole(room.id, guestParticipant.id, {
      role: 'co_host',
    });
    expect(promoted.role).toBe('co_host');
    if (livekit) {
      expect(
        await host.participants.mute(room.id, guestParticipant.id, { kind: 'audio' }),
      ).toBeUndefined();
      const media = await guest.media.token(room.id);
      expect(media).toMatchObject({ url: livekit.url, identity: guestParticipant.userId });
    } else {
      const refused = await guest.media.token(room.id).catch((e: unknown) => e);
      expect(isApiError(refused, 'MEDIA_UNAVAILABLE')).toBe(true);
    }

    // chat
    const sent = await guest.chat.send(room.id, { content: 'hello' });
    expect(sent).toMatchObject({ seq: 1, content: 'hello', senderDisplayName: 'Gus Guest' });
    expect(await host.chat.list(room.id, { after: 0 })).toEqual({ items: [sent], hasMore: false });
    const edited = await guest.chat.edit(room.id, sent.id, { content: 'hello all' });
    expect(edited.content).toBe('hello all');
    expect(edited.editedAt).not.toBeNull();
    expect(await guest.chat.remove(room.id, sent.id)).toBeUndefined();
    expect(await host.chat.list(room.id)).toEqual({ items: [], hasMore: false });

    // stats
    const sample = await guest.stats.report(room.id, {
      avgRttMs: 40,
      maxRttMs: 90,
      avgJitterMs: 3,
      packetLossUpPercent: 0.5,
      packetLossDownPercent: 1,
      avgBitrateKbps: 800,
      networkScore: 4,
    });
    expect(sample).toMatchObject({ participantId: guestParticipant.id, avgRttMs: 40 });
    const roomStats = await host.stats.room(room.id);
    expect(roomStats.participants.map((p) => [p.participantId, p.samples])).toEqual([
      [guestParticipant.id, 1],
    ]);
    expect(
      (await host.stats.participant(room.id, guestParticipant.id)).items.map((s) => s.id),
    ).toEqual([sample.id]);

    // audit and the admin routes
    const audited = (await host.audit.room(room.id)).items.map((e) => e.eventType);
    expect(audited).toEqual(expect.arrayContaining(['room_created', 'waiting_room_approved']));
    const admin = createClient({ server: server.url });
    await admin.auth.register({ email: ADMIN, password: PASSWORD, displayName: 'Ada Admin' });
    await admin.auth.login({ email: ADMIN, password: PASSWORD });
    const all = await admin.audit.all({ roomId: room.id, limit: 200 });
    expect(all.items.map((e) => e.eventType)).toEqual(audited);
    const rule = await admin.admin.rateLimits.create({ scope: 'user', perMinute: 1000 });
    expect(rule).toMatchObject({ scope: 'user', perMinute: 1000, enabled: true });
    expect((await admin.admin.rateLimits.list()).items.map((r) => r.id)).toContain(rule.id);
    expect((await admin.admin.rateLimits.get(rule.id)).id).toBe(rule.id);
    expect((await admin.admin.rateLimits.update(rule.id, { enabled: false })).enabled).toBe(false);
    expect(await admin.admin.rateLimits.remove(rule.id)).toBeUndefined();
    expect((await admin.admin.rateLimits.list()).items.map((r) => r.id)).not.toContain(rule.id);

    // kick, leave, revoke, end, remove
    expect(
      await host.participants.kick(room.id, guestParticipant.id, { reason: 'bye' }),
    ).toBeUndefined();
    expect((await host.participants.list(room.id)).items.map((p) => p.id)).toEqual([
      hostJoin.participant.id,
    ]);
    expect(await host.rooms.leave(room.id)).toBeUndefined();
    expect(await host.invites.revoke(room.id, invite.id)).toBeUndefined();
    expect(await host.invites.list(room.id)).toEqual({ items: [] });
    expect((await host.rooms.end(room.id)).status).toBe('ended');
    const doomed = await host.rooms.create({ title: 'Doomed' });
    expect(await host.rooms.remove(doomed.id)).toBeUndefined();
    const gone = await host.rooms.get(doomed.id).catch((e: unknown) => e);
    expect(isApiError(gone, 'ROOM_NOT_FOUND')).toBe(true);

    // refresh and logout
    const pair = await host.auth.refresh();
    expect(pair.refreshToken).not.toBe(login.refreshToken);
    expect((await host.users.me()).id).toBe(login.user.id);
    await host.auth.logout();
    expect(host.auth.session.get()).toBeNull();
    expect(hostEvents.at(-1)).toEqual({ reason: 'logout' });
    const after = await host.users.me().catch((e: unknown) => e);
    expect(after).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    // The refresh token of that session is spent on the server too.
    const replay = await fetch(`${server.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: pair.refreshToken }),
    });
    expect(replay.status).toBe(401);
    for (const client of [host, guest, other, admin]) client.close();
  });
});
