import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Timestamp, Uuid } from './common';

export const RateLimitScope = Type.Union([
  Type.Literal('global'),
  Type.Literal('ip'),
  Type.Literal('user'),
  Type.Literal('room'),
]);
export type RateLimitScope = Static<typeof RateLimitScope>;

const Limit = Nullable(Type.Integer({ minimum: 1, maximum: 10_000_000 }));

/**
 * A rate-limit rule managed by technical admins. `routePattern` is matched against the
 * route URL pattern (e.g. `/api/v1/rooms/:id/chat/messages`); `null` means every route.
 */
export const RateLimitRule = Type.Object({
  id: Uuid,
  scope: RateLimitScope,
  routePattern: Nullable(Type.String()),
  perMinute: Limit,
  perHour: Limit,
  perDay: Limit,
  enabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type RateLimitRule = Static<typeof RateLimitRule>;

const RoutePattern = Nullable(Type.String({ minLength: 1, maxLength: 200, pattern: '^/[^\\s]*$' }));

export const CreateRateLimitRuleBody = Type.Object({
  scope: RateLimitScope,
  routePattern: Type.Optional(RoutePattern),
  perMinute: Type.Optional(Limit),
  perHour: Type.Optional(Limit),
  perDay: Type.Optional(Limit),
  enabled: Type.Optional(Type.Boolean()),
});
export type CreateRateLimitRuleBody = Static<typeof CreateRateLimitRuleBody>;

export const UpdateRateLimitRuleBody = Type.Partial(CreateRateLimitRuleBody);
export type UpdateRateLimitRuleBody = Static<typeof UpdateRateLimitRuleBody>;

export const RuleParams = Type.Object({ ruleId: Uuid });
