import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConferenceError } from '../errors';

/**
 * The HTTP servers whose Fastify instance is closing. Keyed by the Node server, which every
 * encapsulated instance of one app shares, so that a handler of any scope (the host's
 * not-found handler too) can tell.
 */
const closing = new WeakSet<object>();

/** Whether the app that serves `request` has begun to close (`app.close()`). */
export const isClosing = (request: FastifyRequest): boolean => closing.has(request.server.server);

/**
 * The refusal of a request that arrives while the server is closing: `503 SERVICE_UNAVAILABLE`
 * (our error body, `retry-after`, `connection: close`), except for a route that answers by
 * itself (`/health`: `503 {status: "shutting_down", checks}`); `undefined` otherwise. Checked by
 * the API scope's `onRequest` hook (plugin.ts) and by the not-found handler.
 */
export const closingRefusal = (request: FastifyRequest): ConferenceError | undefined =>
  !closing.has(request.server.server) || request.routeOptions.config?.shutdown === 'answer'
    ? undefined
    : new ConferenceError('SERVICE_UNAVAILABLE', 'Server is shutting down');

/**
 * Marks the server as closing from the moment `app.close()` begins (see `closingRefusal`).
 * Needs Fastify's `return503OnClosing: false`: with Fastify's default, Fastify answers such
 * requests itself, with a body without `code`, before any hook runs.
 */
export function trackClosing(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    closing.add(app.server);
    done();
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `answer`: the route answers by itself while the server closes (`/health`). */
    shutdown?: 'answer';
  }
}
