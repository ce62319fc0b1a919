import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AutocannonOptions, autocannon, throughputSample } from './autocannon';
import type { ChildServer } from './proc';
import { median, type PairSides, runPairs } from './stats';
import type { RunContext, ScenarioResult } from './types';

/** Calls a JSON endpoint; fails on a status other than `expected`. */
export async function fetchJson(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
  expected = 200,
): Promise<{ text: string; json: unknown }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token && { authorization: `Bearer ${init.token}` }),
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  if (res.status !== expected)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return { text, json: text ? JSON.parse(text) : null };
}

type Load = Omit<AutocannonOptions, 'duration'>;

/** One side of an HTTP scenario: its server and the load to send it. */
export interface HttpSide {
  server: ChildServer;
  load: Load;
}

/**
 * With BENCH_PROFILE=<dir>, each server is CPU-profiled during its measured runs (not the
 * warm-up): `<dir>/<scenario>.<ours|baseline>.<pair>.cpuprofile`. Read one with
 * `node --import tsx bench/lib/cpuprofile.ts <file>`.
 */
async function profiled<T>(
  ctx: RunContext,
  server: ChildServer,
  file: string,
  work: () => Promise<T>,
): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return work();
  mkdirSync(dir, { recursive: true });
  server.send({ cmd: 'profile-start' });
  await server.next((m) => m.reply === 'profile-start');
  const result = await work();
  const path = join(dir, file);
  server.send({ cmd: 'profile-stop', file: path });
  await server.next((m) => m.reply === 'profile-stop');
  ctx.log(`profile: ${path}`);
  return result;
}

/**
 * HTTP runs are short (three seconds in a full run), so a full run affords more pairs than the
 * harness default: the median of many short interleaved pairs shrugs off a burst of load from
 * elsewhere on the machine that would spoil one long run. Quick runs keep the default, or
 * `quickPairs` where a scenario needs more to be steady.
 */
export const httpPairs = (ctx: RunContext, quickPairs = ctx.pairs): number =>
  ctx.smoke ? ctx.pairs : ctx.quick ? Math.max(ctx.pairs, quickPairs) : Math.max(ctx.pairs, 9);

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The HTTP throughput method: a warm-up of each side, then `httpPairs(ctx)` interleaved autocannon
 * runs of `seconds` each (ours, baseline; baseline, ours; …); ratio = ours/baseline req/s.
 * The server's CPU time per answered request is kept in `details` (it tells a load generator
 * that ran out of CPU from a slow server).
 */
export async function autocannonPairs(
  ctx: RunContext,
  name: string,
  sides: { ours: HttpSide; baseline: HttpSide },
  seconds: number,
  warmupSeconds: number,
  /** Pairs of a quick run (default: the harness's). */
  quickPairs?: number,
): Promise<ScenarioResult> {
  // A smoke run only proves that the scenario works: a trickle of load, sparing a CI machine
  // that runs the other tests at the same time.
  const trickle = (load: Load): Load =>
    ctx.smoke ? { ...load, connections: 2, overallRate: 100 } : load;
  await autocannon(ctx, { ...trickle(sides.ours.load), duration: warmupSeconds });
  await autocannon(ctx, { ...trickle(sides.baseline.load), duration: warmupSeconds });
  const run = (label: 'ours' | 'baseline') => async (pair: number) => {
    const { server } = sides[label];
    const load = trickle(sides[label].load);
    return profiled(ctx, server, `${name}.${label}.${pair + 1}.cpuprofile`, async () => {
      const cpuBefore = server.cpuSeconds();
      const result = await autocannon(ctx, { ...load, duration: seconds });
      const cpu = server.cpuSeconds() - cpuBefore;
      const sample = throughputSample(result);
      sample.details = { ...sample.details, cpuUsPerReq: (cpu * 1e6) / Math.max(1, result.ok) };
      return sample;
    });
  };
  const pairs: PairSides = { ours: run('ours'), baseline: run('baseline') };
  const result = await runPairs({ ...ctx, pairs: httpPairs(ctx, quickPairs) }, 'higher', pairs);
  const { samples, ...rest } = result;
  const cpu = (list: typeof samples.ours) =>
    round(median(list.map((s) => Number(s.details?.cpuUsPerReq))), 1);
  return {
    ...rest,
    // A baseline that failed requests would flatter us: count its failures too.
    lost: rest.lost + samples.baseline.reduce((sum, s) => sum + (s.lost ?? 0), 0),
    details: {
      ratios: samples.ratios.map((r) => round(r)),
      baselineP50: median(samples.baseline.map((s) => s.p50 ?? Number.NaN)),
      baselineP99: median(samples.baseline.map((s) => s.p99 ?? Number.NaN)),
      serverCpuUsPerReq: { ours: cpu(samples.ours), baseline: cpu(samples.baseline) },
    },
  };
}

/** Sends `{"cmd":"configure",...}` to a baseline server and waits for its answer. */
export async function configure(server: ChildServer, settings: object): Promise<void> {
  server.send({ cmd: 'configure', ...settings });
  const answer = await server.next((m) => m.reply === 'configure', 10_000);
  if (answer.error) throw new Error(`configure: ${answer.error}`);
}
