import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT_DIR } from './proc';

/**
 * `packages/server`, or BENCH_SERVER_DIR: the `packages/server` of another checkout (built), to
 * measure another version of the server against the same baselines (before/after a change).
 */
export const SERVER_DIR = process.env.BENCH_SERVER_DIR ?? join(ROOT_DIR, 'packages', 'server');

/**
 * `require` as seen from packages/server: the server's dependencies (fastify, pg, ioredis,
 * sequelize, bcrypt…) are installed there, not at the root of the workspace.
 */
export const requireFromServer = createRequire(join(SERVER_DIR, 'package.json'));

/** The built server (`packages/server/dist/<entry>.js`); `pnpm bench` builds it first. */
export function serverDist(entry: 'index' | 'sequelize' | 'redis' | 'testing' = 'index'): string {
  const file = join(SERVER_DIR, 'dist', `${entry}.js`);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build the server first (pnpm bench builds it)`);
  }
  return file;
}

/** Imports an entry of the built server. */
// biome-ignore lint/suspicious/noExplicitAny: the built module is typed by its caller
export async function importServer<T = any>(
  entry: 'index' | 'sequelize' | 'redis' | 'testing' = 'index',
): Promise<T> {
  return (await import(pathToFileURL(serverDist(entry)).href)) as T;
}

/** Imports a dependency of packages/server (fastify, pg, ioredis…), resolved from there. */
// biome-ignore lint/suspicious/noExplicitAny: typed by the caller
export async function importFromServer<T = any>(name: string): Promise<T> {
  const module = (await import(pathToFileURL(requireFromServer.resolve(name)).href)) as {
    default?: unknown;
  };
  return (module.default ?? module) as T;
}
