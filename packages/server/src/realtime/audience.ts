import {
  CLOSE_CODES,
  type Participant,
  type ParticipantRole,
  type RoomEvent,
} from '@videoconf/protocol';

/**
 * What a socket is to its room, as far as the events it receives are concerned. It starts from
 * what storage said when the socket authenticated and follows the room's events from there.
 */
export interface Listener {
  readonly userId: string;
  /** The room's host: a member whether joined or not. */
  readonly isHost: boolean;
  /** A member receives the room's events: an active participant, or the host. */
  member: boolean;
  /** The user's active participant, when known. */
  participantId: string | null;
  role: ParticipantRole | null;
  /** The user's pending waiting-room entry (a socket in the lobby). */
  entryId: string | null;
}

/** What to do with one event for one socket. */
export interface Verdict {
  deliver: boolean;
  /** Close the socket after delivering (or without delivering). */
  close?: { code: number; reason: string };
}

const SKIP: Verdict = { deliver: false };
const DELIVER: Verdict = { deliver: true };

const isModerator = (listener: Listener) =>
  listener.member && (listener.isHost || listener.role === 'co_host');

/** The event concerns this socket's own participant (the current one when its id is known). */
const isOwnParticipant = (listener: Listener, participant: Participant) =>
  participant.userId === listener.userId &&
  (listener.participantId === null || listener.participantId === participant.id);

/**
 * Who hears what (docs/realtime.md "Who receives what"), and how an event changes the socket:
 * - members (active participants and the host) receive every room event except
 *   `waiting.requested`, which only the host and co-hosts receive;
 * - `waiting.approved` and `waiting.rejected` go to moderators and to the entry's user; an
 *   approved socket becomes a member, a rejected one is closed 4403;
 * - a socket in the lobby receives nothing else but `room.ended`;
 * - `participant.kicked` reaches the kicked user too, whose socket is then closed 4403; a
 *   participant that left is closed 4403 after its `participant.left` (the host stays a member);
 * - `room.ended` reaches everyone, then every socket is closed 4410.
 *
 * Mutates `listener` to follow the event, and returns the verdict for this socket.
 */
export function hear(listener: Listener, event: RoomEvent): Verdict {
  switch (event.type) {
    case 'participant.joined': {
      const { participant } = event.data;
      if (participant.userId === listener.userId) {
        listener.member = true;
        listener.participantId = participant.id;
        listener.role = participant.role;
        listener.entryId = null;
      }
      return listener.member ? DELIVER : SKIP;
    }
    case 'participant.role_changed': {
      if (!listener.member) return SKIP;
      if (isOwnParticipant(listener, event.data.participant)) {
        listener.role = event.data.participant.role;
      }
      return DELIVER;
    }
    case 'participant.left': {
      const { participant } = event.data;
      if (!listener.member) return SKIP;
      if (!isOwnParticipant(listener, participant)) return DELIVER;
      listener.participantId = null;
      listener.role = null;
      if (listener.isHost) return DELIVER;
      listener.member = false;
      // A kick or the end of the room closes the socket with its own event and code.
      if (participant.isKicked || participant.leaveReason === 'room_ended') return DELIVER;
      return { deliver: true, close: { code: CLOSE_CODES.FORBIDDEN, reason: 'left the room' } };
    }
    case 'participant.kicked': {
      const { participant } = event.data;
      if (participant.userId === listener.userId && !listener.isHost) {
        listener.member = false;
        listener.participantId = null;
        listener.role = null;
        return { deliver: true, close: { code: CLOSE_CODES.FORBIDDEN, reason: 'kicked' } };
      }
      return listener.member ? DELIVER : SKIP;
    }
    case 'waiting.requested':
      return isModerator(listener) ? DELIVER : SKIP;
    case 'waiting.approved': {
      if (event.data.entry.userId === listener.userId && !listener.member) {
        listener.member = true;
        listener.entryId = null;
        listener.role ??= 'participant';
        return DELIVER;
      }
      return isModerator(listener) ? DELIVER : SKIP;
    }
    case 'waiting.rejected': {
      if (event.data.entry.userId === listener.userId && !listener.member) {
        listener.entryId = null;
        return { deliver: true, close: { code: CLOSE_CODES.FORBIDDEN, reason: 'rejected' } };
      }
      return isModerator(listener) ? DELIVER : SKIP;
    }
    case 'room.ended':
      return { deliver: true, close: { code: CLOSE_CODES.ROOM_ENDED, reason: 'room ended' } };
    default:
      // Chat, room.updated, room.locked, room.unlocked.
      return listener.member ? DELIVER : SKIP;
  }
}
