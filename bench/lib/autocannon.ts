import type { LoadProcess } from './proc';
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
  /** Requests a second over all connections (default: as fast as the server answers). */
  overallRate?: number;
  /** Seconds; autocannon samples once a second, so this is rounded up to whole seconds. */
  duration: number;
  /** Load core of the worker (default 1); only the first call of a scenario decides. */
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

const workers = new WeakMap<object, { proc: LoadProcess; ready: Promise<unknown> }>();
let nextId = 0;

/**
 * Runs autocannon in the scenario's load process (`lib/autocannon-worker.ts`, started on first
 * use, pinned to the load core, stopped with the scenario) and reads its result.
 */
export async function autocannon(
  ctx: Pick<RunContext, 'spawnLoad'>,
  options: AutocannonOptions,
): Promise<AutocannonResult> {
  let worker = workers.get(ctx);
  if (!worker) {
    const proc = ctx.spawnLoad('lib/autocannon-worker.ts', [], {
      ...(options.core !== undefined && { core: options.core }),
    });
    worker = { proc, ready: proc.next((m) => m.ready === true) };
    workers.set(ctx, worker);
  }
  await worker.ready;
  const id = nextId++;
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  worker.proc.send({
    cmd: 'run',
    id,
    options: {
      url: options.url,
      method: options.method ?? 'GET',
      headers,
      ...(body !== undefined && { body }),
      connections: options.connections ?? 50,
      pipelining: options.pipelining ?? 1,
      ...(options.overallRate !== undefined && { overallRate: options.overallRate }),
      duration: Math.max(1, Math.ceil(options.duration - 1e-9)),
      ...(options.idReplacement && { idReplacement: true }),
    },
  });
  const answer = await worker.proc.next(
    (m) => m.reply === 'run' && m.id === id,
    Math.max(60_000, options.duration * 1000 * 5),
  );
  if (answer.error) throw new Error(`autocannon: ${answer.error}`);
  // biome-ignore lint/suspicious/noExplicitAny: autocannon's raw JSON
  const raw = answer.result as any;
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
