/**
 * The harness contract. A scenario is a module `bench/scenarios/<name>.ts` exporting
 * `scenario: Scenario`; `bench/run.ts` runs them in order and writes `bench/results/latest.json`.
 */

import type { ChildServer, LoadProcess, SpawnLoadOptions } from './proc';

export type { ChildServer, LoadProcess, SpawnLoadOptions } from './proc';

export type ScenarioKind = 'throughput' | 'latency' | 'memory' | 'report';

export interface Scenario {
  name: string;
  /** What `ours` and `baseline` are measured in, e.g. `req/s`, `ms p99`, `KB/socket`. */
  unit: string;
  kind: ScenarioKind;
  /** The ratio this scenario must reach; `null` reports without a bar. */
  minRatio: number | null;
  run(ctx: RunContext): Promise<ScenarioResult>;
}

export interface RunContext {
  quick: boolean;
  /** Multiplies every duration (the smoke test runs with 0.05). */
  durationScale: number;
  /** Repetitions of the (ours, baseline) pair, interleaved. */
  pairs: number;
  /** True under `--smoke`: keep sizes small, never fail on speed. */
  smoke: boolean;
  log(msg: string): void;
  /**
   * Seconds for one measurement: `quick` or `full` seconds times `durationScale`, at least
   * `floor` (default 0.25).
   */
  seconds(quick: number, full: number, floor?: number): number;
  /**
   * Starts `node <flags> --import tsx <script>` (a path relative to `bench/`, or absolute)
   * pinned to `core` (default 0, the server core; `null` = not pinned) and resolves when it
   * printed its `{"ready":true,"port":N,...}` line. Stopped by the harness at the end of the
   * scenario if the scenario did not stop it.
   */
  spawnServer(
    script: string,
    env?: Record<string, string>,
    core?: number | null,
    flags?: string[],
  ): Promise<ChildServer>;
  /**
   * Starts a load generator: a `.ts` script under tsx, or a command (e.g. `autocannon`, found in
   * node_modules/.bin), pinned to the load core (default 1). Read its JSON lines with `next()`,
   * its final JSON line with `result()`. Stopped by the harness at the end of the scenario if
   * it is still running.
   */
  spawnLoad(script: string, args?: string[], options?: SpawnLoadOptions): LoadProcess;
}

export interface ScenarioResult {
  /** Median over the pairs of our raw value. */
  ours: number;
  /** Median over the pairs of the baseline's raw value. */
  baseline: number;
  /** Median over the pairs of the per-pair ratio; higher is better. */
  ratio: number;
  /** Our p50 / p99 latency in ms when the scenario measures one (median over pairs). */
  p50: number | null;
  p99: number | null;
  /** Messages, requests or frames lost (non-2xx answers, undelivered frames); must be 0. */
  lost: number;
  /** Anything else worth printing (shown in the JSON only). */
  details?: Record<string, unknown>;
}

/** One row of `bench/results/latest.json`. */
export interface ScenarioRow extends ScenarioResult {
  name: string;
  unit: string;
  kind: ScenarioKind;
  minRatio: number | null;
  pass: boolean;
  error?: string;
  seconds: number;
}
