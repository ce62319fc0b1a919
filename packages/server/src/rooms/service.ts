import { createHmac, randomUUID } from 'node:crypto';
import {
  type CreateRoomBody,
  DEFAULT_ROOM_SETTINGS,
  type JoinRoomBody,
  type Participant,
  type RoomSettings,
  type UpdateRoomBody,
  type WaitingEntry,
} from '@videoconf/protocol';
import bcrypt from 'bcrypt';
import type { Principal } from '../auth/types';
import type { ConferenceContext } from '../context';
import { ConferenceError } from '../errors';
import { toRoom } from '../http/serialize';
import { bestEffort, type MediaLog } from '../media/livekit';
import type { EndRoomResult, RoomPatch, RoomRecord } from '../storage/types';
import { type RoomAccess, requireParticipant } from './access';

/**
 * The rules of rooms: create, update, end, lock, join and leave. Free of Fastify, so that the
 * HTTP routes and the WebSocket gateway call the same functions. Authorisation (who may) is
 * decided by the caller with the helpers of `access.ts`; these functions hold what may happen.
 * Every state change is published as a room event (`events`) once, after it is stored; no-ops
 * and refusals publish nothing.
 */
export type RoomDeps = Pick<
  ConferenceContext,
  'storage' | 'media' | 'options' | 'events' | 'control'
> & {
  log: MediaLog;
};

/** bcrypt cost of room passwords. */
const ROOM_PASSWORD_COST = 10;
/** bcrypt reads 72 bytes: the password is pre-hashed so that no part of it is ignored. */
const preHash = (password: string) =>
  createHmac('sha384', 'videoconf.room-password.v1').update(password, 'utf8').digest('base64');

export const hashRoomPassword = (password: string): Promise<string> =>
  bcrypt.hash(preHash(password), ROOM_PASSWORD_COST);

export const roomPasswordMatches = (password: string, hash: string): Promise<boolean> =>
  bcrypt.compare(preHash(password), hash);

/** A room that ended or was cancelled accepts no more changes (deleting it is still allowed). */
export const isOver = (room: Pick<RoomRecord, 'status'>): boolean =>
  room.status === 'ended' || room.status === 'cancelled';

export function requireNotOver(room: Pick<RoomRecord, 'status'>): void {
  if (isOver(room)) throw new ConferenceError('ROOM_ENDED');
}

function checkSchedule(start: string | null, end: string | null): void {
  if (start !== null && end !== null && Date.parse(end) < Date.parse(start)) {
    throw new ConferenceError(
      'VALIDATION_ERROR',
      'scheduledEndAt must not precede scheduledStartAt',
    );
  }
}

/** A timestamp as stored and answered: ISO-8601 in UTC with milliseconds. */
const normalizeTime = <T extends string | null | undefined>(value: T): T =>
  (typeof value === 'string' ? new Date(value).toISOString() : value) as T;

const trimmedOrNull = (text: string | null | undefined): string | null => {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
};

// Create, read, update, delete

export async function createRoom(
  deps: RoomDeps,
  principal: Principal,
  body: CreateRoomBody,
): Promise<RoomRecord> {
  const scheduledStartAt = normalizeTime(body.scheduledStartAt ?? null);
  const scheduledEndAt = normalizeTime(body.scheduledEndAt ?? null);
  checkSchedule(scheduledStartAt, scheduledEndAt);
  return deps.storage.createRoom({
    title: body.title.trim(),
    description: trimmedOrNull(body.description),
    hostUserId: principal.user.id,
    maxParticipants: body.maxParticipants ?? 100,
    waitingRoomEnabled: body.waitingRoomEnabled ?? false,
    passwordHash: body.password ? await hashRoomPassword(body.password) : null,
    scheduledStartAt,
    scheduledEndAt,
    livekitRoomName: `vc-${randomUUID()}`,
    settings: { ...DEFAULT_ROOM_SETTINGS, ...body.settings },
  });
}

export interface RoomUpdate {
  room: RoomRecord;
  /** Names of the fields that changed, e.g. `title`, `password`, `settings.chatEnabled`. */
  changed: string[];
}

