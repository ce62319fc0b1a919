import type { Sample } from './stats';
import type { RunContext } from './types';

export interface AutocannonOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** A JSON body (sent with content-type application/json). */
  body?: object | string;
  /** Replace `[<id>]` in the body with a fresh UUID per request (`-I`). */
  idReplacement?: boolean;
  /** Default 50. */
  connections?: number;
  /** Default 1. */
  pipelining?: number;
  /** Seconds (fractions allowed). */
  duration: number;
  /** Load core (default 1). */
  core?: number | null;
}

export interface AutocannonResult {
  /** 2xx answers a second over the whole run. */
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  // biome-ignore lint/suspicious/noExplicitAny: autocannon's raw JSON
  raw: any;
}

/** Runs the autocannon CLI in its own (pinned) process and reads its `--json` result. */
export async function autocannon(
  ctx: Pick<RunContext, 'spawnLoad'>,
  options: AutocannonOptions,
): Promise<AutocannonResult> {
  const args = [
    '--json',
    '--connections',
    String(options.connections ?? 50),
    '--pipelining',
    String(options.pipelining ?? 1),
    '--duration',
    String(options.duration),
    '--method',
    options.method ?? 'GET',
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    args.push('--headers', `${name}=${value}`);
  }
  if (options.body !== undefined) {
    args.push('--headers', 'content-type=application/json');
    args.push(
      '--body',
      typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    );
  }
  if (options.idReplacement) args.push('--idReplacement');
  args.push(options.url);
  const proc = ctx.spawnLoad('autocannon', args, {
    ...(options.core !== undefined && { core: options.core }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: autocannon's raw JSON
  const raw = await proc.result<any>(Math.max(60_000, options.duration * 1000 * 5));
  const ok: number = raw['2xx'] ?? 0;
  return {
    rps: ok / Math.max(raw.duration ?? options.duration, 1e-3),
    p50: raw.latency?.p50 ?? Number.NaN,
    p99: raw.latency?.p99 ?? Number.NaN,
    ok,
    non2xx: raw.non2xx ?? 0,
    errors: raw.errors ?? 0,
    timeouts: raw.timeouts ?? 0,
    raw,
  };
}

/** An autocannon result as a throughput sample: req/s, latencies, failures as `lost`. */
export const throughputSample = (result: AutocannonResult): Sample => ({
  value: result.rps,
  p50: result.p50,
  p99: result.p99,
  lost: result.non2xx + result.errors + result.timeouts,
  details: { ok: result.ok, non2xx: result.non2xx, errors: result.errors },
});
