import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Route-level `onSend` hook of every route whose answer carries a credential (access, refresh,
 * guest, media or invite token): `Cache-Control: no-store` and `Pragma: no-cache`, as RFC 6749
 * §5.1 asks of token responses, so that no browser or proxy cache keeps one. Set on every
 * answer of such a route, errors included, so that no answer of it is ever stored.
 */
export async function noStore(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  reply.header('cache-control', 'no-store');
  reply.header('pragma', 'no-cache');
  return payload;
}
