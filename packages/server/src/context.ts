import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { type AuditRecorder, createAuditRecorder } from './audit/record';
import { passwordAuth } from './auth/password';
import { createTokenService, generateSecret, type TokenService } from './auth/tokens';
import type { AuthHandler } from './auth/types';
import { livekitMedia, type MediaBackend } from './media/livekit';
import { createMetrics, type Metrics } from './operations/metrics';
import type { ConferenceOptions, RedisClient } from './options';
import { type EventBus, memoryBus } from './realtime/bus';
import {
  type ControlPublisher,
  createControlPublisher,
  createRoomEvents,
  type RoomEvents,
} from './realtime/events';
import { memoryStorage } from './storage/memory';
import type { Storage } from './storage/types';

/** Everything the routes of one server share, as `app.videoconf`. */
export interface ConferenceContext {
  readonly options: ConferenceOptions;
  readonly storage: Storage;
  readonly auth: AuthHandler;
  readonly tokens: TokenService;
  readonly metrics: Metrics;
  /** Redis client when configured; shared by the rate-limit store and health. */
  readonly redis: RedisClient | null;
  readonly adminEmails: ReadonlySet<string>;
  /** The media server; null when LiveKit is not configured (media routes answer 503). */
  readonly media: MediaBackend | null;
  /** Writes audit entries; never throws. */
  readonly audit: AuditRecorder;
  /** Fan-out of room events between instances. */
  readonly bus: EventBus;
  /** Publishes a room event; features call it once per state change. Never throws. */
  readonly events: RoomEvents;
  /** Publishes a control message (logout, room deleted) to every instance. Never throws. */
  readonly control: ControlPublisher;
  /** Releases what the context created (not what the caller passed in). */
  close(): Promise<void>;
}

const isProduction = () => process.env.NODE_ENV === 'production';

export async function createContext(
  options: ConferenceOptions,
  log: FastifyBaseLogger,
): Promise<ConferenceContext> {
  let secret = options.jwtSecret;
  if (!secret) {
    if (isProduction()) {
      throw new Error('jwtSecret (JWT_SECRET) is required when NODE_ENV=production');
    }
    secret = generateSecret();
    log.warn('No JWT secret configured: generated one for this process; tokens end with it');
  }
  const tokens = createTokenService({ secret, accessTokenTtl: options.accessTokenTtl ?? 900 });

  const ownsStorage = options.storage === undefined;
  const storage = options.storage ?? memoryStorage();
  await storage.init();

  let redis: RedisClient | null = null;
  let ownsRedis = false;
  if (options.redis) {
    if ('client' in options.redis) {
      redis = options.redis.client;
    } else {
      const { createRedisClient } = await import('@videoconf/server/redis');
      redis = await createRedisClient(options.redis.url);
      ownsRedis = true;
    }
  }

  const auth = (options.auth ?? passwordAuth()).setup({ storage, tokens, log });
  const adminEmails = new Set((options.adminEmails ?? []).map((e) => e.trim().toLowerCase()));

  // The bus: the caller's, else Redis pub/sub when Redis is configured, else in-process.
  const ownsBus = options.bus === undefined;
  let bus: EventBus;
  if (options.bus) {
    bus = options.bus;
  } else if (options.redis) {
    const { redisBus } = await import('@videoconf/server/redis');
    // Own connections for a URL (publishes are never resent after a reconnection); a client
    // of the caller's publishes, and a duplicate of it subscribes.
    bus =
      'client' in options.redis
        ? // `redis.client` is documented as an ioredis client: its type only names what we use.
          redisBus({ client: options.redis.client as Redis, log })
        : redisBus({ url: options.redis.url, log });
  } else {
    bus = memoryBus();
  }

  return {
    options,
    storage,
    auth,
    tokens,
    metrics: createMetrics(),
    redis,
    adminEmails,
    media: options.livekit ? livekitMedia(options.livekit) : null,
    audit: createAuditRecorder(storage, log),
    bus,
    events: createRoomEvents(bus, log),
    control: createControlPublisher(bus, log),
    async close() {
      if (ownsBus) await bus.close();
      if (ownsRedis && redis) redis.disconnect();
      if (ownsStorage) await storage.close();
    },
  };
}
