import { autocannon } from '../lib/autocannon';
import { runPairs, type Sample } from '../lib/stats';
import type { Scenario } from '../lib/types';

/** The event loop counts as responsive while `/health` answers within this p99. */
export const RESPONSIVE_P99_MS = 200;

interface Probe {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Report only. p99 of `GET /health` (a probe of one request every 10 ms over one connection)
 * while autocannon saturates `POST /api/v1/auth/login` (bcrypt cost 10, hashing on libuv's
 * thread pool, which shares the server's core), vs the same probe on the idle server.
 * ratio = idle p99 / loaded p99. The event loop "stayed responsive" when the loaded p99 is
 * under RESPONSIVE_P99_MS: a synchronous bcrypt would hold it for whole hashes at a time.
 */
export const scenario: Scenario = {
  name: 'login.isolation',
  unit: 'ms p99 /health',
  kind: 'report',
  minRatio: null,
  async run(ctx) {
    const server = await ctx.spawnServer('servers/ours.ts', {
      BENCH_LOGIN_USER: '1',
      BENCH_BCRYPT_COST: '10',
    });
    const { email, password } = server.info.login as { email: string; password: string };
    const seconds = Math.ceil(ctx.seconds(1, 3));
    const prober = ctx.spawnLoad('lib/http-probe.ts');
    await prober.next((m) => m.ready === true);
    let probes = 0;
    const probe = async (): Promise<Probe> => {
      const id = probes++;
      prober.send({ cmd: 'probe', id, url: `${server.url}/health`, seconds });
      const result = (await prober.next(
        (m) => m.reply === 'probe' && m.id === id,
        seconds * 1000 + 30_000,
      )) as unknown as Probe;
      if (result.errors > 0 || result.count === 0) {
        throw new Error(`/health probe: ${JSON.stringify(result)}`);
      }
      return result;
    };
    const logins = (duration: number) =>
      autocannon(ctx, {
        url: `${server.url}/api/v1/auth/login`,
        method: 'POST',
        body: { email, password },
        // Twice the 4 threads of libuv's pool: bcrypt always has work queued. A smoke run only
        // checks that the scenario works.
        connections: ctx.smoke ? 1 : 8,
        duration,
      });
    // Warm-up: a few logins, and the probe's code paths.
    await logins(1);
    let responsive = true;
    const loginRates: number[] = [];
    // Report only, and the slowest pair of the HTTP scenarios: a quick run makes one.
    const pairs = ctx.quick && !ctx.smoke ? 1 : ctx.pairs;
    const result = await runPairs({ ...ctx, pairs }, 'lower', {
      // "ours": /health under a login storm.
      ours: async (): Promise<Sample> => {
        const storm = logins(seconds + 1);
        // Let the storm start before probing.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const loaded = await probe();
        const storming = await storm;
        // Let the hashes still in flight finish, so that the idle probe finds the server idle.
        await new Promise((resolve) => setTimeout(resolve, 500));
        loginRates.push(storming.rps);
        if (loaded.p99 >= RESPONSIVE_P99_MS) responsive = false;
        ctx.log(
          `loaded: /health p50 ${loaded.p50.toFixed(2)} ms p99 ${loaded.p99.toFixed(2)} ms max ${loaded.max.toFixed(1)} ms; ${storming.rps.toFixed(0)} logins/s`,
        );
        return {
          value: loaded.p99,
          p50: loaded.p50,
          p99: loaded.p99,
          lost: storming.non2xx + storming.errors,
          details: { max: loaded.max, logins: storming.rps },
        };
      },
      // "baseline": /health on the idle server.
      baseline: async (): Promise<Sample> => {
        const idle = await probe();
        return { value: idle.p99, p50: idle.p50, p99: idle.p99 };
      },
    });
    const { samples, ...rest } = result;
    ctx.log(
      `event loop ${responsive ? 'stayed responsive' : 'BLOCKED'}: /health p99 under logins ${rest.ours.toFixed(2)} ms (limit ${RESPONSIVE_P99_MS} ms), idle ${rest.baseline.toFixed(2)} ms`,
    );
    return {
      ...rest,
      details: {
        responsive,
        responsiveLimitMs: RESPONSIVE_P99_MS,
        loginsPerSecond: Math.round(loginRates.sort((a, b) => a - b)[loginRates.length >> 1] ?? 0),
        idleP50: samples.baseline.map((s) => s.p50),
        loadedMax: samples.ours.map((s) => s.details?.max),
      },
    };
  },
};