/** Applies a partial update; `password: null` clears the password. */
export async function updateRoom(
  deps: RoomDeps,
  access: RoomAccess,
  body: UpdateRoomBody,
): Promise<RoomUpdate> {
  const { room } = access;
  requireNotOver(room);
  const patch: RoomPatch = {};
  const changed: string[] = [];
  const set = <K extends keyof RoomPatch & keyof RoomRecord>(key: K, value: RoomPatch[K]) => {
    if (value === undefined || value === room[key]) return;
    patch[key] = value;
    changed.push(key);
  };
  set('title', body.title?.trim());
  if (body.description !== undefined) set('description', trimmedOrNull(body.description));
  set('maxParticipants', body.maxParticipants);
  set('waitingRoomEnabled', body.waitingRoomEnabled);
  const scheduledStartAt = normalizeTime(body.scheduledStartAt);
  const scheduledEndAt = normalizeTime(body.scheduledEndAt);
  set('scheduledStartAt', scheduledStartAt);
  set('scheduledEndAt', scheduledEndAt);
  checkSchedule(
    scheduledStartAt !== undefined ? scheduledStartAt : room.scheduledStartAt,
    scheduledEndAt !== undefined ? scheduledEndAt : room.scheduledEndAt,
  );
  if (body.password === null && room.passwordHash !== null) {
    patch.passwordHash = null;
    changed.push('password');
  } else if (typeof body.password === 'string') {
    patch.passwordHash = await hashRoomPassword(body.password);
    changed.push('password');
  }
  if (body.settings) {
    const settings: RoomSettings = { ...room.settings, ...body.settings };
    const keys = (Object.keys(settings) as (keyof RoomSettings)[]).filter(
      (key) => settings[key] !== room.settings[key],
    );
    if (keys.length > 0) {
      patch.settings = settings;
      changed.push(...keys.map((key) => `settings.${key}`));
    }
  }
  if (changed.length === 0) return { room, changed };
  const updated = await deps.storage.updateRoom(room.id, patch);
  if (!updated) throw new ConferenceError('ROOM_NOT_FOUND');
  await deps.events(updated.id, 'room.updated', { room: toRoom(updated) });
  if (updated.settings.screenShare !== room.settings.screenShare) {
    await applyScreenSharePolicy(deps, updated);
  }
  return { room: updated, changed };
}

/** May this participant publish screen share in this room? */
export const canShareScreen = (room: Pick<RoomRecord, 'settings'>, participant: Participant) =>
  room.settings.screenShare === 'everyone' || participant.role !== 'participant';

/**
 * Tells the media server the new screen-share permission of every connected participant whose
 * permission depends on the room setting (hosts and co-hosts always may).
 */
async function applyScreenSharePolicy(deps: RoomDeps, room: RoomRecord): Promise<void> {
  const { media } = deps;
  if (!media) return;
  const participants = await deps.storage.listActiveParticipants(room.id);
  await Promise.all(
    participants
      .filter((participant) => participant.role === 'participant')
      .map((participant) =>
        bestEffort(
          deps.log,
          'updateParticipant',
          { room: room.livekitRoomName, identity: participant.userId },
          () =>
            media.updateParticipant(room.livekitRoomName, {
              participant,
              canShareScreen: canShareScreen(room, participant),
            }),
        ),
      ),
  );
}

/**
 * Deletes the room and what belongs to it; the media room closes, disconnecting everyone, and
 * every instance is told (control message `room.deleted`) to close the room's sockets.
 */
export async function deleteRoom(deps: RoomDeps, access: RoomAccess): Promise<RoomRecord> {
  const { room } = access;
  if (!(await deps.storage.deleteRoom(room.id))) throw new ConferenceError('ROOM_NOT_FOUND');
  await deps.control({ type: 'room.deleted', roomId: room.id });
  await closeMediaRoom(deps, room);
  return room;
}

/**
 * Ends the room: every active participant leaves with `room_ended`, pending entries expire.
 * One `room.ended` event stands for all of it (no `participant.left` per participant).
 */
export async function endRoom(deps: RoomDeps, access: RoomAccess): Promise<EndRoomResult> {
  requireNotOver(access.room);
  const result = await deps.storage.endRoom(access.room.id, new Date().toISOString(), 'room_ended');
  if (!result) throw new ConferenceError('ROOM_NOT_FOUND');
  await deps.events(result.room.id, 'room.ended', { room: toRoom(result.room) });
  await closeMediaRoom(deps, result.room);
  return result;
}

async function closeMediaRoom(deps: RoomDeps, room: RoomRecord): Promise<void> {
  const { media } = deps;
  if (!media) return;
  await bestEffort(deps.log, 'deleteRoom', { room: room.livekitRoomName }, () =>
    media.deleteRoom(room.livekitRoomName),
  );
}

/**
 * Locks or unlocks the room: a locked room admits nobody new except its host. `changed` is false
 * when the room already was in that state (the answer is the same; nothing is recorded).
 */
