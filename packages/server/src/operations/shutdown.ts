import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConferenceError } from '../errors';

/**
 * The HTTP servers whose Fastify instance is closing. Keyed by the Node server, which every
 * encapsulated instance of one app shares, so that a handler of any scope (the host's
 * not-found handler too) can tell.
 */
const closing = new WeakSet<object>();

/** Whether the app that serves `request` has begun to close (`app.close()`). */
export const isClosing = (request: FastifyRequest): boolean => closing.has(request.server.server);

/** The refusal of every request that arrives while the server is closing. */
export const shuttingDown = () =>
  new ConferenceError('SERVICE_UNAVAILABLE', 'Server is shutting down');

/**
 * From the moment `app.close()` begins, answers every request of this scope with
 * `503 SERVICE_UNAVAILABLE` (our error body, `retry-after`, `connection: close`), except
 * `/health`, which answers `503 {status: "shutting_down", checks}`. Needs Fastify's
 * `return503OnClosing: false`: with Fastify's default, Fastify answers such requests itself,
 * with a body without `code`, before any hook runs.
 */
export function refuseWhileClosing(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    closing.add(app.server);
    done();
  });
  app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done) => {
    if (!closing.has(request.server.server) || request.routeOptions.config?.shutdown === 'answer') {
      done();
      return;
    }
    done(shuttingDown());
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `answer`: the route answers by itself while the server closes (`/health`). */
    shutdown?: 'answer';
  }
}
