import { randomBytes } from 'node:crypto';
import pg from 'pg';

const { Client } = pg;
type PgClient = pg.Client;

const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database `videoconf_test_<random hex>` on the admin server and returns its
 * URL; `drop()` removes it, disconnecting whoever is still connected.
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  // Only [0-9a-f_] characters: safe to quote as an identifier (DDL takes no bind parameters).
  const name = `videoconf_test_${randomBytes(8).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/**
 * Timeouts for the storages of race tests: the suite runs several files at once on a small
 * machine, and 200 requests queueing on one row lock can wait past the production
 * `lock_timeout` (5 s), or for a free connection past the pool's acquire timeout (5 s): both
 * answer 503 by design. A race test asserts correctness (exactly k admitted), so it waits as
 * long as it takes.
 */
export const RACE_TIMEOUTS = { lockMs: 60_000, statementMs: 60_000, queryMs: 65_000 };

/** The pool of a race test's storage: 200 requests on 20 connections wait past 5 s when loaded. */
export const RACE_POOL = { max: 20, acquireTimeoutMs: 60_000 };
