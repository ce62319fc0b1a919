import { HealthResponse } from '@videoconf/protocol';
import { RETRY_AFTER } from '../http/errors';
import type { App } from '../http/types';
import { isClosing } from './shutdown';

const CHECK_TIMEOUT_MS = 2000;

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref();
    }),
  ]);

/** `/health` (storage and Redis checks) and Prometheus `/metrics`. */
export async function operationsRoutes(app: App) {
  const { storage, redis, bus, metrics, options } = app.videoconf;
  // The Redis check covers every Redis connection: the shared client and, when the event bus
  // is on Redis, its publisher and subscriber.
  const redisChecks: (() => Promise<unknown>)[] = [];
  if (redis) redisChecks.push(() => redis.ping());
  if (bus.name === 'redis') redisChecks.push(() => bus.ping());

  app.get(
    '/health',
    {
      config: { auth: 'none', shutdown: 'answer' },
      schema: { tags: ['operations'], response: { 200: HealthResponse, 503: HealthResponse } },
    },
    async (request, reply) => {
      const check = async (name: string, run: () => Promise<unknown>) => {
        try {
          await within(run(), CHECK_TIMEOUT_MS);
          return 'ok' as const;
        } catch (error) {
          request.log.warn({ err: error, check: name }, 'health check failed');
          return 'error' as const;
        }
      };
      const checks: { storage: 'ok' | 'error'; redis?: 'ok' | 'error' } = {
        storage: await check('storage', () => storage.ping()),
      };
      if (redisChecks.length > 0) {
        checks.redis = await check('redis', () => Promise.all(redisChecks.map((run) => run())));
      }
      // While the server closes, readiness checks must take it out of rotation.
      if (isClosing(request)) {
        reply.header('retry-after', RETRY_AFTER.SERVICE_UNAVAILABLE ?? '5');
        return reply.status(503).send({ status: 'shutting_down', checks });
      }
      const ok = Object.values(checks).every((value) => value === 'ok');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', checks });
    },
  );

  if (options.metrics !== false) {
    app.get(
      '/metrics',
      { config: { auth: 'none' }, schema: { tags: ['operations'], hide: true } },
      async (_request, reply) => {
        reply.header('content-type', metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  }
}
