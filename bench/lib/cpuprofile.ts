/**
 * Reads V8 CPU profiles (`.cpuprofile`, as `BENCH_PROFILE=<dir>` or `node --cpu-prof` write them):
 *
 * - `node --import tsx bench/lib/cpuprofile.ts <file> [top=30]`: busy time by package, the
 *   functions with the most self time, and the most inclusive time (idle left out);
 * - `node --import tsx bench/lib/cpuprofile.ts --compare <a>:<requests> <b>:<requests> [top]`:
 *   self time per request of two profiles (ours and the baseline of one pair, say), largest
 *   difference first.
 *
 * `BENCH_PROFILE=/tmp/prof pnpm bench --quick --only http.me` profiles both servers of an HTTP
 * scenario during their measured runs; `BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`
 * profiles every server child from start to exit.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const shorten = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '')
    .replace(/.*\/packages\//, '');

export function selfTimes(profile: Profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  // Percentages are of the busy time: idle, (program) and the profiler's own work (the native
  // `dispatch` of the inspector session that stops it) are left out.
  const quietNames = new Set(['(idle)', '(program)']);
  const quiet = {
    has: (id: number) => {
      const { functionName, url } = byId.get(id)!.callFrame;
      return quietNames.has(functionName) || (functionName === 'dispatch' && url === '');
    },
  };
  let total = 0;
  for (const [id, micros] of self) {
    if (!quiet.has(id)) total += micros;
  }
  // Inclusive time: every function on the stack of a sample, once per sample.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, micros] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      const key = `${functionName || '(anonymous)'} ${shorten(url)}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    }
  }
  const fns = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (quiet.has(id)) continue;
    const key = `${functionName || '(anonymous)'} ${shorten(url)}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + micros);
    const pkg = url
      ? (/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
        (url.startsWith('node:') ? 'node:' : url.includes('/dist/') ? 'videoconf dist' : 'other'))
      : functionName || '(vm)';
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
  }
  const sorted = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => ({ name: k, ms: v / 1000, pct: (100 * v) / total }));
  return {
    totalMs: total / 1000,
    functions: sorted(fns),
    packages: sorted(packages),
    inclusive: sorted(inclusive),
  };
}

const line = (r: { name: string; ms: number; pct: number }) =>
  `${r.pct.toFixed(1).padStart(5)}% ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;

/** Self time per request of two profiles, side by side, largest difference first. */
function compare(a: string, b: string, top: number): void {
  const load = (arg: string) => {
    const [file, requests] = arg.split(':');
    const result = selfTimes(JSON.parse(readFileSync(file!, 'utf8')) as Profile);
    const n = Number(requests);
    if (!(n > 0)) throw new Error(`${arg}: give the number of requests as <file>:<requests>`);
    const per = new Map(
      result.functions.map((f) => [f.name.replace(/:\d+$/, ''), (f.ms * 1000) / n]),
    );
    return { per, total: (result.totalMs * 1000) / n };
  };
  const [x, y] = [load(a), load(b)];
  console.log(`busy µs/request: ${x.total.toFixed(1)} vs ${y.total.toFixed(1)}\n`);
  console.log('   diff       a       b  function (self µs/request)');
  const names = new Set([...x.per.keys(), ...y.per.keys()]);
  const rows = [...names]
    .map((name) => ({ name, a: x.per.get(name) ?? 0, b: y.per.get(name) ?? 0 }))
    .sort((p, q) => q.a - q.b - (p.a - p.b));
  for (const r of rows.slice(0, top)) {
    console.log(
      `${(r.a - r.b).toFixed(2).padStart(7)} ${r.a.toFixed(2).padStart(7)} ${r.b.toFixed(2).padStart(7)}  ${r.name}`,
    );
  }
}

if (process.argv[1]?.endsWith('cpuprofile.ts')) {
  process.stdout.on('error', () => process.exit(0));
  const args = process.argv.slice(2);
  if (args[0] === '--compare') {
    compare(args[1] ?? '', args[2] ?? '', Number(args[3] ?? 40));
  } else {
    const [file, top = '30'] = args;
    if (!file) throw new Error('usage: cpuprofile.ts <file.cpuprofile> [top]');
    const result = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
    console.log(`busy ${result.totalMs.toFixed(0)} ms (idle left out)\n\nby package:`);
    console.log(result.packages.slice(0, 15).map(line).join('\n'));
    console.log('\nby function (self time):');
    console.log(result.functions.slice(0, Number(top)).map(line).join('\n'));
    console.log('\nby function (inclusive):');
    console.log(result.inclusive.slice(0, Number(top)).map(line).join('\n'));
  }
}
