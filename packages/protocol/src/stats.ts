import { type Static, Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from './common';

const NonNegative = Type.Number({ minimum: 0, maximum: 1e9 });
const Percent = Type.Number({ minimum: 0, maximum: 100 });

export const StatsReportBody = Type.Object({
  avgRttMs: NonNegative,
  maxRttMs: NonNegative,
  avgJitterMs: NonNegative,
  packetLossUpPercent: Percent,
  packetLossDownPercent: Percent,
  avgBitrateKbps: NonNegative,
  networkScore: Type.Number({ minimum: 0, maximum: 5 }),
});
export type StatsReportBody = Static<typeof StatsReportBody>;

export const StatsSample = Type.Composite([
  Type.Object({ id: Uuid, roomId: Uuid, participantId: Uuid, recordedAt: Timestamp }),
  StatsReportBody,
]);
export type StatsSample = Static<typeof StatsSample>;

export const ParticipantStatsSummary = Type.Object({
  participantId: Uuid,
  displayName: Type.String(),
  samples: Type.Integer(),
  avgRttMs: Type.Number(),
  avgJitterMs: Type.Number(),
  packetLossUpPercent: Type.Number(),
  packetLossDownPercent: Type.Number(),
  avgBitrateKbps: Type.Number(),
  networkScore: Type.Number(),
});
export type ParticipantStatsSummary = Static<typeof ParticipantStatsSummary>;

export const RoomStats = Type.Object({
  roomId: Uuid,
  participants: Type.Array(ParticipantStatsSummary),
});
export type RoomStats = Static<typeof RoomStats>;
