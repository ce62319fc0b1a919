import { type Static, Type } from '@sinclair/typebox';
import { Nullable, NullableTimestamp, Timestamp, Uuid } from './common';

export const Invite = Type.Object({
  id: Uuid,
  roomId: Uuid,
  token: Type.String(),
  label: Nullable(Type.String()),
  expiresAt: NullableTimestamp,
  maxUses: Nullable(Type.Integer()),
  usedCount: Type.Integer(),
  createdAt: Timestamp,
});
export type Invite = Static<typeof Invite>;

export const CreateInviteBody = Type.Object({
  label: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  expiresAt: Type.Optional(Nullable(Timestamp)),
  maxUses: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100000 }))),
});
export type CreateInviteBody = Static<typeof CreateInviteBody>;

export const InviteParams = Type.Object({ id: Uuid, inviteId: Uuid });
export const InviteTokenParams = Type.Object({
  token: Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});

export const RedeemInviteBody = Type.Object({
  displayName: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
});
