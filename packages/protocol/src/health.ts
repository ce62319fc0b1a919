import { Type } from '@sinclair/typebox';

export const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('error')]);

export const HealthResponse = Type.Object({
  status: CheckStatus,
  checks: Type.Object({
    storage: CheckStatus,
    redis: Type.Optional(CheckStatus),
  }),
});
