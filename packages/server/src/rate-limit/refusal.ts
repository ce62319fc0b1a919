import type { FastifyReply } from 'fastify';
import { ConferenceError } from '../errors';

/**
 * The refusal of one of our own limiters (the rules of `rate_limit_rules`, the per-account login
 * throttle): the headers `@fastify/rate-limit` sends with its own refusals, and the
 * `429 RATE_LIMITED` error to throw. `what` opens the message, e.g. `Too many requests`.
 */
export function rateLimited(
  reply: FastifyReply,
  max: number,
  seconds: number,
  what: string,
): ConferenceError {
  reply.header('x-ratelimit-limit', max);
  reply.header('x-ratelimit-remaining', 0);
  reply.header('x-ratelimit-reset', seconds);
  reply.header('retry-after', seconds);
  return new ConferenceError('RATE_LIMITED', `${what}, retry in ${seconds} seconds`);
}
