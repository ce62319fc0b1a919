import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import type { LivekitOptions } from '../src/options';
import { expectError, type QuickUser, quickUser, testServer } from './support/app';
import {
  type FakeLivekit,
  livekitOptions,
  startFakeLivekit,
  unusedPort,
  verifyLivekitToken,
} from './support/livekit';
import { storages } from './support/storages';

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
interface P {
  id: string;
  userId: string;
  role: string;
  displayName: string;
}
interface Room {
  id: string;
  livekitRoomName: string;
}

const CAMERA_AND_MIC = ['camera', 'microphone'];
const ALL_SOURCES = ['camera', 'microphone', 'screen_share', 'screen_share_audio'];

describe.each(storages())('LiveKit media on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let alice: QuickUser;
  let outsider: QuickUser;

  const start = async (livekit: LivekitOptions | undefined) => {
    app = testServer({ storage: storage(), ...(livekit && { livekit }) });
    [host, alice, outsider] = await Promise.all([
      quickUser(app, { displayName: 'Hana Host' }),
      quickUser(app, { displayName: 'Alice' }),
      quickUser(app, { displayName: 'Olga' }),
    ]);
  };
  afterEach(() => app?.close());

  const call = (user: QuickUser, method: Method, url: string, payload?: object) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user.auth,
      ...(payload !== undefined && { payload }),
    });
  const createRoom = async (body: object = {}): Promise<Room> => {
    const res = await call(host, 'POST', '/rooms', { title: 'Media', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const join = async (user: QuickUser, room: Room): Promise<P> => {
    const res = await call(user, 'POST', `/rooms/${room.id}/join`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().participant;
  };
  const mediaToken = (user: QuickUser, room: Room) =>
    call(user, 'POST', `/rooms/${room.id}/media/token`);
  const claimsOf = async (user: QuickUser, room: Room) => {
    const res = await mediaToken(user, room);
    expect(res.statusCode, res.body).toBe(200);
    return { body: res.json(), claims: await verifyLivekitToken(res.json().token) };
  };

  describe('media tokens', () => {
    let fake: FakeLivekit;
    beforeEach(async () => {
      fake = await startFakeLivekit();
      await start(livekitOptions(fake.url));
    });
    afterEach(() => fake.close());

    it('issues a LiveKit token for the room with identity, name, explicit grants and metadata', async () => {
      const room = await createRoom();
      const participant = await join(alice, room);
      const before = Math.floor(Date.now() / 1000);
      const { body, claims } = await claimsOf(alice, room);
      expect(body).toMatchObject({ url: fake.url, identity: alice.id });
      expect(claims.sub).toBe(alice.id);
      expect(claims.name).toBe('Alice');
      expect(claims.video).toEqual({
        room: room.livekitRoomName,
        roomJoin: true,
        canPublish: true,
        canSubscribe: true,
        canPublishData: true,
        canPublishSources: ALL_SOURCES,
        canUpdateOwnMetadata: false,
        hidden: false,
        roomAdmin: false,
      });
      expect(JSON.parse(claims.metadata ?? '')).toEqual({
        participantId: participant.id,
        role: 'participant',
      });
      // Ten minutes by default; expiresAt is the token's own expiry.
      const exp = claims.exp as number;
      expect(exp - before).toBeGreaterThanOrEqual(599);
      expect(exp - before).toBeLessThanOrEqual(602);
      expect(Date.parse(body.expiresAt)).toBe(exp * 1000);
      // Issuing a token needs no call to the media server.
      expect(fake.calls).toEqual([]);
    });

    it("gives the media token with the join's answer, uncached: the same token as the route's", async () => {
      const room = await createRoom({ settings: { screenShare: 'hosts' } });
      const res = await call(alice, 'POST', `/rooms/${room.id}/join`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const { participant, media } = res.json();
      expect(media).toMatchObject({ url: fake.url, identity: alice.id });
      const claims = await verifyLivekitToken(media.token);
      expect(Date.parse(media.expiresAt)).toBe((claims.exp as number) * 1000);
      const route = (await claimsOf(alice, room)).claims;
      for (const key of ['sub', 'name', 'metadata', 'video'] as const) {
        expect(claims[key], key).toEqual(route[key]);
      }
      expect(claims.video?.room).toBe(room.livekitRoomName);
      expect(claims.video?.canPublishSources).toEqual(CAMERA_AND_MIC);
      expect(JSON.parse(claims.metadata ?? '').participantId).toBe(participant.id);
      expect(fake.calls).toEqual([]);
    });

    it('leaves screen share out of participant tokens when screenShare is "hosts"', async () => {
      const room = await createRoom({ settings: { screenShare: 'hosts' } });
      await join(host, room);
      const aliceP = await join(alice, room);
      const bob = await quickUser(app, { displayName: 'Bob' });
      const bobP = await join(bob, room);
      await call(host, 'PUT', `/rooms/${room.id}/participants/${bobP.id}/role`, {
        role: 'co_host',
      });

      const participantClaims = (await claimsOf(alice, room)).claims;
      expect(participantClaims.video?.canPublishSources).toEqual(CAMERA_AND_MIC);
      expect(participantClaims.video?.canPublish).toBe(true);
      const hostClaims = (await claimsOf(host, room)).claims;
      expect(hostClaims.video?.canPublishSources).toEqual(ALL_SOURCES);
      expect(JSON.parse(hostClaims.metadata ?? '').role).toBe('host');
      const cohostClaims = (await claimsOf(bob, room)).claims;
      expect(cohostClaims.video?.canPublishSources).toEqual(ALL_SOURCES);
      expect(JSON.parse(cohostClaims.metadata ?? '')).toEqual({
        participantId: bobP.id,
        role: 'co_host',
      });
      // roomAdmin is not granted unless the option asks for it.
      expect(hostClaims.video?.roomAdmin).toBe(false);

      // Back to everyone: the same participant may share its screen.
      await call(host, 'PUT', `/rooms/${room.id}`, { settings: { screenShare: 'everyone' } });
      expect((await claimsOf(alice, room)).claims.video?.canPublishSources).toEqual(ALL_SOURCES);
      expect(aliceP.role).toBe('participant');
    });

    it('refuses waiting, left, kicked and never-joined users, ended and unknown rooms', async () => {
      const room = await createRoom();
      expectError(await mediaToken(outsider, room), 403, 'NOT_A_PARTICIPANT');
      // The host needs to join like everyone else.
      expectError(await mediaToken(host, room), 403, 'NOT_A_PARTICIPANT');
      const aliceP = await join(alice, room);
      await call(alice, 'POST', `/rooms/${room.id}/leave`);
      expectError(await mediaToken(alice, room), 403, 'NOT_A_PARTICIPANT');
      await join(alice, room);
      const again = (await call(host, 'GET', `/rooms/${room.id}/participants`)).json().items[0];
      expect(again.id).not.toBe(aliceP.id);
      await call(host, 'POST', `/rooms/${room.id}/participants/${again.id}/kick`);
      expectError(await mediaToken(alice, room), 403, 'NOT_A_PARTICIPANT');

      await call(host, 'PUT', `/rooms/${room.id}`, { waitingRoomEnabled: true });
      expect((await call(outsider, 'POST', `/rooms/${room.id}/join`)).statusCode).toBe(202);
      expectError(await mediaToken(outsider, room), 403, 'NOT_A_PARTICIPANT');

      await join(host, room);
      await call(host, 'POST', `/rooms/${room.id}/end`);
      expectError(await mediaToken(host, room), 410, 'ROOM_ENDED');
      expectError(
        await mediaToken(host, { id: '00000000-0000-4000-8000-000000000000', livekitRoomName: '' }),
        404,
        'ROOM_NOT_FOUND',
      );
    });

    it('removes a kicked participant from LiveKit with a RoomService admin call', async () => {
      const room = await createRoom();
      const aliceP = await join(alice, room);
      fake.connect(room.livekitRoomName, alice.id);
      const res = await call(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/kick`, {
        reason: 'rude',
      });
      expect(res.statusCode).toBe(204);
      const [removal] = fake.callsTo('RemoveParticipant');
      expect(removal?.path).toBe('/twirp/livekit.RoomService/RemoveParticipant');
      expect(removal?.body).toMatchObject({ room: room.livekitRoomName, identity: alice.id });
      // Tokens issued before the kick are revoked.
      expect(Number(removal?.body.revokeTokenTs)).toBeGreaterThan(Date.now() / 1000 - 60);
      const auth = await verifyLivekitToken(removal?.bearer ?? '');
      expect(auth.video).toMatchObject({ roomAdmin: true, room: room.livekitRoomName });
      expect(fake.isConnected(room.livekitRoomName, alice.id)).toBe(false);
      expectError(await mediaToken(alice, room), 403, 'NOT_A_PARTICIPANT');
      expectError(await call(alice, 'POST', `/rooms/${room.id}/join`), 403, 'PARTICIPANT_KICKED');
    });

    it('still kicks when the participant is not connected to media', async () => {
      const room = await createRoom();
      const aliceP = await join(alice, room);
      const res = await call(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/kick`);
      expect(res.statusCode).toBe(204);
      expect(fake.callsTo('RemoveParticipant')).toHaveLength(1);
      expect((await app.videoconf.storage.getParticipant(aliceP.id))?.isKicked).toBe(true);
    });

    it('deletes the LiveKit room when the room ends or is deleted', async () => {
      const ended = await createRoom();
      await join(alice, ended);
      expect((await call(host, 'POST', `/rooms/${ended.id}/end`)).statusCode).toBe(200);
      const deleted = await createRoom();
      expect((await call(host, 'DELETE', `/rooms/${deleted.id}`)).statusCode).toBe(204);
      const calls = fake.callsTo('DeleteRoom');
      expect(calls.map((c) => c.body.room)).toEqual([
        ended.livekitRoomName,
        deleted.livekitRoomName,
      ]);
      const auth = await verifyLivekitToken(calls[0]?.bearer ?? '');
      expect(auth.video?.roomCreate).toBe(true);
    });

    it('mutes the published tracks of the asked kind only', async () => {
      const room = await createRoom();
      const aliceP = await join(alice, room);
      fake.connect(room.livekitRoomName, alice.id, [
        { sid: 'TR_mic', type: 'AUDIO' },
        { sid: 'TR_cam', type: 'VIDEO' },
        { sid: 'TR_screen', type: 'VIDEO', source: 'SCREEN_SHARE' },
        { sid: 'TR_old', type: 'AUDIO', muted: true },
      ]);
      const mute = (kind: string) =>
        call(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/mute`, { kind });

      expect((await mute('audio')).statusCode).toBe(204);
      expect(fake.callsTo('GetParticipant')[0]?.body).toMatchObject({
        room: room.livekitRoomName,
        identity: alice.id,
      });
      expect(fake.callsTo('MutePublishedTrack').map((c) => c.body)).toEqual([
        { room: room.livekitRoomName, identity: alice.id, trackSid: 'TR_mic', muted: true },
      ]);
      const muted = () =>
        fake
          .tracksOf(room.livekitRoomName, alice.id)
          .filter((t) => t.muted)
          .map((t) => t.sid)
          .sort();
      expect(muted()).toEqual(['TR_mic', 'TR_old']);

      expect((await mute('video')).statusCode).toBe(204);
      expect(muted()).toEqual(['TR_cam', 'TR_mic', 'TR_old', 'TR_screen']);
      const events = (await app.videoconf.storage.listAudit({ roomId: room.id, limit: 10 }))
        .filter((e) => e.eventType === 'participant_muted')
        .map((e) => e.payload);
      expect(events).toEqual([
        { participantId: aliceP.id, userId: alice.id, kind: 'video', tracks: 2 },
        { participantId: aliceP.id, userId: alice.id, kind: 'audio', tracks: 1 },
      ]);
    });

    it('answers 204 to a mute when the participant is not in the media room', async () => {
      const room = await createRoom();
      const aliceP = await join(alice, room);
      const res = await call(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/mute`, {
        kind: 'audio',
      });
      expect(res.statusCode).toBe(204);
      expect(fake.callsTo('MutePublishedTrack')).toEqual([]);
      expectError(
        await call(alice, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/mute`, {
          kind: 'audio',
        }),
        403,
        'FORBIDDEN',
      );
    });

    it('tells LiveKit the new role and screen-share permission of a connected participant', async () => {
      const room = await createRoom({ settings: { screenShare: 'hosts' } });
      const aliceP = await join(alice, room);
      fake.connect(room.livekitRoomName, alice.id);
      await call(host, 'PUT', `/rooms/${room.id}/participants/${aliceP.id}/role`, {
        role: 'co_host',
      });
      const [update] = fake.callsTo('UpdateParticipant');
      expect(update?.body.identity).toBe(alice.id);
      expect(JSON.parse(update?.body.metadata)).toEqual({
        participantId: aliceP.id,
        role: 'co_host',
      });
      expect(update?.body.permission).toMatchObject({
        canPublish: true,
        canSubscribe: true,
        canPublishData: true,
        canPublishSources: ['CAMERA', 'MICROPHONE', 'SCREEN_SHARE', 'SCREEN_SHARE_AUDIO'],
      });

      // Screen share back to everyone, then to hosts: participants' permissions follow.
      await call(host, 'PUT', `/rooms/${room.id}/participants/${aliceP.id}/role`, {
        role: 'participant',
      });
      await call(host, 'PUT', `/rooms/${room.id}`, { settings: { screenShare: 'everyone' } });
      const updates = fake
        .callsTo('UpdateParticipant')
        .map((c) => c.body.permission.canPublishSources);
      expect(updates).toEqual([
        ['CAMERA', 'MICROPHONE', 'SCREEN_SHARE', 'SCREEN_SHARE_AUDIO'],
        ['CAMERA', 'MICROPHONE'],
        ['CAMERA', 'MICROPHONE', 'SCREEN_SHARE', 'SCREEN_SHARE_AUDIO'],
      ]);
    });
  });

  describe('options', () => {
    it('grants roomAdmin to hosts and co-hosts only when asked, with the configured TTL', async () => {
      await start(
        livekitOptions('ws://127.0.0.1:7880', { roomAdminForHosts: true, tokenTtl: 120 }),
      );
      const room = await createRoom();
      await join(host, room);
      await join(alice, room);
      const before = Math.floor(Date.now() / 1000);
      const hostToken = await claimsOf(host, room);
      expect(hostToken.body.url).toBe('ws://127.0.0.1:7880');
      expect(hostToken.claims.video?.roomAdmin).toBe(true);
      expect((hostToken.claims.exp as number) - before).toBeGreaterThanOrEqual(119);
      expect((hostToken.claims.exp as number) - before).toBeLessThanOrEqual(122);
      expect((await claimsOf(alice, room)).claims.video?.roomAdmin).toBe(false);
    });
  });

  describe('an unreachable media server', () => {
    it('does not hold up or fail kick, role change, mute, end and delete', async () => {
      await start(livekitOptions(`http://127.0.0.1:${await unusedPort()}`));
      const room = await createRoom({ settings: { screenShare: 'hosts' } });
      await join(host, room);
      const aliceP = await join(alice, room);
      const bob = await quickUser(app);
      const bobP = await join(bob, room);

      const started = Date.now();
      const kicked = await call(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/kick`);
      expect(kicked.statusCode).toBe(204);
      expect((await app.videoconf.storage.getParticipant(aliceP.id))?.isKicked).toBe(true);
      const promoted = await call(host, 'PUT', `/rooms/${room.id}/participants/${bobP.id}/role`, {
        role: 'co_host',
      });
      expect(promoted.json().role).toBe('co_host');
      const muted = await call(host, 'POST', `/rooms/${room.id}/participants/${bobP.id}/mute`, {
        kind: 'audio',
      });
      expect(muted.statusCode).toBe(204);
      // Tokens need no call to the media server.
      expect((await mediaToken(bob, room)).statusCode).toBe(200);
      const ended = await call(host, 'POST', `/rooms/${room.id}/end`);
      expect(ended.statusCode).toBe(200);
      expect(ended.json().status).toBe('ended');
      expect(await app.videoconf.storage.listActiveParticipants(room.id)).toEqual([]);
      expect((await call(host, 'DELETE', `/rooms/${room.id}`)).statusCode).toBe(204);
      expect(await app.videoconf.storage.getRoom(room.id)).toBeNull();
      expect(Date.now() - started).toBeLessThan(6000);
    });

    it('gives up on a media server that does not answer within the request timeout', async () => {
      const hanging = await startFakeLivekit({ mode: 'hang' });
      try {
        await start(livekitOptions(hanging.url));
        const room = await createRoom();
        const aliceP = await join(alice, room);
        const started = Date.now();
        const res = await call(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/kick`);
        const elapsed = Date.now() - started;
        expect(res.statusCode).toBe(204);
        expect(hanging.callsTo('RemoveParticipant')).toHaveLength(1);
        expect(elapsed).toBeLessThan(6000);
        expect((await app.videoconf.storage.getParticipant(aliceP.id))?.isKicked).toBe(true);
      } finally {
        await hanging.close();
      }
    });
  });
});
