import type { FastifyServerOptions } from 'fastify';
import type { AuthAdapter } from './auth/types';
import type { EmbedOptions } from './http/embed';
import type { EventBus } from './realtime/bus';
import type { Storage } from './storage/types';

export interface LivekitOptions {
  /** The LiveKit server URL clients connect to, e.g. `wss://my.livekit.cloud`. */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Lifetime of media tokens in seconds. Default 600. */
  tokenTtl?: number;
  /** Grant `roomAdmin` to hosts and co-hosts. Default false. */
  roomAdminForHosts?: boolean;
}

export interface RateLimitSettings {
  /** Requests a minute for anonymous callers, per IP. Default 300. */
  anonymousPerMinute?: number;
  /** Requests a minute for authenticated callers, per user. Default 1200. */
  userPerMinute?: number;
  /** Requests a minute per IP on register, login, refresh and invite redemption. Default 20. */
  authPerMinute?: number;
  /**
   * Per-IP budgets (anonymous and credential routes) do not apply to loopback callers: for
   * development and local test suites. Per-user budgets and admin rules still apply. Behind a
   * reverse proxy on the same machine, set `trustProxy` or every client counts as loopback.
   * Default false; `videoconf serve` turns it on unless `NODE_ENV=production`.
   */
  exemptLoopback?: boolean;
  /**
   * Failed logins one account accepts per window, whatever the IP, before further logins to it
   * answer 429. A client (IP) that logged in to the account has a budget of its own for it, so
   * an attack does not lock the owner out. Default 10.
   */
  loginFailuresPerAccount?: number;
  /** The window of `loginFailuresPerAccount`, in seconds. Default 900 (15 minutes). */
  loginFailureWindowSeconds?: number;
}

/** Tuning of the WebSocket gateway (`/ws/rooms/:id`); the defaults suit production. */
export interface RealtimeOptions {
  /** Milliseconds a new socket has to send its auth frame (closed 4408 after). Default 5000. */
  authTimeoutMs?: number;
  /**
   * Milliseconds between server pings; a socket that did not answer the previous ping is
   * dropped. Default 30000.
   */
  heartbeatMs?: number;
  /** Unsent bytes a socket may queue before it is closed with 4000 (resume). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** `chat.send` frames a second per connection. Default 10. */
  chatPerSecond?: number;
  /** Burst of `chat.send` frames per connection. Default 20. */
  chatBurst?: number;
}

/**
 * The part of an ioredis client (`Redis` of the `ioredis` package) that the server uses. Declared
 * here so that the types of `@videoconf/server` do not need ioredis installed; pass an ioredis
 * client, which is what `redisBus()` needs too.
 */
export interface RedisClient {
  readonly status: string;
  ping(): Promise<string>;
  disconnect(): void;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  set(key: string, value: string, expiry: 'PX', milliseconds: number): Promise<unknown>;
}

export interface ConferenceOptions {
  /** Where state lives. Default: `memoryStorage()`. The caller closes what it passes in. */
  storage?: Storage;
  /** Identity. Default: `passwordAuth()`. */
  auth?: AuthAdapter;
  /**
   * Secret that signs access tokens (HS256, at least 32 bytes). Default: generated per start
   * with a warning; required when `NODE_ENV=production`.
   */
  jwtSecret?: string;
  /** Lifetime of access tokens in seconds. Default 900. */
  accessTokenTtl?: number;
  /** Lifetime of guest access tokens in seconds. Default 4 hours. */
  guestTokenTtl?: number;
  /** Media server; without it media routes answer 503 `MEDIA_UNAVAILABLE`. */
  livekit?: LivekitOptions;
  /**
   * Fan-out of room events between server instances. Default: `redisBus()` on `redis` when
   * that is set, else `memoryBus()` (one instance). The caller closes what it passes in.
   */
  bus?: EventBus;
  /**
   * Redis for the rate-limit store (and the event bus). A URL, or an ioredis client you own
   * (`new Redis(…)` of `ioredis`, which you then install).
   */
  redis?: { url: string } | { client: RedisClient };
  /** Origins allowed to call the API and open sockets. Default: same origin only. */
  cors?: { origins: string[] };
  /** `false` disables rate limiting. */
  rateLimit?: false | RateLimitSettings;
  /** Emails that are technical admins. */
  adminEmails?: string[];
  /** Largest accepted request body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Serve OpenAPI at `/docs/json` and a UI at `/docs`. Default true. */
  docs?: boolean;
  /** Serve Prometheus metrics at `/metrics`. Default true. */
  metrics?: boolean;
  /** WebSocket gateway tuning (timeouts, heartbeat, slow-consumer cap, chat rate). */
  realtime?: RealtimeOptions;
  /**
   * Serve the web components' embed script (`dist/videoconf.js` of `@videoconf/web-components`)
   * at `/embed/videoconf.js` to pages of any origin (docs/embed.md). A file that cannot be read
   * fails the start. Default: not served (404).
   */
  embed?: EmbedOptions;
}

export interface ConferenceServerOptions extends ConferenceOptions {
  /** Fastify logger options or instance. Default: pino at `info` with secrets redacted. */
  logger?: FastifyServerOptions['logger'];
  /** Forwarded headers to trust (see Fastify `trustProxy`). Default false. */
  trustProxy?: FastifyServerOptions['trustProxy'];
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Log paths that never reach the log in clear. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.apiSecret',
  '*.jwtSecret',
];

/** Splits a comma-separated environment value. */
export const listFromEnv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
