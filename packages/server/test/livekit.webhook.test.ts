import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Participant, RoomEvent } from '@videoconf/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import type { ConferenceServerOptions } from '../src/options';
import type { Storage } from '../src/storage/types';
import { type QuickUser, quickUser, testServer } from './support/app';
import {
  type FakeLivekit,
  LIVEKIT_KEY,
  LIVEKIT_SECRET,
  livekitOptions,
  startFakeLivekit,
} from './support/livekit';
import { storages } from './support/storages';

/**
 * LiveKit's webhooks against a listening server, on memory and PostgreSQL storage. Bodies are
 * built and signed the way LiveKit does: the protobuf JSON of a WebhookEvent (int64 as strings,
 * enums by name), and an `Authorization` header with a JWT of the API key and secret whose
 * `sha256` claim is the base64 SHA-256 of the exact body.
 */

interface Room {
  id: string;
  livekitRoomName: string;
  status: string;
}

interface LivekitEvent {
  event: string;
  id: string;
  createdAt: string;
  room: { sid: string; name: string };
  participant?: {
    sid: string;
    identity: string;
    name: string;
    disconnectReason?: string;
    kind?: string;
  };
}

/** The signature LiveKit puts in the `Authorization` header of a delivery. */
async function sign(
  body: string,
  {
    key = LIVEKIT_KEY,
    secret = LIVEKIT_SECRET,
    ttl,
  }: { key?: string; secret?: string; ttl?: string } = {},
): Promise<string> {
  const token = new AccessToken(key, secret, ttl ? { ttl } : undefined);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

const sid = (prefix: 'PA' | 'RM') => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

describe.each(storages())('LiveKit webhooks on %s storage', (_name, storage) => {
  let app: App;
  let base: string;
  let host: QuickUser;
  let alice: QuickUser;
  let room: Room;
  let aliceParticipant: Participant;
  /** Room events published on the bus for `room`, in order. */
  let published: RoomEvent[];
  /** LiveKit's clock for this test: whole seconds. */
  let now: number;

  const start = async ({
    livekit = true,
    wrap = (s) => s,
    options = {},
  }: {
    livekit?: boolean;
    wrap?: (s: Storage) => Storage;
    options?: ConferenceServerOptions;
  } = {}) => {
    app = testServer({
      storage: wrap(storage()),
      ...(livekit && { livekit: livekitOptions('http://127.0.0.1:9') }),
      ...options,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    [host, alice] = await Promise.all([
      quickUser(app, { displayName: 'Hana Host' }),
      quickUser(app, { displayName: 'Alice' }),
    ]);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/rooms',
      headers: host.auth,
      payload: { title: 'Webhooks' },
    });
    expect(created.statusCode, created.body).toBe(201);
    room = created.json();
    await join(host);
    aliceParticipant = await join(alice);
    published = [];
    await app.videoconf.bus.subscribe(room.id, (event) => published.push(event));
    now = Math.floor(Date.now() / 1000);
  };
  afterEach(() => app?.close());

  const join = async (user: QuickUser): Promise<Participant> => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${room.id}/join`,
      headers: user.auth,
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().participant;
  };

  /** A WebhookEvent as LiveKit encodes it, `seconds` after the test's start. */
  const lkEvent = (
    event: string,
    input: {
      sid?: string;
      identity?: string;
      seconds?: number;
      reason?: string;
      kind?: string;
    } = {},
  ): LivekitEvent => ({
    event,
    id: `EV_${randomUUID()}`,
    createdAt: String(now + (input.seconds ?? 0)),
    room: { sid: 'RM_webhooks', name: room.livekitRoomName },
    ...(event.startsWith('participant_') && {
      participant: {
        sid: input.sid ?? 'PA_unset',
        identity: input.identity ?? alice.id,
        name: 'Alice',
        ...(input.reason && { disconnectReason: input.reason }),
        ...(input.kind && { kind: input.kind }),
      },
    }),
  });

  /** Posts a delivery to the listening server. */
  const deliver = async (
    event: LivekitEvent | string,
    options: {
      authorization?: string | null;
      contentType?: string;
      key?: string;
      secret?: string;
      ttl?: string;
    } = {},
  ) => {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    const authorization =
      options.authorization === undefined ? await sign(body, options) : options.authorization;
    const res = await fetch(`${base}/api/v1/livekit/webhook`, {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? 'application/webhook+json',
        ...(authorization !== null && { authorization }),
      },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const expectApplied = async (event: LivekitEvent | string, options = {}) => {
    const res = await deliver(event, options);
    expect(res, JSON.stringify(res.body)).toEqual({ status: 204, body: null });
  };

  /** GET /rooms/:id/participants as the host: the active participants. */
  const activeParticipants = async (): Promise<Participant[]> => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/rooms/${room.id}/participants`,
      headers: host.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  };
  const activeAlice = async () => (await activeParticipants()).find((p) => p.userId === alice.id);
  const stored = async (participantId: string) =>
    app.videoconf.storage.getParticipant(participantId);
  const publishedOf = (type: RoomEvent['type']) => published.filter((e) => e.type === type);

  describe('with LiveKit configured', () => {
    beforeEach(() => start());

    it('participant_joined records the LiveKit sid of the active participant', async () => {
      expect((await activeAlice())?.livekitSid).toBeNull();
      const S = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S }));
      expect((await activeAlice())?.livekitSid).toBe(S);
      // The host's participant is another identity: untouched.
      const hostRow = (await activeParticipants()).find((p) => p.userId === host.id);
      expect(hostRow?.livekitSid).toBeNull();
    });

    it('accepts application/json and a Bearer prefix as well', async () => {
      const S = sid('PA');
      const event = lkEvent('participant_joined', { sid: S });
      const body = JSON.stringify(event);
      await expectApplied(body, {
        contentType: 'application/json',
        authorization: `Bearer ${await sign(body)}`,
      });
      expect((await activeAlice())?.livekitSid).toBe(S);
    });

    it('participant_left makes the participant leave and publishes participant.left', async () => {
      const S = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S, seconds: 1 }));
      await expectApplied(lkEvent('participant_left', { sid: S, seconds: 2 }));

      const left = await stored(aliceParticipant.id);
      expect(left).toMatchObject({ leaveReason: 'disconnected', livekitSid: S, isKicked: false });
      expect(left?.leftAt).not.toBeNull();
      expect(await activeAlice()).toBeUndefined();
      expect(publishedOf('participant.left')).toEqual([
        expect.objectContaining({ roomId: room.id, data: { participant: left } }),
      ]);
      // The room goes on for the others.
      expect((await activeParticipants()).map((p) => p.userId)).toEqual([host.id]);
    });

    it('room_finished ends the room, publishes room.ended and writes the audit entry', async () => {
      await expectApplied(lkEvent('room_finished', { seconds: 5 }));

      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/rooms/${room.id}`,
        headers: host.auth,
      });
      expect(res.json()).toMatchObject({ status: 'ended' });
      expect(res.json().actualEndAt).not.toBeNull();
      expect(await activeParticipants()).toEqual([]);
      expect((await stored(aliceParticipant.id))?.leaveReason).toBe('room_ended');

      const ended = publishedOf('room.ended');
      expect(ended).toHaveLength(1);
      expect(ended[0]?.data).toEqual({ room: res.json() });
      expect(ended[0]?.data).not.toHaveProperty('room.passwordHash');

      const audit = await app.videoconf.storage.listAudit({ roomId: room.id, limit: 20 });
      expect(audit.filter((e) => e.eventType === 'room_ended')).toEqual([
        expect.objectContaining({
          actorUserId: null,
          actorRole: 'livekit',
          payload: expect.objectContaining({ participantsLeft: 2 }),
        }),
      ]);

      // Finished again (another event id): the room is over, nothing more happens.
      await expectApplied(lkEvent('room_finished', { seconds: 6 }));
      expect(publishedOf('room.ended')).toHaveLength(1);
    });

    it('refuses a forged signature with 401 and changes nothing', async () => {
      const S = sid('PA');
      for (const options of [
        { secret: 'another-secret-of-at-least-32-characters' },
        { key: 'otherkey' },
      ]) {
        const res = await deliver(lkEvent('participant_joined', { sid: S }), options);
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('INVALID_TOKEN');
      }
      for (const authorization of ['junk', 'Bearer junk', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
        const res = await deliver(lkEvent('participant_joined', { sid: S }), { authorization });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('INVALID_TOKEN');
      }
      const left = await deliver(lkEvent('participant_left', { sid: S }), {
        secret: 'another-secret-of-at-least-32-characters',
      });
      expect(left.status).toBe(401);
      expect((await activeAlice())?.livekitSid).toBeNull();
      expect(published).toEqual([]);
    });

    it('refuses a body changed after signing with 401', async () => {
      const signed = JSON.stringify(lkEvent('participant_joined', { sid: sid('PA') }));
      const authorization = await sign(signed);
      const tampered = lkEvent('participant_left', { sid: 'PA_unset' });
      const res = await deliver(JSON.stringify(tampered), { authorization });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_TOKEN');
      // One byte more is a different body too.
      const padded = await deliver(`${signed} `, { authorization });
      expect(padded.status).toBe(401);
      expect(await activeAlice()).toMatchObject({ livekitSid: null, leftAt: null });
    });

    it('refuses a delivery without Authorization with 401 UNAUTHORIZED', async () => {
      const res = await deliver(lkEvent('participant_left', { sid: 'PA_unset' }), {
        authorization: null,
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
      expect(await activeAlice()).toBeDefined();
    });

    it('refuses an expired signature with 401 TOKEN_EXPIRED', async () => {
      const res = await deliver(lkEvent('participant_left', { sid: 'PA_unset' }), {
        ttl: '5 minutes ago',
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_EXPIRED');
      expect(await activeAlice()).toBeDefined();
    });

    it('answers a signed body that is not a webhook event with 400', async () => {
      for (const body of ['{"event":', '[1,2]', '{"event":"room_finished","createdAt":"soon"}']) {
        const res = await deliver(body);
        expect(res.status, body).toBe(400);
        expect(res.body.code).toBe('VALIDATION_ERROR');
      }
      const noId = { ...lkEvent('room_finished'), id: '' };
      expect((await deliver(noId)).status).toBe(400);
      expect((await app.videoconf.storage.getRoom(room.id))?.status).toBe('active');
    });

    it('ignores other events and rooms or identities it does not know', async () => {
      const S = sid('PA');
      await expectApplied(lkEvent('track_published', { sid: S }));
      await expectApplied(lkEvent('room_started'));
      await expectApplied({
        ...lkEvent('participant_joined', { sid: S }),
        room: { sid: 'RM_other', name: `vc-${randomUUID()}` },
      });
      await expectApplied(
        lkEvent('participant_joined', { sid: S, identity: 'agent-1', kind: 'AGENT' }),
      );
      await expectApplied({
        ...lkEvent('room_finished'),
        room: { sid: 'RM_other', name: `vc-${randomUUID()}` },
      });
      expect((await activeParticipants()).map((p) => p.livekitSid)).toEqual([null, null]);
      expect((await app.videoconf.storage.getRoom(room.id))?.status).toBe('active');
      expect(published).toEqual([]);
    });

    it('applies a redelivered event id once', async () => {
      // A left without a join (LiveKit reports one when a connection fails to set up).
      const S = sid('PA');
      const left = lkEvent('participant_left', { sid: S, seconds: 1 });
      await expectApplied(left);
      expect(publishedOf('participant.left')).toHaveLength(1);
      expect(await activeAlice()).toBeUndefined();

      // Alice comes back through the API; LiveKit delivers the same event again.
      const again = await join(alice);
      expect(again.id).not.toBe(aliceParticipant.id);
      await expectApplied(left);
      await expectApplied(left);
      expect(publishedOf('participant.left')).toHaveLength(1);
      expect(await activeAlice()).toMatchObject({ id: again.id, leftAt: null });
    });

    it('out of order: a join arriving after the left of its session changes nothing', async () => {
      const S = sid('PA');
      await expectApplied(lkEvent('participant_left', { sid: S, seconds: 2 }));
      expect(await activeAlice()).toBeUndefined();
      expect((await stored(aliceParticipant.id))?.leaveReason).toBe('disconnected');

      await expectApplied(lkEvent('participant_joined', { sid: S, seconds: 1 }));
      expect(await stored(aliceParticipant.id)).toMatchObject({ livekitSid: null });
      expect((await stored(aliceParticipant.id))?.leftAt).not.toBeNull();

      // Nor on the participant of a later join through the API.
      const again = await join(alice);
      await expectApplied(lkEvent('participant_joined', { sid: S, seconds: 1 }));
      expect(await stored(again.id)).toMatchObject({ livekitSid: null, leftAt: null });
      expect(publishedOf('participant.left')).toHaveLength(1);
    });

    it('out of order: the left of an older session does not remove the participant', async () => {
      const S1 = sid('PA');
      const S2 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S1, seconds: 1 }));
      await expectApplied(lkEvent('participant_joined', { sid: S2, seconds: 3 }));
      await expectApplied(lkEvent('participant_left', { sid: S1, seconds: 2 }));
      expect(await activeAlice()).toMatchObject({ id: aliceParticipant.id, livekitSid: S2 });

      // A join of the older session arriving late does not replace the newer sid.
      const S0 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S0, seconds: 0 }));
      expect((await activeAlice())?.livekitSid).toBe(S2);
      expect(publishedOf('participant.left')).toEqual([]);

      // The left of the current session does.
      await expectApplied(lkEvent('participant_left', { sid: S2, seconds: 4 }));
      expect(await activeAlice()).toBeUndefined();
      expect(publishedOf('participant.left')).toHaveLength(1);
    });

    it('a session replaced by a new connection of the same identity is not a leave', async () => {
      const S1 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S1, seconds: 1 }));
      await expectApplied(
        lkEvent('participant_left', { sid: S1, seconds: 2, reason: 'DUPLICATE_IDENTITY' }),
      );
      expect(await activeAlice()).toMatchObject({ livekitSid: S1, leftAt: null });
      const S2 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S2, seconds: 2 }));
      expect((await activeAlice())?.livekitSid).toBe(S2);
      expect(publishedOf('participant.left')).toEqual([]);
    });

    it('a left for a session that belonged to an earlier participant record is ignored', async () => {
      const S1 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S1, seconds: 1 }));
      // Alice leaves and comes back through the API before LiveKit reports the old session.
      const leave = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${room.id}/leave`,
        headers: alice.auth,
      });
      expect(leave.statusCode, leave.body).toBe(204);
      const again = await join(alice);
      await expectApplied(lkEvent('participant_left', { sid: S1, seconds: 2 }));
      expect(await activeAlice()).toMatchObject({ id: again.id, leftAt: null, livekitSid: null });
    });

    it('late joins and stale room_finished do nothing to an ended or restarted room', async () => {
      // A join of a session that started after this finish was already processed: the finish
      // is about an earlier media session of the room.
      await expectApplied(lkEvent('participant_joined', { sid: sid('PA'), seconds: 10 }));
      await expectApplied(lkEvent('room_finished', { seconds: 5 }));
      expect((await app.videoconf.storage.getRoom(room.id))?.status).toBe('active');
      expect(publishedOf('room.ended')).toEqual([]);

      await expectApplied(lkEvent('room_finished', { seconds: 20 }));
      expect((await app.videoconf.storage.getRoom(room.id))?.status).toBe('ended');
      await expectApplied(lkEvent('participant_joined', { sid: sid('PA'), seconds: 15 }));
      expect((await stored(aliceParticipant.id))?.leaveReason).toBe('room_ended');
      expect(publishedOf('room.ended')).toHaveLength(1);
    });

    it('after the host ended the room, room_finished publishes nothing more', async () => {
      const end = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${room.id}/end`,
        headers: host.auth,
      });
      expect(end.statusCode, end.body).toBe(200);
      const before = publishedOf('room.ended').length;
      await expectApplied(lkEvent('room_finished', { seconds: 1 }));
      await expectApplied(lkEvent('participant_left', { sid: sid('PA'), seconds: 1 }));
      expect(publishedOf('room.ended')).toHaveLength(before);
      expect(publishedOf('participant.left')).toEqual([]);
      const audit = await app.videoconf.storage.listAudit({ roomId: room.id, limit: 20 });
      expect(audit.filter((e) => e.actorRole === 'livekit')).toEqual([]);
    });
  });

  describe('participants LiveKit must not keep', () => {
    // LiveKit does not revoke tokens: a kicked or departed user may reconnect with the media
    // token it still holds. Its participant_joined makes the server remove it again.
    let fake: FakeLivekit;
    beforeEach(async () => {
      fake = await startFakeLivekit();
      await start({ options: { livekit: livekitOptions(fake.url) } });
    });
    afterEach(() => fake.close());

    const removals = () => fake.callsTo('RemoveParticipant').map((call) => call.body);
    const removedAudit = async () =>
      (await app.videoconf.storage.listAudit({ roomId: room.id, limit: 50 })).filter(
        (e) => e.eventType === 'media_participant_removed',
      );
    const hostCall = (method: 'POST', url: string) =>
      app.inject({ method, url: `/api/v1/rooms/${room.id}${url}`, headers: host.auth });

    it('removes a kicked participant that reconnects with its old token, and audits it', async () => {
      fake.connect(room.livekitRoomName, alice.id);
      const kick = await hostCall('POST', `/participants/${aliceParticipant.id}/kick`);
      expect(kick.statusCode, kick.body).toBe(204);
      expect(fake.isConnected(room.livekitRoomName, alice.id)).toBe(false);

      // Alice connects again with the token she got before the kick.
      fake.connect(room.livekitRoomName, alice.id);
      const S = sid('PA');
      const joined = lkEvent('participant_joined', { sid: S, seconds: 1 });
      await expectApplied(joined);
      expect(fake.isConnected(room.livekitRoomName, alice.id)).toBe(false);
      expect(removals()).toEqual([
        // The kick's, then the webhook's.
        expect.objectContaining({ room: room.livekitRoomName, identity: alice.id }),
        expect.objectContaining({ room: room.livekitRoomName, identity: alice.id }),
      ]);
      expect(await removedAudit()).toEqual([
        expect.objectContaining({
          actorUserId: null,
          actorRole: 'livekit',
          payload: {
            userId: alice.id,
            livekitSid: S,
            reason: 'kicked',
            livekitEventId: joined.id,
          },
        }),
      ]);
      // The kicked participant does not get the intruding session's sid.
      expect(await stored(aliceParticipant.id)).toMatchObject({ isKicked: true, livekitSid: null });

      // A redelivery of that event removes nobody again.
      await expectApplied(joined);
      expect(removals()).toHaveLength(2);
      expect(await removedAudit()).toHaveLength(1);
    });

    it('removes a user who left through the API, and anyone once the room is over', async () => {
      const leave = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${room.id}/leave`,
        headers: alice.auth,
      });
      expect(leave.statusCode, leave.body).toBe(204);
      fake.connect(room.livekitRoomName, alice.id);
      await expectApplied(lkEvent('participant_joined', { sid: sid('PA'), seconds: 1 }));
      expect(fake.isConnected(room.livekitRoomName, alice.id)).toBe(false);

      const end = await hostCall('POST', '/end');
      expect(end.statusCode, end.body).toBe(200);
      // The host reconnects with its token to the room it ended.
      fake.connect(room.livekitRoomName, host.id);
      await expectApplied(
        lkEvent('participant_joined', { sid: sid('PA'), identity: host.id, seconds: 2 }),
      );
      expect(fake.isConnected(room.livekitRoomName, host.id)).toBe(false);
      expect((await removedAudit()).map((e) => [e.payload.userId, e.payload.reason])).toEqual([
        [host.id, 'room_over'],
        [alice.id, 'not_a_participant'],
      ]);
    });

    it('keeps admitted participants, services, other rooms and sessions known to be gone', async () => {
      // Alice is admitted: her join sets her sid and she stays.
      fake.connect(room.livekitRoomName, alice.id);
      const S1 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S1, seconds: 1 }));
      expect((await activeAlice())?.livekitSid).toBe(S1);

      // An agent dispatched to the room is a service, not a participant of ours.
      fake.connect(room.livekitRoomName, 'agent-1');
      await expectApplied(
        lkEvent('participant_joined', {
          sid: sid('PA'),
          identity: 'agent-1',
          kind: 'AGENT',
          seconds: 1,
        }),
      );
      // A room we do not know may belong to another application on the same LiveKit.
      const foreign = `vc-${randomUUID()}`;
      fake.connect(foreign, 'someone');
      await expectApplied({
        ...lkEvent('participant_joined', { sid: sid('PA'), identity: 'someone' }),
        room: { sid: 'RM_other', name: foreign },
      });
      expect(fake.isConnected(room.livekitRoomName, 'agent-1')).toBe(true);
      expect(fake.isConnected(foreign, 'someone')).toBe(true);
      expect(removals()).toEqual([]);

      // Out of order: the join of a session whose leave was already processed. The session is
      // gone, and a later session of that identity brings a join of its own.
      const S2 = sid('PA');
      await expectApplied(lkEvent('participant_left', { sid: S1, seconds: 2 }));
      expect(await activeAlice()).toBeUndefined();
      await expectApplied(lkEvent('participant_left', { sid: S2, seconds: 4 }));
      await expectApplied(lkEvent('participant_joined', { sid: S2, seconds: 3 }));
      expect(removals()).toEqual([]);
      expect(await removedAudit()).toEqual([]);
    });

    it('does not remove a user who left and joined again through the API', async () => {
      const S1 = sid('PA');
      fake.connect(room.livekitRoomName, alice.id);
      await expectApplied(lkEvent('participant_joined', { sid: S1, seconds: 1 }));
      const leave = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${room.id}/leave`,
        headers: alice.auth,
      });
      expect(leave.statusCode, leave.body).toBe(204);
      const again = await join(alice);
      // Her new session's join, and a late redelivery-free join of an older one.
      const S2 = sid('PA');
      await expectApplied(lkEvent('participant_joined', { sid: S2, seconds: 3 }));
      await expectApplied(lkEvent('participant_joined', { sid: sid('PA'), seconds: 2 }));
      expect(fake.isConnected(room.livekitRoomName, alice.id)).toBe(true);
      expect(removals()).toEqual([]);
      expect(await stored(again.id)).toMatchObject({ leftAt: null, livekitSid: S2 });
    });

    it('answers 204 when the reconnected session is already gone from LiveKit', async () => {
      const kick = await hostCall('POST', `/participants/${aliceParticipant.id}/kick`);
      expect(kick.statusCode, kick.body).toBe(204);
      // Not connected (any more): LiveKit answers 404, nothing to audit.
      await expectApplied(lkEvent('participant_joined', { sid: sid('PA'), seconds: 1 }));
      expect(removals()).toHaveLength(2);
      expect(await removedAudit()).toEqual([]);
    });
  });

  describe('with rate limits on', () => {
    beforeEach(() => start({ options: { rateLimit: { anonymousPerMinute: 2 } } }));

    it('does not count deliveries against the anonymous per-IP budget', async () => {
      for (let i = 0; i < 6; i += 1) {
        await expectApplied(lkEvent('track_published', { sid: sid('PA'), seconds: i }));
      }
      // Other anonymous calls from the same address are limited as before.
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await fetch(`${base}/api/v1/rooms/${room.id}`)).status);
      }
      expect(statuses).toContain(429);
    });
  });

  describe('racing the host', () => {
    // The room still reads as active when the webhook looks it up, but the host's end lands
    // before the webhook's: the host's end is the one that counts, and publishes.
    beforeEach(() =>
      start({
        wrap: (inner) => ({
          ...inner,
          getRoomByLivekitName: async (name) => {
            const found = await inner.getRoomByLivekitName(name);
            return found && { ...found, status: 'active' };
          },
        }),
      }),
    );

    it('room_finished that loses to the host ending the room publishes nothing', async () => {
      const end = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${room.id}/end`,
        headers: host.auth,
      });
      expect(end.statusCode, end.body).toBe(200);
      const before = publishedOf('room.ended').length;
      await expectApplied(lkEvent('room_finished', { seconds: 1 }));
      expect(publishedOf('room.ended')).toHaveLength(before);
      expect((await app.videoconf.storage.getRoom(room.id))?.actualEndAt).toBe(
        end.json().actualEndAt,
      );
      const audit = await app.videoconf.storage.listAudit({ roomId: room.id, limit: 20 });
      expect(audit.filter((e) => e.actorRole === 'livekit')).toEqual([]);
    });
  });

  describe('without LiveKit', () => {
    beforeEach(() => start({ livekit: false }));

    it('answers 503 MEDIA_UNAVAILABLE and changes nothing', async () => {
      const res = await deliver(lkEvent('room_finished'));
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('MEDIA_UNAVAILABLE');
      const unsigned = await deliver(lkEvent('room_finished'), { authorization: null });
      expect(unsigned.status).toBe(503);
      expect((await app.videoconf.storage.getRoom(room.id))?.status).toBe('active');
      expect(published).toEqual([]);
    });
  });
});
