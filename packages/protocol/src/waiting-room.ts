import { type Static, Type } from '@sinclair/typebox';
import { Nullable, NullableTimestamp, Timestamp, Uuid } from './common';
import { Participant } from './participants';

export const WaitingStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
]);
export type WaitingStatus = Static<typeof WaitingStatus>;

export const WaitingEntry = Type.Object({
  id: Uuid,
  roomId: Uuid,
  userId: Uuid,
  displayName: Type.String(),
  status: WaitingStatus,
  requestedAt: Timestamp,
  decidedAt: NullableTimestamp,
  decidedByUserId: Nullable(Uuid),
  reason: Nullable(Type.String()),
});
export type WaitingEntry = Static<typeof WaitingEntry>;

export const EntryParams = Type.Object({ id: Uuid, entryId: Uuid });
export const RejectBody = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export type RejectBody = Static<typeof RejectBody>;

/** An approved entry and the participant it admitted. */
export const ApproveEntryResponse = Type.Object({ entry: WaitingEntry, participant: Participant });
export type ApproveEntryResponse = Static<typeof ApproveEntryResponse>;

export const RejectEntryResponse = Type.Object({ entry: WaitingEntry });
export type RejectEntryResponse = Static<typeof RejectEntryResponse>;
