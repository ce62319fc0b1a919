import { HealthResponse } from '@videoconf/protocol';
import type { App } from '../http/types';

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
  const { storage, redis, metrics, options } = app.videoconf;

  app.get(
    '/health',
    {
      config: { auth: 'none' },
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
      if (redis) checks.redis = await check('redis', () => redis.ping());
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
