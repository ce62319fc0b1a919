import { autocannonPairs, configure, fetchJson } from '../lib/http';
import type { Scenario } from '../lib/types';

/**
 * Authenticated `GET /api/v1/users/me` on memory storage (bearer token verified, user loaded,
 * response serialised by schema) vs a bare Fastify route answering the same JSON bytes.
 */
export const scenario: Scenario = {
  name: 'http.me',
  unit: 'req/s',
  kind: 'throughput',
  minRatio: 0.6,
  async run(ctx) {
    const [ours, baseline] = await Promise.all([
      ctx.spawnServer('servers/ours.ts', {}),
      ctx.spawnServer('servers/baseline-http.ts', { BENCH_ROUTE: 'me' }),
    ]);
    const token = ours.info.host.token as string;
    const url = `${ours.url}/api/v1/users/me`;
    const { text, json } = await fetchJson(url, { token });
    await configure(baseline, { body: json });
    const same = await fetchJson(`${baseline.url}/api/v1/users/me`);
    if (same.text !== text) throw new Error('baseline answers another body');
    const auth = { authorization: `Bearer ${token}` };
    return autocannonPairs(
      ctx,
      'http.me',
      {
        ours: { server: ours, load: { url, headers: auth, connections: 32 } },
        baseline: {
          server: baseline,
          load: { url: `${baseline.url}/api/v1/users/me`, headers: auth, connections: 32 },
        },
      },
      ctx.seconds(1, 3),
      // Warm-up: ours reaches its pace only after a couple of seconds at full load (JIT, heap
      // sizing); with one second, the first pair came out lowest, by up to 40%.
      ctx.seconds(3, 3),
      // Five quick pairs: with three, one run of five on fresh clones failed at 0.58 (pairs
      // 0.56, 0.63, 0.58) where the others gave 0.62 to 0.76.
      5,
    );
  },
};
