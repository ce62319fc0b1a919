import type { RunContext, ScenarioKind, ScenarioResult } from './types';

/** Median of a list (mean of the two middle values for an even length); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (`p` in 0..100) of a list; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50, p99 and max of latencies (ms). */
export function summarize(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** One measurement of one side. */
export interface Sample {
  /** The raw value in the scenario's unit. */
  value: number;
  p50?: number | null;
  p99?: number | null;
  lost?: number;
  details?: Record<string, unknown>;
}

/** `higher`: ratio = ours/baseline (throughput). `lower`: ratio = baseline/ours (latency, memory). */
export type Better = 'higher' | 'lower';

export const betterOf = (kind: ScenarioKind): Better =>
  kind === 'throughput' ? 'higher' : 'lower';

export function ratioOf(better: Better, ours: number, baseline: number): number {
  return better === 'higher' ? ours / baseline : baseline / ours;
}

/**
 * How a pair is measured: each side on its own, one after the other, or both sides in one
 * window (`together`), where the load interleaves them message by message.
 */
export type PairSides =
  | {
      ours: (pair: number) => Promise<Sample>;
      baseline: (pair: number) => Promise<Sample>;
    }
  | { together: (pair: number) => Promise<{ ours: Sample; baseline: Sample }> };

/**
 * Runs `ctx.pairs` pairs and reduces them to the contract's result: medians of the raw values,
 * median of the per-pair ratios, our p50/p99 (medians), lost summed over all pairs. Sides
 * measured one after the other alternate which goes first (ours-baseline, baseline-ours, …),
 * so that drift of the machine falls on both.
 */
export async function runPairs(
  ctx: RunContext,
  better: Better,
  sides: PairSides,
): Promise<ScenarioResult & { samples: { ours: Sample[]; baseline: Sample[]; ratios: number[] } }> {
  const ours: Sample[] = [];
  const baseline: Sample[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < ctx.pairs; pair++) {
    let o: Sample;
    let b: Sample;
    if ('together' in sides) {
      ({ ours: o, baseline: b } = await sides.together(pair));
    } else if (pair % 2 === 0) {
      o = await sides.ours(pair);
      b = await sides.baseline(pair);
    } else {
      b = await sides.baseline(pair);
      o = await sides.ours(pair);
    }
    ours.push(o);
    baseline.push(b);
    const ratio = ratioOf(better, o.value, b.value);
    ratios.push(ratio);
    ctx.log(
      `pair ${pair + 1}/${ctx.pairs}: ours ${fmt(o.value)} baseline ${fmt(b.value)} ratio ${ratio.toFixed(3)}`,
    );
  }
  const pick = (samples: Sample[], key: 'p50' | 'p99') => {
    const values = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? median(values) : null;
  };
  return {
    ours: median(ours.map((s) => s.value)),
    baseline: median(baseline.map((s) => s.value)),
    ratio: median(ratios),
    p50: pick(ours, 'p50'),
    p99: pick(ours, 'p99'),
    lost: ours.reduce((sum, s) => sum + (s.lost ?? 0), 0),
    samples: { ours, baseline, ratios },
  };
}

/** A number for logs and the table: 3 significant digits, thousands without decimals. */
export function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toString();
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
