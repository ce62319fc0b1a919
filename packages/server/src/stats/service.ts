import type { RoomStats, StatsReportBody, StatsSample } from '@videoconf/protocol';
import { ConferenceError } from '../errors';
import type { RoomAccess } from '../rooms/access';
import type { Storage } from '../storage/types';

/**
 * The rules of connection-quality stats. Functions take the storage and the caller's fresh
 * `RoomAccess`, throw `ConferenceError` with the contract's codes, and know nothing of Fastify.
 */
export type StatsActor = Pick<
  RoomAccess,
  'room' | 'principal' | 'participant' | 'isModerator' | 'isAdmin'
>;

/** Host, active co-host and technical admins read a room's stats; others `FORBIDDEN`. */
function requireStatsReader(actor: StatsActor): void {
  if (!actor.isModerator && !actor.isAdmin) {
    throw new ConferenceError('FORBIDDEN', 'Only the host, a co-host or an admin may read stats');
  }
}

/**
 * Records a sample for the caller's own active participant: room over (`ROOM_ENDED`), active
 * participant (`NOT_A_PARTICIPANT`). The body's bounds are checked by its schema.
 */
export async function reportStats(
  storage: Storage,
  actor: StatsActor,
  report: StatsReportBody,
  now: string = new Date().toISOString(),
): Promise<StatsSample> {
  if (actor.room.status === 'ended' || actor.room.status === 'cancelled') {
    throw new ConferenceError('ROOM_ENDED');
  }
  if (!actor.participant) throw new ConferenceError('NOT_A_PARTICIPANT');
  return storage.addStatsSample({
    roomId: actor.room.id,
    participantId: actor.participant.id,
    now,
    avgRttMs: report.avgRttMs,
    maxRttMs: report.maxRttMs,
    avgJitterMs: report.avgJitterMs,
    packetLossUpPercent: report.packetLossUpPercent,
    packetLossDownPercent: report.packetLossDownPercent,
    avgBitrateKbps: report.avgBitrateKbps,
    networkScore: report.networkScore,
  });
}

/** Per-participant averages over every sample of the room, with display names. */
export async function roomStats(storage: Storage, actor: StatsActor): Promise<RoomStats> {
  requireStatsReader(actor);
  const rows = await storage.summarizeRoomStats(actor.room.id);
  const participants = await Promise.all(
    rows.map(async (row) => {
      const participant = await storage.getParticipant(row.participantId);
      return { ...row, displayName: participant?.displayName ?? '' };
    }),
  );
  return { roomId: actor.room.id, participants };
}

/**
 * The samples of one participant of the room, oldest first: for stats readers and for the
 * user that participant is (also after leaving). A participant of another room or an unknown
 * one is `PARTICIPANT_NOT_FOUND`, told only to stats readers.
 */
export async function participantSamples(
  storage: Storage,
  actor: StatsActor,
  participantId: string,
): Promise<StatsSample[]> {
  const participant = await storage.getParticipant(participantId);
  const inRoom = participant !== null && participant.roomId === actor.room.id;
  if (!(inRoom && participant.userId === actor.principal.user.id)) requireStatsReader(actor);
  if (!inRoom) throw new ConferenceError('PARTICIPANT_NOT_FOUND');
  return storage.listStatsSamples(actor.room.id, participantId);
}
