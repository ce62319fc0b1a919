import type { Participant } from '@videoconf/protocol';
import { ConferenceError } from '../errors';
import { bestEffort } from '../media/livekit';
import type { RoomAccess } from '../rooms/access';
import { canShareScreen, type RoomDeps } from '../rooms/service';

/**
 * Moderation: who is in the room, kick, role change, mute. Authorisation (host, co-host) is
 * decided by the caller with `access.ts`; these functions hold the rules about the target.
 * A kick and a role change are published as room events once stored; a mute changes nothing
 * we store (LiveKit tells the clients) and publishes nothing.
 */

/** The active participants; for the host (joined or not) and active participants. */
export async function listParticipants(deps: RoomDeps, access: RoomAccess): Promise<Participant[]> {
  if (!access.isHost && !access.participant) throw new ConferenceError('NOT_A_PARTICIPANT');
  return deps.storage.listActiveParticipants(access.room.id);
}

/** An active participant of this room, or `PARTICIPANT_NOT_FOUND`. */
async function activeTarget(
  deps: RoomDeps,
  access: RoomAccess,
  participantId: string,
): Promise<Participant> {
  const target = await deps.storage.getParticipant(participantId);
  if (!target || target.roomId !== access.room.id || target.leftAt !== null) {
    throw new ConferenceError('PARTICIPANT_NOT_FOUND');
  }
  return target;
}

const isRoomHost = (access: RoomAccess, target: Participant) =>
  target.role === 'host' || target.userId === access.room.hostUserId;

/**
 * Removes a participant: it leaves (reason `kicked`), may not join this room again and gets no
 * more media tokens; the media server disconnects it. The host cannot be kicked; a co-host may
 * kick participants but not other co-hosts.
 */
export async function kickParticipant(
  deps: RoomDeps,
  access: RoomAccess,
  participantId: string,
  reason: string | null,
): Promise<Participant> {
  const target = await activeTarget(deps, access, participantId);
  if (isRoomHost(access, target))
    throw new ConferenceError('FORBIDDEN', 'The host cannot be kicked');
  if (!access.isHost && target.role !== 'participant') {
    throw new ConferenceError('FORBIDDEN', 'Only the host may kick a co-host');
  }
  const kicked = await deps.storage.kickParticipant(
    target.id,
    reason ?? 'kicked',
    new Date().toISOString(),
  );
  if (!kicked) throw new ConferenceError('PARTICIPANT_NOT_FOUND');
  await deps.events(kicked.roomId, 'participant.kicked', { participant: kicked });
  const { media } = deps;
  if (media) {
    const roomName = access.room.livekitRoomName;
    await bestEffort(
      deps.log,
      'removeParticipant',
      { room: roomName, identity: kicked.userId },
      () => media.removeParticipant(roomName, kicked.userId),
    );
  }
  return kicked;
}

export interface RoleChange {
  participant: Participant;
  from: Participant['role'];
}

/** The host makes a participant a co-host or back; the host's own role never changes. */
export async function changeParticipantRole(
  deps: RoomDeps,
  access: RoomAccess,
  participantId: string,
  role: 'co_host' | 'participant',
): Promise<RoleChange> {
  const target = await activeTarget(deps, access, participantId);
  if (isRoomHost(access, target)) {
    throw new ConferenceError('FORBIDDEN', "The host's role cannot change");
  }
  if (target.role === role) return { participant: target, from: target.role };
  const updated = await deps.storage.setParticipantRole(target.id, role);
  if (!updated) throw new ConferenceError('PARTICIPANT_NOT_FOUND');
  await deps.events(updated.roomId, 'participant.role_changed', { participant: updated });
  const { media } = deps;
  if (media) {
    const roomName = access.room.livekitRoomName;
    await bestEffort(
      deps.log,
      'updateParticipant',
      { room: roomName, identity: updated.userId },
      () =>
        media.updateParticipant(roomName, {
          participant: updated,
          canShareScreen: canShareScreen(access.room, updated),
        }),
    );
  }
  return { participant: updated, from: target.role };
}

/**
 * Mutes a participant's published audio or video tracks through the media server. The
 * participant may unmute itself again (as in LiveKit, Jitsi and Daily). Returns how many tracks
 * were muted: 0 when it is not connected to media or the media server could not be reached
 * (logged; the request still succeeds).
 */
export async function muteParticipant(
  deps: RoomDeps,
  access: RoomAccess,
  participantId: string,
  kind: 'audio' | 'video',
): Promise<{ participant: Participant; tracks: number }> {
  const target = await activeTarget(deps, access, participantId);
  const { media } = deps;
  if (!media) throw new ConferenceError('MEDIA_UNAVAILABLE');
  const roomName = access.room.livekitRoomName;
  const tracks = await bestEffort(
    deps.log,
    'muteTracks',
    { room: roomName, identity: target.userId, kind },
    () => media.muteTracks(roomName, target.userId, kind),
  );
  return { participant: target, tracks: tracks ?? 0 };
}
