import { randomBytes } from 'node:crypto';
import { importFromServer } from './deps';

/** The server the temporary databases are created on (trust auth, user postgres by default). */
export const PG_ADMIN_URL =
  process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The Redis the PostgreSQL + Redis scenarios use. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

async function admin<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
  const pg = await importFromServer<{ Client: new (o: object) => PgClient }>('pg');
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TempDatabase {
  /** `postgres://…/videoconf_bench_<hex>` */
  url: string;
  name: string;
  /** Drops it, disconnecting whoever is still connected; safe to call twice. */
  drop(): Promise<void>;
}

/** Creates an empty database `videoconf_bench_<random hex>`. */
export async function createTempDatabase(): Promise<TempDatabase> {
  // Only [0-9a-f_]: safe to quote as an identifier.
  const name = `videoconf_bench_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
