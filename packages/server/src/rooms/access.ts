import type { Participant } from '@videoconf/protocol';
import type { Principal } from '../auth/types';
import { ConferenceError } from '../errors';
import type { RoomRecord, Storage } from '../storage/types';

/** What the caller is to one room; every room route decides from this, never ad hoc. */
export interface RoomAccess {
  room: RoomRecord;
  principal: Principal;
  /** The caller's active participant in the room, if any. */
  participant: Participant | null;
  isHost: boolean;
  /** An active co-host. */
  isCoHost: boolean;
  /** Host or active co-host. */
  isModerator: boolean;
  isAdmin: boolean;
  /** The role recorded in audit entries. */
  actorRole: string;
}

export async function loadRoom(storage: Storage, roomId: string): Promise<RoomRecord> {
  const room = await storage.getRoom(roomId);
  if (!room) throw new ConferenceError('ROOM_NOT_FOUND');
  return room;
}

export async function roomAccess(
  storage: Storage,
  principal: Principal,
  roomId: string,
): Promise<RoomAccess> {
  const found = await storage.getRoomWithParticipant(roomId, principal.user.id);
  if (!found) throw new ConferenceError('ROOM_NOT_FOUND');
  const { room, participant } = found;
  const isHost = room.hostUserId === principal.user.id;
  const isCoHost = participant?.role === 'co_host';
  const isAdmin = principal.user.globalRole === 'technical_admin';
  return {
    room,
    principal,
    participant,
    isHost,
    isCoHost,
    isModerator: isHost || isCoHost,
    isAdmin,
    actorRole: isHost
      ? 'host'
      : isCoHost
        ? 'co_host'
        : participant
          ? 'participant'
          : isAdmin
            ? 'technical_admin'
            : principal.user.globalRole,
  };
}

export function requireHost(access: RoomAccess): void {
  if (!access.isHost) throw new ConferenceError('FORBIDDEN', 'Only the host may do this');
}

export function requireModerator(access: RoomAccess): void {
  if (!access.isModerator) {
    throw new ConferenceError('FORBIDDEN', 'Only the host or a co-host may do this');
  }
}

/** The caller's active participant; `NOT_A_PARTICIPANT` otherwise. */
export function requireParticipant(access: RoomAccess): Participant {
  if (!access.participant) throw new ConferenceError('NOT_A_PARTICIPANT');
  return access.participant;
}

/** Guests act only inside the room of their invite and never create rooms. */
export function requireRegistered(principal: Principal): void {
  if (principal.user.isGuest) {
    throw new ConferenceError('FORBIDDEN', 'Guests cannot do this');
  }
}

/** The audit actor of a room action: the caller, with its role in the room (or `role`). */
export const actorOf = (access: RoomAccess, role: string = access.actorRole) => ({
  userId: access.principal.user.id,
  role,
});

/** What a room route's request carries: the room id and the authenticated caller. */
export interface RequestForRoom {
  params: { id: string };
  videoconf: { principal: Principal | null };
}
