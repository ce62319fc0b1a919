import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Principal } from '../auth/types';
import type { ConferenceContext } from '../context';
import { ConferenceError } from '../errors';

/** How a route is authenticated: `required` (default), `optional` or `none`. */
export type RouteAuth = 'required' | 'optional' | 'none';

declare module 'fastify' {
  interface FastifyInstance {
    videoconf: ConferenceContext;
  }
  interface FastifyRequest {
    /** Per-request state of videoconf routes. */
    videoconf: { principal: Principal | null; authError: Error | null };
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** Stricter per-IP rate limit of credential routes (register, login, refresh, redeem). */
    rateLimitGroup?: 'credentials';
  }
}

/** A Fastify instance with the TypeBox type provider, as every videoconf route scope uses. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The authenticated caller; `UNAUTHORIZED` when the route was reached without one. */
export function principalOf(request: { videoconf: { principal: Principal | null } }): Principal {
  const principal = request.videoconf.principal;
  if (!principal) throw new ConferenceError('UNAUTHORIZED');
  return principal;
}
