import type { FastifyBaseLogger } from 'fastify';
import type { WebhookEvent } from 'livekit-server-sdk';
import type { ConferenceContext } from '../context';
import { ConferenceError } from '../errors';
import { toRoom } from '../http/serialize';
import { bestEffort } from '../media/livekit';
import { isOver } from '../rooms/service';
import type { RoomRecord, WebhookEventRecord } from '../storage/types';

/**
 * What LiveKit's webhooks change in our state:
 * - `participant_joined`: the active participant (identity = our user id) of the room (LiveKit
 *   room name = our `livekitRoomName`) gets the session's `livekitSid`; a standard participant
 *   whose identity is not an active participant of a room that is not over is removed from the
 *   LiveKit room again (`removeUnadmitted`);
 * - `participant_left`: that participant leaves with reason `disconnected` (`participant.left`);
 * - `room_finished`: an active room ends (`room.ended`, audit `room_ended` by `livekit`).
 * Every other event is ignored.
 *
 * Each event id is applied once: it is recorded (atomically, in storage) before it is applied,
 * so a redelivery does nothing. Deliveries may arrive out of order (LiveKit queues them per
 * room and per participant, and retries), so every rule below checks that the event is still
 * about the current LiveKit session before it changes anything.
 */
export type WebhookDeps = Pick<ConferenceContext, 'storage' | 'events' | 'audit' | 'media'> & {
  log: FastifyBaseLogger;
};

/** What a delivery did: `applied`, `replayed` (id seen before) or `ignored` (nothing to do). */
export type WebhookOutcome = 'applied' | 'replayed' | 'ignored';

/** The events we act on; LiveKit sends many more (tracks, egress…), answered and ignored. */
export const HANDLED_EVENTS = ['participant_joined', 'participant_left', 'room_finished'] as const;
type HandledEvent = (typeof HANDLED_EVENTS)[number];

const isHandled = (event: string): event is HandledEvent =>
  (HANDLED_EVENTS as readonly string[]).includes(event);

/**
 * `ParticipantInfo.disconnectReason` values (livekit_models.proto `DisconnectReason`; the SDK
 * does not export the enum) after which the identity goes on under a new session: a second
 * connection of the same identity replaced it, or it moved to another media node. Such a
 * `participant_left` is not the participant leaving.
 */
const DUPLICATE_IDENTITY = 2;
const MIGRATION = 8;
const CONTINUES_ELSEWHERE: ReadonlySet<number> = new Set([DUPLICATE_IDENTITY, MIGRATION]);

/**
 * `ParticipantInfo.kind` of a client connected with an access token (livekit_models.proto
 * `ParticipantInfo.Kind`; not exported by the SDK either). Agents, egress, ingress and SIP
 * callers are services the operator dispatched: not ours to admit or remove.
 */
const STANDARD = 0;

/** The latest time an event may claim: year 9999. */
const MAX_EVENT_SECONDS = 253_402_300_799n;

/** LiveKit's `createdAt` (whole seconds since the epoch) as ISO-8601; `now` when it is unset. */
function eventTime(createdAt: bigint, now: Date): string {
  if (createdAt <= 0n || createdAt > MAX_EVENT_SECONDS) return now.toISOString();
  return new Date(Number(createdAt) * 1000).toISOString();
}

const required = (value: string | undefined, what: string): string => {
  if (!value) throw new ConferenceError('VALIDATION_ERROR', `Webhook event has no ${what}`);
  return value;
};

/** Applies one verified webhook event, at most once per event id. */
export async function handleWebhookEvent(
  deps: WebhookDeps,
  event: WebhookEvent,
  now: Date = new Date(),
): Promise<WebhookOutcome> {
  if (!isHandled(event.event)) return 'ignored';
  const id = required(event.id, 'id');
  const roomName = required(event.room?.name, 'room name');
  const participant =
    event.event === 'room_finished'
      ? null
      : {
          sid: required(event.participant?.sid, 'participant sid'),
          identity: required(event.participant?.identity, 'participant identity'),
          reason: Number(event.participant?.disconnectReason ?? 0),
          kind: Number(event.participant?.kind ?? STANDARD),
        };
  const record: WebhookEventRecord = {
    id,
    event: event.event,
    roomName,
    participantSid: participant?.sid ?? null,
    createdAt: eventTime(event.createdAt, now),
  };
  // Recorded before it is applied: of two deliveries of one id, only the first goes on.
  if (!(await deps.storage.recordWebhookEvent(record))) return 'replayed';

  if (participant === null) return roomFinished(deps, record, now);
  if (record.event === 'participant_joined') {
    return participantJoined(deps, record, participant);
  }
  return participantLeft(deps, record, participant);
}

/**
 * Records the session's sid on the active participant, unless the event is stale: there is no
 * active participant of that identity, the session already left (its `participant_left` was
 * processed first), or the sid in place came from a newer join. A standard participant that is
 * not admitted (no active participant of that identity, or the room is over) is removed from
 * the LiveKit room instead (`removeUnadmitted`).
 */
