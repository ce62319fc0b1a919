import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../bench/lib/scenarios';

// The benchmark harness (bench/, `pnpm bench`) run for a second or two per scenario, so that it
// cannot rot: every scenario must start its servers, put load on them and report finite
// numbers. Nothing here depends on speed.

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const DIST = join(ROOT, 'packages/server/dist/index.js');
const SMOKE_TIMEOUT_MS = 170_000;

interface Row {
  name: string;
  ours: number;
  baseline: number;
  ratio: number;
  lost: number;
  error?: string;
}

describe('bench harness (smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'videoconf-bench-'));
  const out = join(dir, 'latest.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    // CI builds before the tests; a local run may not have.
    if (!existsSync(DIST)) {
      await run('pnpm', ['--filter', '@videoconf/server...', 'run', 'build'], { cwd: ROOT });
    }
  }, 180_000);

  it(
    'runs every scenario and reports finite numbers',
    async () => {
      const { stdout, stderr } = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/run.ts',
          '--smoke',
          '--quick',
          '--duration-scale',
          '0.05',
          '--out',
          out,
        ],
        { cwd: ROOT, timeout: SMOKE_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      });
      const report = JSON.parse(readFileSync(out, 'utf8')) as {
        machine: Record<string, unknown>;
        scenarios: Row[];
      };
      expect(report.machine.node).toBe(process.version);
      const names = report.scenarios.map((row) => row.name);
      expect(names).toEqual(SCENARIOS);
      for (const row of report.scenarios) {
        const context = `${row.name}: ${JSON.stringify(row)}\n${stdout}\n${stderr}`;
        expect(row.error, context).toBeUndefined();
        for (const value of [row.ours, row.baseline, row.ratio, row.lost]) {
          expect(Number.isFinite(value), context).toBe(true);
        }
      }
    },
    SMOKE_TIMEOUT_MS + 10_000,
  );
});
