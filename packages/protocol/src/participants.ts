import { type Static, Type } from '@sinclair/typebox';
import { ItemList, Nullable, NullableTimestamp, Timestamp, Uuid } from './common';

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
export type ParticipantParams = Static<typeof ParticipantParams>;

/** `GET /rooms/:id/participants`: the active participants, in order of joining. */
export const ParticipantList = ItemList(Participant);
export type ParticipantList = Static<typeof ParticipantList>;

export const KickBody = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export type KickBody = Static<typeof KickBody>;
export const ChangeRoleBody = Type.Object({
  role: Type.Union([Type.Literal('co_host'), Type.Literal('participant')]),
});
export type ChangeRoleBody = Static<typeof ChangeRoleBody>;
export const MuteBody = Type.Object({
  kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
});
export type MuteBody = Static<typeof MuteBody>;
