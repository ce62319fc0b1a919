import { Redis, type RedisOptions } from 'ioredis';

export { type RedisBusLog, type RedisBusOptions, redisBus } from './bus';

/**
 * A Redis client tuned for request paths: commands fail fast while Redis is unreachable
 * (no offline queue, one retry) and the client keeps reconnecting in the background.
 */
export async function createRedisClient(url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...options,
  });
  client.on('error', () => {
    // Reported through health checks and request failures; ioredis reconnects on its own.
  });
  try {
    await client.connect();
  } catch {
    // Unreachable at start: routes fail open or closed as documented while it retries.
  }
  return client;
}
