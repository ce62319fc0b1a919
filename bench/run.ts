/**
 * `pnpm bench [--quick] [--only a,b] [--duration-scale x] [--pairs n] [--smoke] [--out file]`
 *
 * Runs every scenario of `bench/scenarios/` in order: our server and a baseline in the same run,
 * interleaved pairs, the median of the per-pair ratios. Prints a table, writes
 * `bench/results/latest.json`, and exits non-zero when a scenario is under its minimum or lost
 * something (with `--smoke`, only when a scenario failed to run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BENCH_DIR,
  type ChildServer,
  canPin,
  killAll,
  type LoadProcess,
  ROOT_DIR,
  spawnLoad,
  spawnServer,
} from './lib/proc';
import { SCENARIOS } from './lib/scenarios';
import { fmt } from './lib/stats';
import type { RunContext, Scenario, ScenarioResult, ScenarioRow } from './lib/types';

interface Args {
  quick: boolean;
  smoke: boolean;
  only: string[] | null;
  durationScale: number;
  pairs: number | null;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    smoke: false,
    only: null,
    durationScale: 1,
    pairs: null,
    out: join(BENCH_DIR, 'results', 'latest.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--':
        break;
      case '--quick':
        args.quick = true;
        break;
      case '--smoke':
        args.smoke = true;
        break;
      case '--only':
        args.only = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case '--duration-scale':
        args.durationScale = Number(value());
        break;
      case '--pairs':
        args.pairs = Number.parseInt(value(), 10);
        break;
      case '--out':
        args.out = resolve(process.cwd(), value());
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!(args.durationScale > 0)) throw new Error('--duration-scale must be > 0');
  return args;
}

function gitCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT_DIR, encoding: 'utf8' });
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT_DIR,
      encoding: 'utf8',
    });
    return `${sha.trim()}${dirty.trim() ? '-dirty' : ''}`;
  } catch {
    return null;
  }
}

function machine(args: Args) {
  const list = cpus();
  return {
    cpus: { model: list[0]?.model ?? 'unknown', count: list.length },
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    totalmem: totalmem(),
    date: new Date().toISOString(),
    commit: gitCommit(),
    quick: args.quick,
    smoke: args.smoke,
    durationScale: args.durationScale,
    pinned: canPin(),
  };
}

const pad = (text: string, width: number, right = false) =>
  right ? text.padStart(width) : text.padEnd(width);

function table(rows: ScenarioRow[]): string {
  const header = ['name', 'unit', 'ours', 'baseline', 'ratio', 'min', 'result', 'lost'];
  const lines = rows.map((row) => [
    row.name,
    row.unit,
    fmt(row.ours),
    fmt(row.baseline),
    Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : String(row.ratio),
    row.minRatio === null ? 'report' : row.minRatio.toFixed(2),
    row.error ? 'ERROR' : row.pass ? 'pass' : 'FAIL',
    String(row.lost),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([2, 3, 4, 5, 7]);
  const render = (cells: string[]) =>
    `| ${cells.map((c, i) => pad(c, widths[i]!, numeric.has(i))).join(' | ')} |`;
  return [
    render(header),
    `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
    ...lines.map(render),
  ].join('\n');
}

async function runScenario(name: string, args: Args): Promise<ScenarioRow> {
  const started = Date.now();
  const file = join(BENCH_DIR, 'scenarios', `${name}.ts`);
  const base = {
    name,
    unit: '',
    kind: 'report' as Scenario['kind'],
    minRatio: null as number | null,
  };
  const servers: ChildServer[] = [];
  const loads: LoadProcess[] = [];
  const log = (msg: string) => process.stderr.write(`[${name}] ${msg}\n`);
  try {
    if (!existsSync(file)) throw new Error(`no scenario module ${file}`);
    const { scenario } = (await import(pathToFileURL(file).href)) as { scenario: Scenario };
    Object.assign(base, {
      unit: scenario.unit,
      kind: scenario.kind,
      minRatio: scenario.minRatio,
    });
    const ctx: RunContext = {
      quick: args.quick,
      smoke: args.smoke,
      durationScale: args.durationScale,
      pairs: args.pairs ?? (args.smoke ? 1 : args.quick ? 3 : 5),
      log,
      seconds: (quick, full, floor = 0.25) =>
        Math.max(floor, (args.quick ? quick : full) * args.durationScale),
      spawnServer: async (script, env, core, flags) => {
        const server = await spawnServer(script, env, core, flags);
        servers.push(server);
        return server;
      },
      spawnLoad: (script, loadArgs, options) => {
        const load = spawnLoad(script, loadArgs, options);
        loads.push(load);
        return load;
      },
    };
    const result: ScenarioResult = await scenario.run(ctx);
    const numbers = [result.ours, result.baseline, result.ratio];
    if (!numbers.every(Number.isFinite)) {
      throw new Error(`non-finite result ${JSON.stringify(numbers)}`);
    }
    const pass =
      (scenario.minRatio === null || result.ratio >= scenario.minRatio) && result.lost === 0;
    return {
      ...base,
      ours: result.ours,
      baseline: result.baseline,
      ratio: result.ratio,
      p50: result.p50,
      p99: result.p99,
      lost: result.lost,
      pass,
      seconds: (Date.now() - started) / 1000,
      ...(result.details && { details: result.details }),
    };
  } catch (error) {
    log(`error: ${(error as Error)?.stack ?? error}`);
    return {
      ...base,
      ours: Number.NaN,
      baseline: Number.NaN,
      ratio: Number.NaN,
      p50: null,
      p99: null,
      lost: 0,
      pass: false,
      error: String((error as Error)?.message ?? error),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all([...loads, ...servers].map((child) => child.stop(2000).catch(() => {})));
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const names = args.only ?? SCENARIOS;
  const unknown = names.filter((n) => !SCENARIOS.includes(n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  const info = machine(args);
  process.stderr.write(
    `bench: ${args.quick ? 'quick' : 'full'}${args.smoke ? ' smoke' : ''}, ${info.cpus.count}× ${info.cpus.model}, node ${info.node}, ${info.pinned ? 'server on core 0, load on core 1' : 'not pinned'}\n`,
  );
  const rows: ScenarioRow[] = [];
  for (const name of names) {
    const row = await runScenario(name, args);
    rows.push(row);
    process.stderr.write(
      `[${name}] ${row.error ? 'ERROR' : row.pass ? 'pass' : 'FAIL'}: ratio ${fmt(row.ratio)} in ${row.seconds.toFixed(1)} s\n`,
    );
  }
  const total = rows.reduce((sum, row) => sum + row.seconds, 0);
  process.stdout.write(`\n${table(rows)}\n\n${rows.length} scenario(s) in ${total.toFixed(0)} s\n`);
  mkdirSync(dirname(args.out), { recursive: true });
  const output = {
    machine: { ...info, seconds: Math.round(total) },
    scenarios: rows.map((row) => ({
      name: row.name,
      unit: row.unit,
      ours: row.ours,
      baseline: row.baseline,
      ratio: row.ratio,
      p50: row.p50,
      p99: row.p99,
      lost: row.lost,
      kind: row.kind,
      minRatio: row.minRatio,
      pass: row.pass,
      seconds: Math.round(row.seconds * 10) / 10,
      ...(row.error && { error: row.error }),
      ...(row.details && { details: row.details }),
    })),
  };
  writeFileSync(args.out, `${JSON.stringify(output, null, 2)}\n`);
  process.stdout.write(`wrote ${args.out}\n`);
  if (rows.some((row) => row.error)) return 1;
  if (!args.smoke && rows.some((row) => !row.pass)) return 1;
  return 0;
}

process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

main()
  .then((code) => {
    killAll();
    process.exit(code);
  })
  .catch((error) => {
    process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    killAll();
    process.exit(2);
  });