export async function setRoomLocked(
  deps: RoomDeps,
  access: RoomAccess,
  locked: boolean,
): Promise<{ room: RoomRecord; changed: boolean }> {
  requireNotOver(access.room);
  if (access.room.isLocked === locked) return { room: access.room, changed: false };
  const updated = await deps.storage.updateRoom(access.room.id, { isLocked: locked });
  if (!updated) throw new ConferenceError('ROOM_NOT_FOUND');
  await deps.events(updated.id, locked ? 'room.locked' : 'room.unlocked', {
    room: toRoom(updated),
  });
  return { room: updated, changed: true };
}

// Join and leave

export type JoinResult =
  | {
      status: 'joined';
      participant: Participant;
      /** False when the caller was already an active participant. */
      created: boolean;
      /** True when this join moved the room from scheduled to active. */
      roomStarted: boolean;
    }
  | {
      status: 'waiting';
      entry: WaitingEntry;
      /** False when the caller was already waiting (the same entry is returned). */
      created: boolean;
    };

/**
 * Joins the room, applying the rules in the order of the contract: not found · ended ·
 * already active (same participant) · the host (bypasses everything below) · kicked before ·
 * locked · password (unless an invite was redeemed) · waiting room · capacity.
 *
 * The checks before the admission are early answers; the storage repeats the ones that must
 * hold under concurrency (ended, kicked, capacity) atomically when it admits.
 *
 * Publishes `waiting.requested` for a new entry, or `participant.joined` for a new participant
 * (preceded by `room.updated` when this join started the room); a repeated join publishes
 * nothing.
 */
export async function joinRoom(
  deps: RoomDeps,
  access: RoomAccess,
  body: JoinRoomBody,
): Promise<JoinResult> {
  const result = await admitOrQueue(deps, access, body);
  if (!result.created) return result;
  if (result.status === 'waiting') {
    await deps.events(access.room.id, 'waiting.requested', { entry: result.entry });
  } else {
    await publishAdmission(deps, result.participant, result.roomStarted);
  }
  return result;
}

/**
 * Publishes that a participant was admitted (by a join or an approved entry): `room.updated`
 * first when the admission moved the room from scheduled to active, then `participant.joined`.
 */
export async function publishAdmission(
  deps: Pick<RoomDeps, 'storage' | 'events'>,
  participant: Participant,
  roomStarted: boolean,
): Promise<void> {
  if (roomStarted) {
    const room = await deps.storage.getRoom(participant.roomId);
    if (room) await deps.events(room.id, 'room.updated', { room: toRoom(room) });
  }
  await deps.events(participant.roomId, 'participant.joined', { participant });
}

async function admitOrQueue(
  deps: RoomDeps,
  access: RoomAccess,
  body: JoinRoomBody,
): Promise<JoinResult> {
  const { storage } = deps;
  const { room, principal } = access;
  const userId = principal.user.id;
  requireNotOver(room);
  if (access.participant) {
    return {
      status: 'joined',
      participant: access.participant,
      created: false,
      roomStarted: false,
    };
  }
  const displayName = body.displayName?.trim() || principal.user.displayName;
  const now = new Date().toISOString();
  if (access.isHost) {
    const admitted = await storage.admitParticipant({
      roomId: room.id,
      userId,
      displayName,
      role: 'host',
      enforceCapacity: false,
      now,
    });
    return { status: 'joined', ...admitted };
  }
  if (await storage.hasBeenKicked(room.id, userId)) {
    throw new ConferenceError('PARTICIPANT_KICKED');
  }
  if (room.isLocked) throw new ConferenceError('ROOM_LOCKED');
  if (room.passwordHash !== null && !(await storage.hasRedeemedInvite(room.id, userId))) {
    if (body.password === undefined || body.password === '') {
      throw new ConferenceError('ROOM_PASSWORD_REQUIRED');
    }
    if (!(await roomPasswordMatches(body.password, room.passwordHash))) {
      throw new ConferenceError('INVALID_ROOM_PASSWORD');
    }
  }
  if (room.waitingRoomEnabled) {
    const { entry, created } = await storage.requestWaitingEntry({
      roomId: room.id,
      userId,
      displayName,
      now,
    });
    return { status: 'waiting', entry, created };
  }
  const admitted = await storage.admitParticipant({
    roomId: room.id,
    userId,
    displayName,
    role: 'participant',
    enforceCapacity: true,
    now,
  });
  return { status: 'joined', ...admitted };
}

/** The caller leaves the room (reason `left`). */
export async function leaveRoom(deps: RoomDeps, access: RoomAccess): Promise<Participant> {
  const participant = requireParticipant(access);
  const left = await deps.storage.leaveParticipant(
    participant.id,
    'left',
    new Date().toISOString(),
  );
  if (!left) throw new ConferenceError('NOT_A_PARTICIPANT');
  await deps.events(left.roomId, 'participant.left', { participant: left });
  return left;
}
