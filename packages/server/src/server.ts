import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyRequest } from 'fastify';
import { clientErrorHandler, frameworkErrors, notFoundHandler } from './http/errors';
import type { App } from './http/types';
import { type ConferenceServerOptions, DEFAULT_BODY_LIMIT, REDACTED_LOG_PATHS } from './options';
import { conferencePlugin } from './plugin';

/** Masks secrets that travel in URLs: invite tokens in paths, `token` query parameters. */
export const redactUrl = (url: string): string =>
  url
    .replace(/\/invites\/[^/?#]+\/redeem/g, '/invites/[redacted]/redeem')
    .replace(/([?&](?:access_)?token=)[^&#]*/gi, '$1[redacted]');

/**
 * The pino options of the default logger: level from `LOG_LEVEL` (default `info`), secrets
 * redacted, request URLs with their tokens masked. Spread them to add a `stream` or a
 * `transport` of your own (the `videoconf` CLI adds pino-pretty this way).
 */
export const defaultLoggerOptions = () => ({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
  serializers: {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: redactUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    }),
  },
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
    logger: logger === undefined ? defaultLoggerOptions() : logger,
    trustProxy: trustProxy ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Refuse, rather than strip, __proto__ and constructor.prototype keys in JSON bodies.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // While closing, our scope answers 503 SERVICE_UNAVAILABLE in our error body and /health
    // its own shape (operations/shutdown.ts); Fastify's built-in 503 has neither.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Refusals of Node's HTTP parser and of the router answer our error body too.
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setNotFoundHandler(notFoundHandler);
  app.register(conferencePlugin, conference);
  return app;
}
