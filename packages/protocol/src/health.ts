import { type Static, Type } from '@sinclair/typebox';

export const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('error')]);

/** `ok` (200), `error` when a check fails (503), `shutting_down` while the server closes (503). */
export const HealthStatus = Type.Union([
  Type.Literal('ok'),
  Type.Literal('error'),
  Type.Literal('shutting_down'),
]);

export const HealthResponse = Type.Object({
  status: HealthStatus,
  checks: Type.Object({
    storage: CheckStatus,
    redis: Type.Optional(CheckStatus),
  }),
});
export type CheckStatus = Static<typeof CheckStatus>;
export type HealthStatus = Static<typeof HealthStatus>;
export type HealthResponse = Static<typeof HealthResponse>;
