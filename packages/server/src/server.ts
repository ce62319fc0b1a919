import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { notFoundHandler } from './http/errors';
import type { App } from './http/types';
import { type ConferenceServerOptions, DEFAULT_BODY_LIMIT, REDACTED_LOG_PATHS } from './options';
import { conferencePlugin } from './plugin';

const defaultLogger = (): FastifyServerOptions['logger'] => ({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
});

/**
 * Builds a Fastify instance serving videoconf, not yet listening: call `app.listen()`, or
 * `app.inject()` in tests (both wait for the plugins to load; `await app.ready()` surfaces a
 * storage that cannot start). `app.close()` drains connections and closes
 * what the server created.
 */
export function createConferenceServer(options: ConferenceServerOptions = {}): App {
  const { logger, trustProxy, ...conference } = options;
  const app = Fastify({
    logger: logger === undefined ? defaultLogger() : logger,
    trustProxy: trustProxy ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Refuse, rather than strip, __proto__ and constructor.prototype keys in JSON bodies.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setNotFoundHandler(notFoundHandler);
  app.register(conferencePlugin, conference);
  return app;
}
