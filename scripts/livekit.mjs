// `pnpm livekit:install`: finds the LiveKit server binary, or builds the pinned version with Go,
// and prints where it is. `pnpm start`, the tests and `.ci/run` find it through `findLivekit()`.
//
// Where a binary comes from, in this order:
//   1. `LIVEKIT_SERVER_BIN`: a path to any `livekit-server` binary;
//   2. the cache: ${XDG_CACHE_HOME:-~/.cache}/videoconf/livekit-server-v1.13.5;
//   3. `livekit-server` on PATH;
//   4. with `build`: `go install github.com/livekit/livekit-server/cmd/server@v1.13.5` into the
//      cache (later tags carry `replace` directives, which `go install` refuses).
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const LIVEKIT_VERSION = 'v1.13.5';
export const LIVEKIT_MODULE = 'github.com/livekit/livekit-server/cmd/server';

const cacheDir = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'videoconf');

/** Where the pinned binary is cached once built. */
export const cachedLivekitPath = () => join(cacheDir(), `livekit-server-${LIVEKIT_VERSION}`);

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(executable) ?? null;

/** The binary that is already there, without building: `{ path, source }` or null. */
export function locateLivekit() {
  const fromEnv = process.env.LIVEKIT_SERVER_BIN;
  if (fromEnv) {
    if (!executable(fromEnv)) {
      throw new Error(`LIVEKIT_SERVER_BIN=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, source: 'LIVEKIT_SERVER_BIN' };
  }
  const cached = cachedLivekitPath();
  if (executable(cached)) return { path: cached, source: 'cache' };
  const path = onPath('livekit-server');
  return path ? { path, source: 'PATH' } : null;
}

/** Why no binary could be had, and what to do about it: one paragraph for people. */
export const NO_LIVEKIT_HELP = [
  `No LiveKit server binary: set LIVEKIT_SERVER_BIN to a livekit-server binary, put`,
  `livekit-server on PATH, or install Go (1.22 or later) and run \`pnpm livekit:install\` to`,
  `build ${LIVEKIT_VERSION} once into ${cachedLivekitPath()}. Or point LIVEKIT_URL,`,
  `LIVEKIT_API_KEY and LIVEKIT_API_SECRET at a LiveKit deployment or LiveKit Cloud.`,
].join(' ');

/**
 * Builds the pinned binary with `go install` into the cache. Several builds at once (two starts,
 * parallel tests) build once: a lock directory makes the others wait, then find the binary.
 * `onProgress(line)` sees Go's output while it builds (the first build takes minutes).
 */
export async function buildLivekit({ onProgress = () => {} } = {}) {
  if (!onPath('go')) throw new Error(NO_LIVEKIT_HELP);
  const target = cachedLivekitPath();
  mkdirSync(cacheDir(), { recursive: true });
  const lock = `${target}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a build that died more than 20 minutes ago is stale.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 20 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
      }
      if (executable(target)) return target;
      await sleep(500);
    }
  }
  try {
    if (executable(target)) return target;
    const bin = mkdtempSync(join(tmpdir(), 'videoconf-livekit-'));
    try {
      await new Promise((resolve, reject) => {
        const go = spawn('go', ['install', `${LIVEKIT_MODULE}@${LIVEKIT_VERSION}`], {
          env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const forward = (chunk) => {
          for (const line of String(chunk).split('\n')) if (line.trim()) onProgress(line);
        };
        go.stdout.on('data', forward);
        go.stderr.on('data', forward);
        go.on('error', reject);
        go.on('close', (code) =>
          code === 0 ? resolve() : reject(new Error(`go install exited with ${code}`)),
        );
      });
      renameSync(join(bin, 'server'), target);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
    return target;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The binary's path: one already there, else (with `build`) the pinned version built now. */
export async function findLivekit({ build = false, onProgress } = {}) {
  const found = locateLivekit();
  if (found) return found;
  if (!build) return null;
  return { path: await buildLivekit({ onProgress }), source: 'built' };
}

/** The version a binary reports, e.g. `1.13.5`. */
export function livekitVersion(path) {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return /(\d+\.\d+\.\d+)/.exec(result.stdout ?? '')?.[1] ?? 'unknown';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const found = await findLivekit({
      build: true,
      onProgress: (line) => process.stderr.write(`go: ${line}\n`),
    });
    console.log(`livekit-server ${livekitVersion(found.path)} (${found.source}): ${found.path}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
