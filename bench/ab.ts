/**
 * `node --import tsx bench/ab.ts [--route media-token|me] [--rounds N] <server dir>...`
 *
 * A/B of builds of the server on one HTTP route: every build given (a `packages/server` with a
 * built `dist`, as `BENCH_SERVER_DIR`) and the bare Fastify baseline run at the same time,
 * pinned to the same core, each under its own autocannon load; a round is one second, and a
 * build's result is the median over the rounds of its requests divided by the first build's.
 * Sharing the core at every instant, the servers see the same machine: on the bench machine two
 * copies of one build came out within 3% of each other, where sequential runs of one build
 * moved by 30%. Ratios to the first build are what to read; the ratio to the bare route is
 * lower than `pnpm bench`'s (there the bare route, alone on its core, is partly held back by the
 * load generator). How we used it is in docs/benchmarks.md ("What we changed").
 */
import { resolve } from 'node:path';
import { autocannon } from './lib/autocannon';
import { fetchJson } from './lib/http';
import { type ChildServer, killAll, spawnLoad, spawnServer } from './lib/proc';
import { median } from './lib/stats';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
};
const route = option('--route', 'media-token');
const rounds = Number.parseInt(option('--rounds', '8'), 10);
// Absolute: the servers run from another working directory.
const dirs = args.map((dir) => resolve(dir));
if (dirs.length === 0 || (route !== 'media-token' && route !== 'me')) {
  console.error('usage: bench/ab.ts [--route media-token|me] [--rounds N] <server dir>...');
  process.exit(2);
}

try {
  const builds = await Promise.all(
    dirs.map((dir) =>
      spawnServer('servers/ours.ts', {
        BENCH_SERVER_DIR: dir,
        BENCH_USERS: '1',
        BENCH_ROOM: '1',
        BENCH_LIVEKIT: '1',
      }),
    ),
  );
  const target = (server: ChildServer) => {
    const user = server.info.users[0].token as string;
    const headers = { authorization: `Bearer ${user}` };
    return route === 'me'
      ? { url: `${server.url}/api/v1/users/me`, headers }
      : {
          url: `${server.url}/api/v1/rooms/${server.info.roomId}/media/token`,
          method: 'POST' as const,
          headers,
        };
  };
  const first = target(builds[0]!);
  const { json } = await fetchJson(first.url, {
    method: first.method ?? 'GET',
    token: builds[0]!.info.users[0].token as string,
  });
  const bare = await spawnServer('servers/baseline-http.ts', {
    BENCH_ROUTE: route,
    BENCH_BODY: JSON.stringify(json),
  });
  // The bare route answers any room id: the first build's path as it is.
  const loads = [
    ...builds.map(target),
    { ...first, url: `${bare.url}${new URL(first.url).pathname}` },
  ];
  const names = [...dirs, 'bare Fastify route'];
  // One autocannon process (on the load core) per server: a worker answers one run at a time.
  const workers = loads.map(() => ({ spawnLoad }));
  const all = (duration: number) =>
    Promise.all(
      loads.map((load, i) => autocannon(workers[i]!, { ...load, connections: 32, duration })),
    );
  await all(3);
  const ratios: number[][] = loads.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const results = await all(1);
    for (const result of results) {
      if (result.non2xx > 0 || result.errors > 0) throw new Error('a server answered an error');
    }
    results.forEach((result, i) => {
      ratios[i]!.push(result.ok / results[0]!.ok);
    });
  }
  names.forEach((name, i) => {
    const own = ratios[i]!;
    console.log(
      `${median(own).toFixed(3)}  [${Math.min(...own).toFixed(2)}–${Math.max(...own).toFixed(2)}]  ${name}`,
    );
  });
  console.log(`first build / bare route: ${(1 / median(ratios.at(-1)!)).toFixed(3)}`);
} finally {
  killAll();
}
process.exit(0);
