/**
 * Our server for the WebSocket scenarios: `createConferenceServer` from the built dist, rate
 * limits off, the chat rate of a connection raised so that the benchmark's one sender is not
 * refused, and one room whose host and `BENCH_MEMBERS - 1` further users are active
 * participants (made in storage by the harness's fixture).
 *
 * Environment:
 * - `BENCH_MEMBERS`: participants of the room, the host included; 0 makes no room;
 * - `BENCH_STORAGE`: `memory` (default) or `postgres` with `BENCH_PG_URL`;
 * - `BENCH_REDIS_URL`: the event bus on Redis (several instances);
 * - `BENCH_JWT_SECRET`: instances that accept each other's tokens share it.
 *
 * Ready line: `{"ready":true,"port":N,"roomId":…,"tokens":[…]}`, the host's token first.
 * Command `{"cmd":"memory"}` → `{"reply":"memory","rss":…}` after full garbage collections.
 */

import { importServer } from '../lib/deps';
import { type BenchApp, createFixture } from '../lib/fixture';
import { intEnv, serve } from '../lib/serve';
import { cpu, memory, snapshot } from '../lib/ws-child';

interface TokenVerifier {
  verifyAccess(token: string): unknown;
}

interface Closable {
  close(): Promise<unknown>;
}

const { createConferenceServer, memoryStorage } = await importServer();
const members = intEnv('BENCH_MEMBERS', 0);

async function makeStorage(): Promise<Closable> {
  if ((process.env.BENCH_STORAGE ?? 'memory') === 'memory') return memoryStorage();
  const url = process.env.BENCH_PG_URL;
  if (!url) throw new Error('BENCH_STORAGE=postgres needs BENCH_PG_URL');
  const { sequelizeStorage } = await importServer('sequelize');
  return sequelizeStorage({ url });
}

const storage = await makeStorage();
const redisUrl = process.env.BENCH_REDIS_URL;
const app = createConferenceServer({
  logger: false,
  storage,
  jwtSecret: process.env.BENCH_JWT_SECRET ?? 'bench-secret-that-is-at-least-32-bytes-long!',
  rateLimit: false,
  docs: false,
  ...(redisUrl && { redis: { url: redisUrl } }),
  // One sender at the benchmark's rate: the per-connection chat limit must not refuse it.
  realtime: { chatPerSecond: 1000, chatBurst: 1000 },
}) as BenchApp & {
  listen(options: { host: string; port: number }): Promise<string>;
  server: { address(): { port: number } };
  close(): Promise<unknown>;
};

let info: { roomId: string | null; tokens: string[] } = { roomId: null, tokens: [] };
if (members > 0) {
  const fixture = await createFixture(app, { users: members - 1, room: true });
  info = {
    roomId: fixture.roomId,
    tokens: [fixture.host.token, ...fixture.users.map((user) => user.token)],
  };
  // Each token verified once, as the client's REST calls before it opens its socket would: the
  // token service's cache of verified tokens (bounded, 1000 entries) is then as full before the
  // sockets connect as after, and `ws.idle-memory` sees what a socket adds, not that cache.
  const { tokens } = (app as unknown as { videoconf: { tokens: TokenVerifier } }).videoconf;
  for (const token of info.tokens) tokens.verifyAccess(token);
} else {
  await app.ready();
}
await app.listen({ host: '127.0.0.1', port: intEnv('PORT', 0) });

serve({
  port: app.server.address().port,
  info,
  close: async () => {
    await app.close();
    await storage.close();
  },
  commands: { memory: () => memory(), snapshot, cpu },
});
