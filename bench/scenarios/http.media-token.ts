import { autocannonPairs, configure, fetchJson } from '../lib/http';
import type { Scenario } from '../lib/types';

/**
 * `POST /api/v1/rooms/:id/media/token` for an active participant on memory storage (bearer
 * token, room and participant read, a LiveKit access token signed locally: the LiveKit URL is
 * a dummy and never contacted) vs a bare Fastify route returning a captured answer.
 */
export const scenario: Scenario = {
  name: 'http.media-token',
  unit: 'req/s',
  kind: 'throughput',
  minRatio: 0.4,
  async run(ctx) {
    const [ours, baseline] = await Promise.all([
      ctx.spawnServer('servers/ours.ts', { BENCH_USERS: '1', BENCH_ROOM: '1', BENCH_LIVEKIT: '1' }),
      ctx.spawnServer('servers/baseline-http.ts', { BENCH_ROUTE: 'media-token' }),
    ]);
    const token = ours.info.users[0].token as string;
    const path = `/api/v1/rooms/${ours.info.roomId}/media/token`;
    const { json } = await fetchJson(`${ours.url}${path}`, { method: 'POST', token });
    await configure(baseline, { body: json });
    await fetchJson(`${baseline.url}${path}`, { method: 'POST' });
    const load = (url: string) => ({
      url,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${token}` },
      connections: 32,
    });
    return autocannonPairs(
      ctx,
      'http.media-token',
      {
        ours: { server: ours, load: load(`${ours.url}${path}`) },
        baseline: { server: baseline, load: load(`${baseline.url}${path}`) },
      },
      ctx.seconds(1, 3),
      // Warm-up: ours reaches its pace only after a couple of seconds at full load (JIT, heap
      // sizing); with one second, the first pair came out lowest, by up to 40%.
      ctx.seconds(3, 3),
      // Five quick pairs: its pairs spread the most (0.30 to 0.79 within one run).
      5,
    );
  },
};
