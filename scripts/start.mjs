// `pnpm start`: builds the server when its build is missing or older than its sources, then
// runs `videoconf serve` in this process, so SIGINT and SIGTERM reach the server itself. The
// meeting page examples/embed (plain files on the web components' embed script) is served at
// `/`, the example page examples/client-only (built with the client SDK it uses) at
// /examples/client-only/, next to the API (`videoconf serve --static`), and the web components'
// embed script at /embed/videoconf.js (built here too: `videoconf serve` finds
// `@videoconf/web-components/videoconf.js` through the workspace root's devDependency). A lock
// directory makes several starts at once (two instances on one checkout) build once: the
// others wait, then find the build fresh.
//
// Video out of the box: unless LIVEKIT_URL is set or LIVEKIT=off, a LiveKit dev server runs next
// to ours on free loopback ports (scripts/livekit.mjs; built with Go the first time), wired to
// ours through LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET, its webhooks posted to ours. It
// stops with ours, and ours stops (exit code 1) if it dies. Without a binary and without Go,
// ours starts without media and says in one line how to turn video on (docs/livekit.md).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  canBuildLivekit,
  findLivekit,
  freeTcpPort,
  LIVEKIT_VERSION,
  livekitVersion,
  locateLivekit,
  startLivekit,
} from './livekit.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = join(root, 'node_modules', '.videoconf-build.lock');
const cli = join(root, 'packages/server/dist/cli.js');
const example = join(root, 'examples/client-only');
const meeting = join(root, 'examples/embed/public');
const outputs = [
  cli,
  join(root, 'packages/protocol/dist/index.js'),
  join(root, 'packages/client-sdk/dist/index.js'),
  join(root, 'packages/web-components/dist/videoconf.js'),
  join(example, 'dist/main.js'),
];
const sources = [
  join(root, 'packages/server/src'),
  join(root, 'packages/protocol/src'),
  join(root, 'packages/client-sdk/src'),
  join(root, 'packages/web-components/src'),
  join(example, 'src'),
  join(example, 'public'),
  join(example, 'build.mjs'),
];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** The newest modification time of a file, or of the files under a directory. */
const newest = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0)
    : mtime(path);

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
    const result = spawnSync(
      'pnpm',
      [
        '--filter',
        '@videoconf/server...',
        '--filter',
        '@videoconf/example-client-only...',
        '--filter',
        '@videoconf/web-components...',
        'run',
        'build',
      ],
      { cwd: root, stdio: 'inherit' },
    );
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

const say = (line) => process.stderr.write(`${line}\n`);

const TURN_VIDEO_ON =
  'Video is off (no livekit-server binary, no Go to build one): to turn it on, install Go and ' +
  'run `pnpm start` again (it builds LiveKit once), or set LIVEKIT_SERVER_BIN to a ' +
  'livekit-server binary, or set LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET ' +
  '(docs/livekit.md); LIVEKIT=off starts without video and without this line.';

/** The binary to run, built with Go if need be; null when none can be had. */
async function livekitBinary(required) {
  const found = locateLivekit();
  if (found) return found.path;
  if (!canBuildLivekit()) {
    if (required) throw new Error(`LIVEKIT=on: ${TURN_VIDEO_ON}`);
    say(TURN_VIDEO_ON);
    return null;
  }
  say(`Building livekit-server ${LIVEKIT_VERSION} with Go, once (a few minutes)...`);
  try {
    const built = await findLivekit({ build: true, onProgress: (line) => say(`  go: ${line}`) });
    say(`Built ${built.path}`);
    return built.path;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (required) throw new Error(`LIVEKIT=on: building livekit-server failed: ${reason}`);
    say(`Building livekit-server failed (${reason}). ${TURN_VIDEO_ON}`);
    return null;
  }
}

/** Where LiveKit posts its webhooks: our own address, on loopback when we listen on all. */
function webhookUrl() {
  const host = process.env.HOST || '127.0.0.1';
  const address = ['0.0.0.0', '::', 'localhost'].includes(host)
    ? '127.0.0.1'
    : host.includes(':')
      ? `[${host}]`
      : host;
  return `http://${address}:${process.env.PORT}/api/v1/livekit/webhook`;
}

async function startDevLivekit() {
  const mode = (process.env.LIVEKIT ?? '').toLowerCase();
  if (!['', 'on', 'off'].includes(mode)) {
    throw new Error(`LIVEKIT must be on, off or unset, got ${process.env.LIVEKIT}`);
  }
  if (process.env.LIVEKIT_URL || mode === 'off') return;
  const binary = await livekitBinary(mode === 'on');
  if (!binary) return;
  // The webhook URL needs our port before we listen: PORT=0 becomes a free port now.
  if (process.env.PORT === '0') process.env.PORT = String(await freeTcpPort());
  process.env.PORT ||= '3000';
  const livekit = await startLivekit(binary, {
    webhookUrls: [webhookUrl()],
    onOutput: (chunk) => process.stderr.write(chunk.replace(/^(?=.)/gm, 'livekit: ')),
  });
  process.env.LIVEKIT_URL = livekit.url;
  process.env.LIVEKIT_API_KEY = livekit.apiKey;
  process.env.LIVEKIT_API_SECRET = livekit.apiSecret;
  say(
    `LiveKit dev server at ${livekit.url} (livekit-server ${livekitVersion(binary)}, ` +
      `pid ${livekit.pid}), webhooks to ${webhookUrl()}`,
  );

  // Ours stops: LiveKit stops too. Its own watchdog stops it if this process dies unannounced.
  let stopping = false;
  const stop = () => {
    stopping = true;
    void livekit.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('exit', () => {
    try {
      process.kill(-livekit.pid, 'SIGTERM');
    } catch {}
  });
  // LiveKit dies: ours stops too, with exit code 1 (a server without its media is broken).
  void livekit.exited.then(({ code, signal }) => {
    if (stopping) return;
    say(
      `LiveKit dev server ${livekit.url} exited unexpectedly (${signal ?? `exit code ${code}`}): ` +
        'stopping videoconf too.',
    );
    process.on('exit', () => {
      process.exitCode = 1;
    });
    process.kill(process.pid, 'SIGTERM');
  });
}

try {
  await startDevLivekit();
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

process.argv = [
  process.argv[0],
  cli,
  'serve',
  '--static',
  `/=${meeting}`,
  '--static',
  `/examples/client-only/=${example}/dist`,
];
await import(cli);
