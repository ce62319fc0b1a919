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

/** `/admin/audit`: every room, optionally narrowed to one room (also a deleted one). */
export const AdminAuditQuery = Type.Composite([
  AuditQuery,
  Type.Object({ roomId: Type.Optional(Uuid) }),
]);
export type AdminAuditQuery = Static<typeof AdminAuditQuery>;
