// `pnpm start`: builds the server when its build is missing or older than its sources, then
// runs `videoconf serve` in this process, so SIGINT and SIGTERM reach the server itself. A lock
// directory makes several starts at once (two instances on one checkout) build once: the
// others wait, then find the build fresh.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = join(root, 'node_modules', '.videoconf-build.lock');
const cli = join(root, 'packages/server/dist/cli.js');
const outputs = [cli, join(root, 'packages/protocol/dist/index.js')];
const sources = [join(root, 'packages/server/src'), join(root, 'packages/protocol/src')];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path));
  }, 0);

async function acquire() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // A lock left by a build that died more than 5 minutes ago is stale.
      if (Date.now() - mtime(lock) > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
    }
  }
}

await acquire();
try {
  const built = Math.min(...outputs.map(mtime));
  if (built === 0 || Math.max(...sources.map(newest)) > built) {
    const result = spawnSync('pnpm', ['--filter', '@videoconf/server...', 'run', 'build'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
} finally {
  rmSync(lock, { recursive: true, force: true });
}

// Run by a package manager, the server must not outlive it. The `start` script `exec`s node, so
// pnpm's SIGINT/SIGTERM reach this process directly; a package manager that dies without
// forwarding (SIGKILL, OOM, or one that signals only its shell) leaves this process to init:
// a changed parent pid then shuts the server down as SIGTERM would.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
}

process.argv = [process.argv[0], cli, 'serve'];
await import(cli);
