import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../bench/lib/scenarios';
import { chromiumBinary } from './support/browser';
import { livekitBinary } from './support/livekit-server';

// The benchmark harness (bench/, `pnpm bench`) run for a second or two per scenario, so that it
// cannot rot: every scenario must start its servers, put load on them and report finite
// numbers. Nothing here depends on speed.

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
const DIST = join(ROOT, 'packages/server/dist/index.js');
const SMOKE_TIMEOUT_MS = 170_000;

// `media.join` needs a LiveKit binary and Chromium. Without one of them it is left out, with the
// reason printed, unless VIDEOCONF_REQUIRE_LIVEKIT=1 / VIDEOCONF_REQUIRE_BROWSER=1 (CI), where
// `livekitBinary()` / `chromiumBinary()` throw and this file fails.
const MEDIA = 'media.join';
const mediaReady = Boolean(livekitBinary()) && Boolean(chromiumBinary());
if (!mediaReady) console.warn(`bench smoke: leaving ${MEDIA} out (no LiveKit binary or Chromium)`);
const EXPECTED = SCENARIOS.filter((name) => mediaReady || name !== MEDIA);

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
          ...(mediaReady ? [] : ['--only', EXPECTED.join(',')]),
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
      expect(names).toEqual(EXPECTED);
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
