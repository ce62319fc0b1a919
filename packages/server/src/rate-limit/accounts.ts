import { createHash } from 'node:crypto';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from '../options';
import { rateLimited, scriptCommand, storeUnavailable } from './refusal';

/** How long a client that logged in to an account keeps a failure budget of its own. */
const KNOWN_CLIENT_TTL_MS = 30 * 24 * 3600 * 1000;

/** Largest number of counters (and of known clients) the memory store keeps. */
const MEMORY_LIMIT = 100_000;

export interface LoginThrottleSettings {
  /** Failed logins an account accepts per window from one budget. */
  max: number;
  windowMs: number;
}

/**
 * The three keys of one attempt. One account's keys share a Redis hash tag (`{…}`), so that a
 * script may use them together on Redis Cluster too.
 */
interface AttemptKeys {
  /** Set when this client logged in to this account: it then has a budget of its own. */
  known: string;
  /** The budget that every client the account does not know shares. */
  shared: string;
  /** The budget of this client, once known. */
  own: string;
}

interface Taken {
  allowed: boolean;
  /** The counter that was taken (or that refused). */
  key: string;
  /** Milliseconds until that counter's window ends. */
  ttlMs: number;
  /** Failures counted on that counter, this one included. */
  count: number;
}

/** Where the failure counters live: process memory, or the Redis every instance shares. */
interface CounterStore {
  /**
   * Atomically: picks `own` when `known` is set, else `shared`, and takes one failure from its
   * budget unless `max` are taken already (then refuses without counting).
   */
  take(keys: AttemptKeys, max: number, windowMs: number): Promise<Taken>;
  /** Gives back a failure taken from `key` (the attempt did not fail), remembers the client. */
  succeed(key: string, known: string): Promise<void>;
  /** Gives back a failure taken from `key` (the attempt ended without a verdict). */
  release(key: string): Promise<void>;
}

/** One login attempt that holds a failure of its budget until it is settled. */
export interface LoginAttempt {
  /**
   * `failure`: wrong credentials, the failure stays counted. `success`: given back, and the
   * client gets a budget of its own for this account. `error`: no verdict (e.g. storage down),
   * given back.
   */
  settle(outcome: 'success' | 'failure' | 'error'): Promise<void>;
}

export interface LoginThrottle {
  /**
   * Takes one failure from the budget of `email` (normalized) for this client before the
   * password is checked, so that concurrent attempts cannot exceed it. Throws 429
   * `RATE_LIMITED` (with `retry-after`) when the budget is spent, 503 `SERVICE_UNAVAILABLE`
   * when the shared store fails.
   */
  begin(request: FastifyRequest, reply: FastifyReply, email: string): Promise<LoginAttempt>;
}

/**
 * Per-account login throttling (OWASP ASVS V6, the Authentication Cheat Sheet's "account
 * lockout"): failed logins are counted per account, whatever the IP, so that guesses spread
 * over many addresses are slowed too. Only failures consume the budget. A client (IP address,
 * IPv6 per /64) that logged in to the account successfully has a budget of its own for it, so
 * that an attack on an account does not lock its owner out on their usual networks. Accounts
 * are keyed by the email as typed (normalized, hashed), so unknown emails are throttled alike
 * and a refusal reveals nothing about whether an account exists.
 */
export function loginThrottle(
  settings: LoginThrottleSettings,
  redis: RedisClient | null,
  log: FastifyBaseLogger,
  nameSpace: string,
): LoginThrottle {
  const { max, windowMs } = settings;
  if (!Number.isInteger(max) || max < 1) {
    throw new Error('rateLimit.loginFailuresPerAccount must be a positive integer');
  }
  if (!Number.isInteger(windowMs) || windowMs < 1000) {
    throw new Error(
      'rateLimit.loginFailureWindowSeconds must be a whole number of seconds, 1 or more',
    );
  }
  const store = redis ? redisCounters(redis, nameSpace, log) : memoryCounters();

  return {
    async begin(request, reply, email) {
      const account = createHash('sha256').update(email).digest('base64url').slice(0, 32);
      const client = normalizeIP(request.ip);
      const keys: AttemptKeys = {
        known: `login-known:{${account}}:${client}`,
        shared: `login-failures:{${account}}`,
        own: `login-failures:{${account}}:${client}`,
      };
      const taken = await store.take(keys, max, windowMs);
      if (taken.allowed && taken.count === max) {
        // The last failure of a budget: logged once per window (the email is never logged).
        request.log.warn(
          { account, client, budget: taken.key === keys.own ? 'known client' : 'shared', max },
          'login throttle: this attempt spends the failed-login budget of an account',
        );
      }
      if (!taken.allowed) {
        const seconds = Math.max(1, Math.ceil(taken.ttlMs / 1000));
        throw rateLimited(reply, max, seconds, 'Too many failed logins for this account');
      }
      let settled = false;
      return {
        async settle(outcome) {
          if (settled) return;
          settled = true;
          if (outcome === 'failure') return;
          try {
            if (outcome === 'success') await store.succeed(taken.key, keys.known);
            else await store.release(taken.key);
          } catch (error) {
            // The login itself is decided; a counter left taken expires with its window.
            request.log.warn({ err: error }, 'login throttle: giving back a failure failed');
          }
        },
      };
    },
  };
}