async function participantJoined(
  deps: WebhookDeps,
  record: WebhookEventRecord,
  session: { sid: string; identity: string; kind: number },
): Promise<WebhookOutcome> {
  const { storage } = deps;
  const { sid, identity } = session;
  const room = await storage.getRoomByLivekitName(record.roomName ?? '');
  // Not one of our rooms (another application may share the LiveKit server): not ours to judge.
  if (!room) return 'ignored';
  const participant = isOver(room) ? null : await storage.findActiveParticipant(room.id, identity);
  if (await storage.findWebhookEvent({ event: 'participant_left', participantSid: sid })) {
    // The session is gone already; a later session of that identity has a join of its own.
    return 'ignored';
  }
  if (!participant) return removeUnadmitted(deps, room, record, session);
  if (participant.livekitSid === sid) return 'ignored';
  if (participant.livekitSid !== null) {
    const current = await storage.findWebhookEvent({
      event: 'participant_joined',
      participantSid: participant.livekitSid,
    });
    if (current && Date.parse(current.createdAt) > Date.parse(record.createdAt)) return 'ignored';
  }
  await storage.setParticipantLivekitSid(participant.id, sid);
  return 'applied';
}

/**
 * Who may be in the LiveKit room of one of our rooms: the active participants of a room that is
 * not over, the same rule as for a media token (media/routes.ts `issueMediaToken`). Open-source
 * LiveKit does not revoke tokens (it ignores RemoveParticipant's `revokeTokenTs`), so a kicked
 * or departed user can reconnect with a media token it still holds, until the token expires. Its `participant_joined` brings it here, and it is removed again; the
 * audit entry `media_participant_removed` (actor `livekit`) says who and why.
 *
 * A user admitted again through the API in the few milliseconds between our read and LiveKit
 * acting on the removal would be removed once and can reconnect; a session that LiveKit
 * already closed is "not found" (logged at debug level, no audit entry).
 */
async function removeUnadmitted(
  { storage, media, audit, log }: WebhookDeps,
  room: RoomRecord,
  record: WebhookEventRecord,
  { sid, identity, kind }: { sid: string; identity: string; kind: number },
): Promise<WebhookOutcome> {
  if (kind !== STANDARD || !media) return 'ignored';
  const roomName = room.livekitRoomName;
  const reason = isOver(room)
    ? 'room_over'
    : (await storage.hasBeenKicked(room.id, identity))
      ? 'kicked'
      : 'not_a_participant';
  const removed = await bestEffort(
    log,
    'removeParticipant',
    { room: roomName, identity, livekitSid: sid, reason },
    async () => {
      await media.removeParticipant(roomName, identity);
      return true;
    },
  );
  if (!removed) return 'ignored';
  log.info(
    { room: roomName, identity, livekitSid: sid, reason },
    'removed a participant that reconnected to LiveKit without being admitted',
  );
  await audit('media_participant_removed', {
    actor: { userId: null, role: 'livekit' },
    roomId: room.id,
    payload: { userId: identity, livekitSid: sid, reason, livekitEventId: record.id },
  });
  return 'applied';
}

/**
 * The active participant of that identity leaves with reason `disconnected` when the event is
 * about its current session: the sid matches, or no sid is recorded yet and this session was
 * never seen joining (a join of that sid that did not set it belonged to someone else, e.g. an
 * earlier participant record of the same user). A left of an older session (sid mismatch) and
 * one that says the identity goes on elsewhere (replaced by a new connection, migrated) change
 * nothing.
 */
async function participantLeft(
  { storage, events }: WebhookDeps,
  record: WebhookEventRecord,
  { sid, identity, reason }: { sid: string; identity: string; reason: number },
): Promise<WebhookOutcome> {
  const room = await storage.getRoomByLivekitName(record.roomName ?? '');
  if (!room) return 'ignored';
  const participant = await storage.findActiveParticipant(room.id, identity);
  if (!participant || CONTINUES_ELSEWHERE.has(reason)) return 'ignored';
  if (participant.livekitSid !== null && participant.livekitSid !== sid) return 'ignored';
  if (
    participant.livekitSid === null &&
    (await storage.findWebhookEvent({ event: 'participant_joined', participantSid: sid }))
  ) {
    return 'ignored';
  }
  const left = await storage.leaveParticipant(
    participant.id,
    'disconnected',
    new Date().toISOString(),
  );
  if (!left) return 'ignored';
  await events(room.id, 'participant.left', { participant: left });
  return 'applied';
}

/**
 * Ends the room when it is active, unless the event is about an earlier media session of the
 * room: a `participant_joined` created after this `room_finished` was already seen.
 */
async function roomFinished(
  { storage, events, audit }: WebhookDeps,
  record: WebhookEventRecord,
  now: Date,
): Promise<WebhookOutcome> {
  const roomName = record.roomName ?? '';
  const room = await storage.getRoomByLivekitName(roomName);
  if (room?.status !== 'active') return 'ignored';
  const latestJoin = await storage.findWebhookEvent({ event: 'participant_joined', roomName });
  if (latestJoin && Date.parse(latestJoin.createdAt) > Date.parse(record.createdAt)) {
    return 'ignored';
  }
  const endedAt = now.toISOString();
  const result = await storage.endRoom(room.id, endedAt, 'room_ended');
  // A host ending the room at the same moment may have won: then it publishes, not us.
  if (!result || result.room.actualEndAt !== endedAt) return 'ignored';
  await events(room.id, 'room.ended', { room: toRoom(result.room) });
  await audit('room_ended', {
    actor: { userId: null, role: 'livekit' },
    roomId: room.id,
    payload: {
      participantsLeft: result.participants.length,
      entriesExpired: result.entries.length,
      livekitEventId: record.id,
    },
  });
  return 'applied';
}
