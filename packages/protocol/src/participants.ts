import { type Static, Type } from '@sinclair/typebox';
import { Nullable, NullableTimestamp, Timestamp, Uuid } from './common';

export const ParticipantRole = Type.Union([
  Type.Literal('host'),
  Type.Literal('co_host'),
  Type.Literal('participant'),
]);
export type ParticipantRole = Static<typeof ParticipantRole>;

export const LeaveReason = Type.String();

export const Participant = Type.Object({
  id: Uuid,
  roomId: Uuid,
  userId: Uuid,
  displayName: Type.String(),
  role: ParticipantRole,
  joinedAt: Timestamp,
  leftAt: NullableTimestamp,
  leaveReason: Nullable(LeaveReason),
  isKicked: Type.Boolean(),
  livekitSid: Nullable(Type.String()),
});
export type Participant = Static<typeof Participant>;

export const ParticipantParams = Type.Object({ id: Uuid, participantId: Uuid });

export const KickBody = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export const ChangeRoleBody = Type.Object({
  role: Type.Union([Type.Literal('co_host'), Type.Literal('participant')]),
});
export const MuteBody = Type.Object({
  kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
});
