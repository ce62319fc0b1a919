/**
 * `cluster.fanout.100`: two instances of ours on one PostgreSQL database (a temporary one) and
 * the real Redis, the sender on instance A and 100 members split across A and B (50 each);
 * p99 of the delivery latency of `chat.send` (50 a second) to the last of the 100. Baseline: the
 * same room on ONE instance of ours with the same PostgreSQL and Redis (the sender and the 100
 * members on it). Every message is stored in PostgreSQL and travels over Redis on both sides;
 * the cluster adds the second instance's subscription and fan-out.
 *
 * Ratio = one-instance p99 / cluster p99 (minimum 0.6). All three servers run for the whole
 * scenario on the server core; each window measures both setups, their messages interleaved.
 */
import { createTempDatabase, REDIS_URL } from '../lib/pg';
import { runPairs } from '../lib/stats';
import type { RunContext, Scenario } from '../lib/types';
import {
  brief,
  connectGroup,
  type FanoutRun,
  fanoutSamples,
  roomUrl,
  round,
  startClients,
  stopClients,
  togetherPair,
} from '../lib/ws-bench';

const RECEIVERS = 100;

export const scenario: Scenario = {
  name: 'cluster.fanout.100',
  unit: 'ms p99',
  kind: 'latency',
  minRatio: 0.6,
  async run(ctx: RunContext) {
    const receivers = ctx.smoke ? 20 : RECEIVERS;
    const rate = 50;
    const window: FanoutRun = { rate, durationMs: ctx.seconds(3, 6) * 1000 };
    const db = await createTempDatabase();
    try {
      const env = {
        BENCH_STORAGE: 'postgres',
        BENCH_PG_URL: db.url,
        BENCH_REDIS_URL: REDIS_URL,
        BENCH_MEMBERS: String(receivers + 1),
      };
      // Migrations run under an advisory lock: the three may start together.
      const begun = Date.now();
      const [single, a, b] = await Promise.all([
        ctx.spawnServer('servers/ws-ours.ts', env),
        ctx.spawnServer('servers/ws-ours.ts', env),
        ctx.spawnServer('servers/ws-ours.ts', { ...env, BENCH_MEMBERS: '0' }),
      ]);
      ctx.log(`three instances ready in ${Date.now() - begun} ms`);
      const load = await startClients(ctx);
      try {
        const singleRoom = single.info.roomId as string;
        const singleTokens = single.info.tokens as string[];
        const clusterRoom = a.info.roomId as string;
        const clusterTokens = a.info.tokens as string[];
        const started = Date.now();
        await connectGroup(load, {
          name: 'single',
          senderUrl: roomUrl(single, singleRoom),
          senderToken: singleTokens[0]!,
          receiverUrls: [roomUrl(single, singleRoom)],
          receiverTokens: singleTokens.slice(1),
        });
        await connectGroup(load, {
          name: 'cluster',
          senderUrl: roomUrl(a, clusterRoom),
          senderToken: clusterTokens[0]!,
          // Alternately on A and B: half of the members on each instance.
          receiverUrls: [roomUrl(a, clusterRoom), roomUrl(b, clusterRoom)],
          receiverTokens: clusterTokens.slice(1),
        });
        ctx.log(`${receivers} receivers + 1 sender on each setup in ${Date.now() - started} ms`);
        const cluster = { name: 'cluster', servers: [a, b] };
        const one = { name: 'single', servers: [single] };
        const warmup: FanoutRun = { rate, durationMs: ctx.seconds(0.5, 1) * 1000 };
        await fanoutSamples(load, [cluster, one], warmup);
        const result = await runPairs(ctx, 'lower', {
          together: togetherPair(load, cluster, one, window),
        });
        const { samples, ...rest } = result;
        return {
          ...rest,
          details: {
            receivers,
            rate,
            windowMs: window.durationMs,
            baselineLost: samples.baseline.reduce((sum, s) => sum + (s.lost ?? 0), 0),
            ratios: samples.ratios.map(round),
            cluster: samples.ours.map(brief),
            single: samples.baseline.map(brief),
          },
        };
      } finally {
        await stopClients(load);
        await Promise.all([single, a, b].map((server) => server.stop()));
      }
    } finally {
      await db.drop();
    }
  },
};
