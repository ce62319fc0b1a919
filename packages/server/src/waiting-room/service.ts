import type { Participant, WaitingEntry } from '@videoconf/protocol';
import type { ConferenceContext } from '../context';
import { ConferenceError } from '../errors';
import type { RoomAccess } from '../rooms/access';
import { publishAdmission, requireNotOver } from '../rooms/service';
import type { Storage } from '../storage/types';

/** What deciding on an entry needs: the storage, and the publisher of its events. */
export type WaitingDeps = Pick<ConferenceContext, 'storage' | 'events'>;

/** Pending entries of the room, oldest first (for the host and co-hosts). */
export async function listWaiting(storage: Storage, access: RoomAccess): Promise<WaitingEntry[]> {
  return storage.listPendingEntries(access.room.id);
}

/** An entry of this room; `ENTRY_NOT_FOUND` for an unknown one or one of another room. */
async function entryOfRoom(
  storage: Storage,
  access: RoomAccess,
  entryId: string,
): Promise<WaitingEntry> {
  const entry = await storage.getWaitingEntry(entryId);
  if (!entry || entry.roomId !== access.room.id) throw new ConferenceError('ENTRY_NOT_FOUND');
  return entry;
}

/**
 * One entry, for its own user (who polls it while knocking) or the host and co-hosts.
 * Anyone else: `FORBIDDEN`.
 */
export async function readEntry(
  storage: Storage,
  access: RoomAccess,
  entryId: string,
): Promise<WaitingEntry> {
  const entry = await entryOfRoom(storage, access, entryId);
  if (entry.userId !== access.principal.user.id && !access.isModerator) {
    throw new ConferenceError(
      'FORBIDDEN',
      'Only the host, a co-host or the entry’s user may read it',
    );
  }
  return entry;
}

export interface Decision {
  entry: WaitingEntry;
  /** The admitted participant when approved. */
  participant: Participant | null;
  roomStarted: boolean;
}

/**
 * Approves or rejects a pending entry (the caller is the host or a co-host, checked by the
 * route). The storage decides atomically: of concurrent decisions exactly one wins, the others
 * get `ENTRY_NOT_PENDING`; approving a full room throws `ROOM_FULL` and leaves it pending.
 *
 * Publishes `waiting.rejected`, or `waiting.approved` followed by `participant.joined` (and
 * `room.updated` first when the admission started the room). The participant is announced only
 * when the approval admitted it: a user who had meanwhile joined by other means is already in.
 */
export async function decideEntry(
  deps: WaitingDeps,
  access: RoomAccess,
  input: { entryId: string; decision: 'approved' | 'rejected'; reason?: string | null },
  now: Date = new Date(),
): Promise<Decision> {
  const { storage, events } = deps;
  requireNotOver(access.room);
  const entry = await entryOfRoom(storage, access, input.entryId);
  const reason = input.decision === 'rejected' ? input.reason?.trim() || null : null;
  const at = now.toISOString();
  const decision = await storage.decideWaitingEntry({
    entryId: entry.id,
    decision: input.decision,
    decidedByUserId: access.principal.user.id,
    reason,
    now: at,
  });
  if (decision.entry.status === 'rejected') {
    await events(access.room.id, 'waiting.rejected', { entry: decision.entry });
    return decision;
  }
  await events(access.room.id, 'waiting.approved', { entry: decision.entry });
  const { participant } = decision;
  // The storage admits with `joinedAt` = the decision time; an earlier one was already in.
  if (participant && Date.parse(participant.joinedAt) === Date.parse(at)) {
    await publishAdmission(deps, participant, decision.roomStarted);
  }
  return decision;
}
