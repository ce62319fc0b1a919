/**
 * Our server under test: `createConferenceServer()` from the built dist, configured by the
 * environment, with an optional fixture (users with tokens, a room, members) printed in the
 * ready line.
 *
 * BENCH_STORAGE      memory (default) | pg (needs DATABASE_URL)
 * DATABASE_URL       postgres:// URL of a (temporary) database for `pg`
 * BENCH_REDIS_URL    Redis for the event bus and rate-limit store (optional)
 * BENCH_JWT_SECRET   shared by several instances (default: a fixed bench secret)
 * BENCH_USERS        users besides the host, created in storage with signed tokens (default 0)
 * BENCH_ROOM         1: a room hosted (and joined) by the host
 * BENCH_MEMBERS      how many users are admitted to the room (default: all)
 * BENCH_LIVEKIT      1: LiveKit options with a dummy URL (media tokens are signed locally)
 * BENCH_LIVEKIT_URL  a real LiveKit server (with BENCH_LIVEKIT_KEY and BENCH_LIVEKIT_SECRET)
 * BENCH_CORS_ORIGINS comma-separated origins allowed by CORS (a browser page on another port)
 * BENCH_BCRYPT_COST  passwordAuth cost (default 10)
 * BENCH_LOGIN_USER   1: register a password user; its email and password are in the ready line
 * BENCH_REALTIME     JSON of `realtime` options
 * BENCH_RATE_LIMIT   1: rate limits on (default off)
 * PORT               default 0 (any free port)
 *
 * Ready line: {"ready":true,"port":N,"pid":P,"host":{id,token},"users":[{id,token}],
 *              "roomId":string|null,"login":{email,password}|null}
 */

import { importServer } from '../lib/deps';
import { type BenchApp, createFixture } from '../lib/fixture';
import { intEnv, serve } from '../lib/serve';

export const BENCH_JWT_SECRET = 'bench-secret-that-is-at-least-32-bytes-long!';

interface ListeningApp extends BenchApp {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
  server: { address(): { port: number } | string | null };
}

const env = process.env;
const { createConferenceServer, passwordAuth } = await importServer();

let storage: { close(): Promise<void> } | undefined;
if (env.BENCH_STORAGE === 'pg') {
  if (!env.DATABASE_URL) throw new Error('BENCH_STORAGE=pg needs DATABASE_URL');
  const { sequelizeStorage } = await importServer('sequelize');
  storage = sequelizeStorage({ url: env.DATABASE_URL });
}

const app = createConferenceServer({
  logger: false,
  jwtSecret: env.BENCH_JWT_SECRET ?? BENCH_JWT_SECRET,
  auth: passwordAuth({ bcryptCost: intEnv('BENCH_BCRYPT_COST', 10) }),
  rateLimit: env.BENCH_RATE_LIMIT === '1' ? {} : false,
  docs: false,
  ...(storage && { storage }),
  ...(env.BENCH_REDIS_URL && { redis: { url: env.BENCH_REDIS_URL } }),
  ...(env.BENCH_LIVEKIT === '1' && {
    livekit: {
      url: 'wss://livekit.invalid',
      apiKey: 'bench-api-key',
      apiSecret: 'bench-api-secret-that-is-long-enough-0123456789',
    },
  }),
  ...(env.BENCH_LIVEKIT_URL && {
    livekit: {
      url: env.BENCH_LIVEKIT_URL,
      apiKey: env.BENCH_LIVEKIT_KEY ?? '',
      apiSecret: env.BENCH_LIVEKIT_SECRET ?? '',
    },
  }),
  ...(env.BENCH_CORS_ORIGINS && { cors: { origins: env.BENCH_CORS_ORIGINS.split(',') } }),
  ...(env.BENCH_REALTIME && { realtime: JSON.parse(env.BENCH_REALTIME) }),
}) as ListeningApp;

await app.ready();
const fixture = await createFixture(app, {
  users: intEnv('BENCH_USERS', 0),
  room: env.BENCH_ROOM === '1',
  ...(env.BENCH_MEMBERS && { members: intEnv('BENCH_MEMBERS', 0) }),
});

let login: { email: string; password: string } | null = null;
if (env.BENCH_LOGIN_USER === '1') {
  login = { email: 'bench-login@example.com', password: 'a good long bench password' };
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { ...login, displayName: 'Bench Login' },
  });
  if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`);
}

await app.listen({ port: intEnv('PORT', 0), host: '127.0.0.1' });
const address = app.server.address();
serve({
  port: typeof address === 'object' && address ? address.port : 0,
  info: { ...fixture, login },
  close: async () => {
    await app.close();
    await storage?.close();
  },
});
