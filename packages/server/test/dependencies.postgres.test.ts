import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { type SequelizeStorageOptions, sequelizeStorage } from '../src/storage/sequelize/index';
import type { Storage } from '../src/storage/types';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';
import { createTestDatabase } from './support/postgres';

// A PostgreSQL that stalls (a lock held elsewhere) or drops the server's connections: the
// requests it affects answer 503 SERVICE_UNAVAILABLE with retry-after, within the configured
// bounds, and the server serves again once the database does.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
/** Another client of the database: holds locks, terminates the server's backends. */
let other: pg.Client;
const opened: { app: App; storage: Storage }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  other = new pg.Client({ connectionString: database.url });
  await other.connect();
});

afterEach(async () => {
  await other.query('ROLLBACK').catch(() => {});
  for (const { app, storage } of opened.splice(0)) {
    await app.close();
    await storage.close();
  }
});

afterAll(async () => {
  await other?.end();
  await database?.drop();
});

async function serve(options: Omit<SequelizeStorageOptions, 'url'>) {
  const storage = sequelizeStorage({ url: database.url, ...options });
  const app = testServer({ storage, logger: false });
  opened.push({ app, storage });
  const user = await quickUser(app);
  return { app, user };
}

const listRooms = (app: App, user: QuickUser) =>
  app.inject({ method: 'GET', url: '/api/v1/rooms', headers: user.auth });

/** Takes the table lock that every read of `rooms` waits for, until ROLLBACK. */
async function lockRooms() {
  await other.query('BEGIN');
  await other.query('LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE');
}

function expectUnavailable(res: LightMyRequestResponse) {
  expect({ status: res.statusCode, code: errorCode(res) }).toEqual({
    status: 503,
    code: 'SERVICE_UNAVAILABLE',
  });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  // Nothing of the driver's or the SQL's text reaches the client.
  expect(res.body).not.toMatch(/lock|timeout|terminat|SELECT|rooms/i);
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work;
  return [result, performance.now() - started];
}

describe('PostgreSQL stalls or drops connections', () => {
  it('a table lock held elsewhere answers 503 once lock_timeout has passed', async () => {
    const { app, user } = await serve({ timeouts: { lockMs: 300 } });
    expect((await listRooms(app, user)).statusCode).toBe(200);
    await lockRooms();
    const [res, ms] = await timed(listRooms(app, user));
    expectUnavailable(res);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2000);
    await other.query('ROLLBACK');
    expect((await listRooms(app, user)).statusCode).toBe(200);
  });

  it('a statement that outlasts statement_timeout answers 503', async () => {
    const { app, user } = await serve({ timeouts: { lockMs: 0, statementMs: 400 } });
    await lockRooms();
    const [res, ms] = await timed(listRooms(app, user));
    expectUnavailable(res);
    expect(ms).toBeLessThan(2000);
  });

  it('a pool with no free connection answers 503 once the acquire timeout has passed', async () => {
    const { app, user } = await serve({
      pool: { max: 1, acquireTimeoutMs: 300 },
      timeouts: { lockMs: 3000 },
    });
    await lockRooms();
    // The first request holds the only connection while it waits for the lock.
    const first = listRooms(app, user);
    await waitForLockWait();
    const [second, ms] = await timed(
      app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth }),
    );
    expectUnavailable(second);
    expect(ms).toBeLessThan(2000);
    await other.query('ROLLBACK');
    // The room list's second query waits for the same connection: 503 as well, or 200 if the
    // lock went first.
    expect([200, 503]).toContain((await first).statusCode);
    expect((await listRooms(app, user)).statusCode).toBe(200);
  });

  it("terminating the server's backends mid-request answers 503, and the next requests succeed", async () => {
    const { app, user } = await serve({ timeouts: { lockMs: 10_000 } });
    await lockRooms();
    const pending = listRooms(app, user);
    await waitForLockWait();
    // What a PostgreSQL restart or failover does to every open connection.
    const { rows } = await other.query(
      `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expectUnavailable(await pending);
    await other.query('ROLLBACK');
    // A pooled connection whose termination the client has not read yet may fail one more
    // request, with a 503 too; it is then dropped from the pool, and every request succeeds.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await listRooms(app, user)).statusCode);
    const recovered = statuses.indexOf(200);
    expect(recovered).toBeGreaterThanOrEqual(0);
    expect(recovered).toBeLessThanOrEqual(2);
    expect(statuses.slice(0, recovered).every((status) => status === 503)).toBe(true);
    expect(statuses.slice(recovered).every((status) => status === 200)).toBe(true);
    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
    expect(me.statusCode).toBe(200);
  });
});

/** Waits until a backend of the server waits for the lock that `other` holds. */
async function waitForLockWait() {
  for (let i = 0; i < 100; i += 1) {
    const { rows } = await other.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
       AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no request is waiting for the lock');
}

describe('PostgreSQL unreachable', () => {
  /** A server on a database that is not there: init() is skipped so that the app starts. */
  async function unreachable(url: string, options: Omit<SequelizeStorageOptions, 'url'> = {}) {
    const storage = sequelizeStorage({ url, ...options });
    const app = testServer({ storage: { ...storage, init: async () => {} } });
    opened.push({ app, storage });
    await app.ready();
    const token = app.videoconf.tokens.signAccess({ userId: randomUUID() });
    return () =>
      timed(
        app.inject({
          method: 'GET',
          url: '/api/v1/users/me',
          headers: { authorization: `Bearer ${token}` },
        }),
      );
  }

  it('a refused connection answers 503', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const request = await unreachable(`postgres://postgres@127.0.0.1:${port}/none`);
    const [res, ms] = await request();
    expectUnavailable(res);
    expect(ms).toBeLessThan(2000);
  });

  it('a server that accepts the connection but never answers: 503 once connectMs has passed', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const request = await unreachable(`postgres://postgres@127.0.0.1:${port}/none`, {
        timeouts: { connectMs: 300 },
      });
      const [res, ms] = await request();
      expectUnavailable(res);
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
