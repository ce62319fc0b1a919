/**
 * `node --import tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top=30]`: the functions with the
 * most self time in a V8 CPU profile (as written by `node --cpu-prof`), and the same grouped by
 * package. Profile a server child with
 * `BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" pnpm bench --quick --only http.me`.
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
  // Percentages are of the busy time: idle and the profiler's own (program) are left out.
  const quiet = new Set(['(idle)', '(program)']);
  let total = 0;
  for (const [id, micros] of self) {
    if (!quiet.has(byId.get(id)!.callFrame.functionName)) total += micros;
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
    if (quiet.has(functionName)) continue;
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

if (process.argv[1]?.endsWith('cpuprofile.ts')) {
  process.stdout.on('error', () => process.exit(0));
  const [file, top = '30'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuprofile.ts <file.cpuprofile> [top]');
  const result = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const line = (r: { name: string; ms: number; pct: number }) =>
    `${r.pct.toFixed(1).padStart(5)}% ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`;
  console.log(`busy ${result.totalMs.toFixed(0)} ms (idle left out)\n\nby package:`);
  console.log(result.packages.slice(0, 15).map(line).join('\n'));
  console.log('\nby function (self time):');
  console.log(result.functions.slice(0, Number(top)).map(line).join('\n'));
  console.log('\nby function (inclusive):');
  console.log(result.inclusive.slice(0, Number(top)).map(line).join('\n'));
}
