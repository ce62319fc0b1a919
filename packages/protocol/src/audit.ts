import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from './common';

export const AuditEntry = Type.Object({
  id: Uuid,
  eventTime: Timestamp,
  actorUserId: Nullable(Uuid),
  actorRole: Nullable(Type.String()),
  roomId: Nullable(Uuid),
  eventType: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before: Type.Optional(Timestamp),
});
export type AuditQuery = Static<typeof AuditQuery>;
