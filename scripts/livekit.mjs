// `pnpm livekit:install`: finds the LiveKit server binary, or builds the pinned version with Go,
// and prints where it is. `pnpm start`, the tests and `.ci/run` find it through `findLivekit()`,
// and `pnpm start` and the tests run it through `startLivekit()`: a dev server on free loopback
// ports, with a config file of its own, stopped with the process that started it.
//
// Where a binary comes from, in this order:
//   1. `LIVEKIT_SERVER_BIN`: a path to any `livekit-server` binary;
//   2. the cache: ${XDG_CACHE_HOME:-~/.cache}/videoconf/livekit-server-v1.13.5;
//   3. `livekit-server` on PATH;
//   4. with `build`: `go install github.com/livekit/livekit-server/cmd/server@v1.13.5` into the
//      cache (later tags carry `replace` directives, which `go install` refuses).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
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

/** Whether `buildLivekit()` can run here: Go is on PATH. */
export const canBuildLivekit = () => onPath('go') !== null;

/** Why no binary could be had, and what to do about it: one paragraph for people. */
export const NO_LIVEKIT_HELP = [
  `No LiveKit server binary: set LIVEKIT_SERVER_BIN to a livekit-server binary, put`,
  `livekit-server on PATH, or install Go (1.21 or later: it fetches the 1.26 toolchain LiveKit needs) and run \`pnpm livekit:install\` to`,
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
        // Compiling prints nothing for minutes: say that it is still going.
        const started = Date.now();
        const ticks = setInterval(() => {
          onProgress(`still building (${Math.round((Date.now() - started) / 1000)} s)`);
        }, 30_000);
        go.on('error', (error) => {
          clearInterval(ticks);
          reject(error);
        });
        go.on('close', (code) => {
          clearInterval(ticks);
          code === 0 ? resolve() : reject(new Error(`go install exited with ${code}`));
        });
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

/** A free TCP port on loopback (free now; the caller binds it soon after). */
export async function freeTcpPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A free UDP port on loopback. */
export async function freeUdpPort() {
  const socket = createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(resolve));
  return port;
}

const watchdog = fileURLToPath(new URL('./livekit-watchdog.mjs', import.meta.url));

const running = (child) => child.exitCode === null && child.signalCode === null;

/**
 * Starts `binary` on free loopback ports and waits until it answers:
 *   - a config file in a temporary directory: a generated key and a 64-character secret,
 *     `rtc.node_ip` 127.0.0.1 with loopback candidates (browsers on this machine reach it),
 *     one UDP port (muxed) and one TCP port for media, webhooks to `webhookUrls` signed with
 *     the key;
 *   - the server in a process group of its own, so that a Ctrl-C of the terminal reaches only
 *     the process that started it, which stops it (`close()`) as it sees fit;
 *   - a watchdog (scripts/livekit-watchdog.mjs) that stops it when the process that started it
 *     is gone, however it went (a SIGKILL runs no exit handler): nothing is left running.
 */
export async function startLivekit(binary, options = {}) {
  // A port free when chosen can be taken by another process before LiveKit binds it: try again
  // on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, options);
    } catch (error) {
      if (attempt === 3 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

async function startOnce(binary, { webhookUrls = [], logLevel = 'warn', onOutput }) {
  const [port, tcpPort, udpPort] = [await freeTcpPort(), await freeTcpPort(), await freeUdpPort()];
  const apiKey = `dev${randomBytes(6).toString('hex')}`;
  const apiSecret = randomBytes(32).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'videoconf-livekit-'));
  const config = join(dir, 'livekit.yaml');
  writeFileSync(
    config,
    [
      `port: ${port}`,
      'bind_addresses: ["127.0.0.1"]',
      'rtc:',
      `  tcp_port: ${tcpPort}`,
      `  udp_port: ${udpPort}`,
      '  node_ip: 127.0.0.1',
      '  use_external_ip: false',
      '  enable_loopback_candidate: true',
      'keys:',
      `  ${apiKey}: ${apiSecret}`,
      'logging:',
      `  level: ${logLevel}`,
      ...(webhookUrls.length
        ? ['webhook:', `  api_key: ${apiKey}`, '  urls:', ...webhookUrls.map((u) => `    - ${u}`)]
        : []),
      '',
    ].join('\n'),
  );
  let output = '';
  const child = spawn(binary, ['--config', config], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const record = (chunk) => {
    output += chunk;
    onOutput?.(String(chunk));
  };
  child.stdout.on('data', record);
  child.stderr.on('data', record);
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      record(`${error.message}\n`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // The watchdog reads its stdin, a pipe only this process holds: the end of the pipe is the
  // end of this process. Detached too, so a signal to this process group leaves it be.
  const guard = child.pid
    ? spawn(process.execPath, [watchdog, String(child.pid)], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      })
    : null;
  guard?.unref();
  guard?.stdin.on('error', () => {});
  let closing;
  const close = () => {
    closing ??= (async () => {
      // LiveKit's first SIGTERM waits for every participant to leave; a second one does not.
      for (const [signal, ms] of [
        ['SIGTERM', 1_000],
        ['SIGTERM', 5_000],
        ['SIGKILL', 5_000],
      ]) {
        if (!child.pid || !running(child)) break;
        try {
          process.kill(-child.pid, signal);
        } catch {}
        await Promise.race([exited, sleep(ms)]);
      }
      guard?.stdin.end();
      rmSync(dir, { recursive: true, force: true });
    })();
    return closing;
  };
  const server = {
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    apiKey,
    apiSecret,
    pid: child.pid,
    tcpPort,
    ports: { http: port, tcp: tcpPort, udp: udpPort },
    output: () => output,
    exited,
    close,
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!running(child) || !child.pid) {
      const { code, signal } = await exited;
      await close();
      throw new Error(`livekit-server exited with ${signal ?? code}:\n${output}`);
    }
    try {
      const answer = await fetch(server.httpUrl, { signal: AbortSignal.timeout(1_000) });
      if (answer.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`livekit-server did not answer within 20 s:\n${output}`);
    }
    await sleep(100);
  }
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
