import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { ConferenceError } from '../errors';
import type { RedisClient } from '../options';

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

const WARN_EVERY_MS = 30_000;

/**
 * For a limiter whose counters live in Redis: turns a failure of the store into the
 * `503 SERVICE_UNAVAILABLE` to answer (or to skip, with `skipOnError`), and logs `warning` at
 * most every 30 seconds, so that an outage does not write one line per request.
 */
export function storeUnavailable(
  log: FastifyBaseLogger,
  warning: string,
): (cause: unknown) => ConferenceError {
  let warnedAt = 0;
  return (cause) => {
    const now = Date.now();
    if (now - warnedAt >= WARN_EVERY_MS) {
      warnedAt = now;
      log.warn({ err: cause }, warning);
    }
    return new ConferenceError('SERVICE_UNAVAILABLE', 'Rate limiting is unavailable', { cause });
  };
}

/**
 * A Lua script as a command of `redis` (`defineCommand`, once per client: every instance of
 * the server on one client shares it), bound to that client.
 */
export function scriptCommand<Command extends (...args: never[]) => Promise<unknown>>(
  redis: RedisClient,
  name: string,
  numberOfKeys: number,
  lua: string,
): Command {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  return (redis as unknown as Record<string, Command>)[name]!.bind(redis) as Command;
}
