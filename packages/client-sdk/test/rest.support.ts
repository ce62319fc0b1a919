// A real videoconf server for the REST client's tests: `createConferenceServer` listening on a
// free loopback port, over a memory or a PostgreSQL storage.
import type { AddressInfo } from 'node:net';
import {
  type ConferenceServerOptions,
  createConferenceServer,
  passwordAuth,
} from '@videoconf/server';

export const TEST_SECRET = 'client-sdk-test-secret-of-at-least-32-bytes';

export type App = ReturnType<typeof createConferenceServer>;

export interface RunningServer {
  app: App;
  /** `http://127.0.0.1:<port>`: the client's `server` option. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a quiet server (fast bcrypt, no rate limits) on `port` (a free one by default) and
 * waits until it listens.
 */
export async function startServer(
  options: ConferenceServerOptions = {},
  port = 0,
): Promise<RunningServer> {
  const app = createConferenceServer({
    logger: false,
    jwtSecret: TEST_SECRET,
    auth: passwordAuth({ bcryptCost: 4 }),
    rateLimit: false,
    ...options,
  });
  await app.listen({ port, host: '127.0.0.1' });
  const bound = (app.server.address() as AddressInfo).port;
  return { app, url: `http://127.0.0.1:${bound}`, port: bound, close: () => app.close() };
}

export { storages } from '../../server/test/support/storages';

/** A `fetch` that records the path and time of every request it sends (counts refreshes). */
export function countingFetch(): {
  fetch: typeof fetch;
  paths: string[];
  times: number[];
  count(path: string): number;
} {
  const paths: string[] = [];
  const times: number[] = [];
  return {
    paths,
    times,
    fetch: (input, init) => {
      paths.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
      times.push(Date.now());
      return fetch(input, init);
    },
    count: (path) => paths.filter((p) => p.endsWith(path)).length,
  };
}

/** A unique email for a test user. */
export const email = (name = 'user') => `${name}-${crypto.randomUUID()}@example.com`;
export const PASSWORD = 'a good long password';
