import { type Static, Type } from '@sinclair/typebox';
import { Nullable, NullableTimestamp, Timestamp, Uuid } from './common';
import { DisplayName } from './names';
import { Room } from './rooms';
import { User } from './users';

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
  token: Type.String({ minLength: 1, maxLength: 256 }),
});

export const RedeemInviteBody = Type.Object({
  displayName: DisplayName,
});
export type RedeemInviteBody = Static<typeof RedeemInviteBody>;

/**
 * The answer to a redemption. An anonymous caller also receives a guest access token
 * (scoped to the invite's room) and its lifetime in seconds; a caller that sent a bearer
 * token keeps using its own token and receives only `room` and `user`.
 */
export const RedeemInviteResponse = Type.Object({
  room: Room,
  user: User,
  accessToken: Type.Optional(Type.String()),
  expiresIn: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type RedeemInviteResponse = Static<typeof RedeemInviteResponse>;