/** Counters of this process: every instance counts on its own. */
function memoryCounters(): CounterStore {
  const counters = new Map<string, { count: number; expiresAt: number }>();
  const known = new Map<string, number>();

  // Every counter has the same window, and so does every known client: the order of insertion
  // is the order of expiry, and the oldest entry is the first to drop (or to evict when full).
  const sweep = <T>(map: Map<string, T>, expiresAt: (value: T) => number, now: number) => {
    for (const [key, value] of map) {
      if (expiresAt(value) > now && map.size < MEMORY_LIMIT) break;
      map.delete(key);
    }
  };
  const isKnown = (key: string, now: number) => (known.get(key) ?? 0) > now;
  const giveBack = (key: string) => {
    const counter = counters.get(key);
    if (counter && counter.count > 0) counter.count--;
  };

  return {
    async take(keys, max, windowMs) {
      const now = Date.now();
      sweep(counters, (c) => c.expiresAt, now);
      const key = isKnown(keys.known, now) ? keys.own : keys.shared;
      let counter = counters.get(key);
      if (!counter || counter.expiresAt <= now) {
        counters.delete(key);
        counter = { count: 0, expiresAt: now + windowMs };
        counters.set(key, counter);
      }
      const ttlMs = counter.expiresAt - now;
      if (counter.count >= max) return { allowed: false, key, ttlMs, count: counter.count };
      counter.count++;
      return { allowed: true, key, ttlMs, count: counter.count };
    },
    async succeed(key, knownKey) {
      giveBack(key);
      const now = Date.now();
      sweep(known, (expiresAt) => expiresAt, now);
      known.delete(knownKey);
      known.set(knownKey, now + KNOWN_CLIENT_TTL_MS);
    },
    async release(key) {
      giveBack(key);
    },
  };
}

/** KEYS: known, shared, own. ARGV: max, window. Returns {allowed (0/1), 1 = own, ttl, count}. */
const TAKE_SCRIPT = `
local own = redis.call('EXISTS', KEYS[1]) == 1
local key = own and KEYS[3] or KEYS[2]
local current = tonumber(redis.call('GET', key) or '0')
local ttl = redis.call('PTTL', key)
if current >= tonumber(ARGV[1]) and ttl > 0 then
  return {0, own and 1 or 0, ttl, current}
end
current = redis.call('INCR', key)
if current == 1 or ttl <= 0 then
  ttl = tonumber(ARGV[2])
  redis.call('PEXPIRE', key, ttl)
end
return {1, own and 1 or 0, ttl, current}
`;

/** KEYS: counter. Gives back one failure, never below zero. */
const RELEASE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

const TAKE_COMMAND = 'videoconfLoginTake';
const RELEASE_COMMAND = 'videoconfLoginRelease';

type TakeCommand = (
  known: string,
  shared: string,
  own: string,
  max: number,
  windowMs: number,
) => Promise<[number, number, number, number]>;
type ReleaseCommand = (key: string) => Promise<number>;

/** Counters in the Redis of the rate limits, shared by every instance; failures answer 503. */
function redisCounters(
  redis: RedisClient,
  nameSpace: string,
  log: FastifyBaseLogger,
): CounterStore {
  const takeCommand = scriptCommand<TakeCommand>(redis, TAKE_COMMAND, 3, TAKE_SCRIPT);
  const releaseCommand = scriptCommand<ReleaseCommand>(redis, RELEASE_COMMAND, 1, RELEASE_SCRIPT);
  const unavailable = storeUnavailable(log, 'login throttle store unavailable: logins answer 503');

  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`);
      return await run();
    } catch (cause) {
      throw unavailable(cause);
    }
  };

  return {
    async take(keys, max, windowMs) {
      const known = nameSpace + keys.known;
      const shared = nameSpace + keys.shared;
      const own = nameSpace + keys.own;
      const [allowed, isOwn, ttlMs, count] = await call(() =>
        takeCommand(known, shared, own, max, windowMs),
      );
      return { allowed: allowed === 1, key: isOwn === 1 ? own : shared, ttlMs, count };
    },
    async succeed(key, known) {
      await call(() =>
        Promise.all([
          redis.set(nameSpace + known, '1', 'PX', KNOWN_CLIENT_TTL_MS),
          releaseCommand(key),
        ]),
      );
    },
    async release(key) {
      await call(() => releaseCommand(key));
    },
  };
}
