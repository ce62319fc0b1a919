// `pnpm start` as a user runs it, for start*.test.ts: in its own process group (as a terminal or
// a process manager starts it), on a free port, with what it printed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

export interface Started {
  pnpm: ChildProcess;
  port: number;
  /** The pid of the process that listens (`pid` of the server's log lines). */
  server: number;
  /** The LiveKit dev server `pnpm start` runs next to ours, from the line it printed. */
  livekit: { url: string; httpUrl: string; port: number; pid: number } | null;
  output: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

import { freePort } from './redis';

export { freePort };

/** Whether something accepts connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Live (not zombie) processes of a process group, from `ps` (Linux and macOS). */
export function groupMembers(pgid: number): string[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,command='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map((fields) => fields.join(' '));
}

export function alive(pid: number): boolean {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,stat='], { encoding: 'utf8' });
  return table.split('\n').some((line) => {
    const [id, stat] = line.trim().split(/\s+/);
    return Number(id) === pid && !stat?.startsWith('Z');
  });
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms: number,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `pnpm start` in a new session and process group, on a free port; resolves once /health
 * answers. `env` is added to (or, `undefined`, removed from) this process's environment.
 */
export async function start(env: Record<string, string | undefined> = {}): Promise<Started> {
  const port = await freePort();
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    DATABASE_URL: '',
    REDIS_URL: '',
    LIVEKIT_URL: '',
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const pnpm = spawn('pnpm', ['start'], {
    cwd: root,
    detached: true,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  pnpm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  pnpm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(pnpm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let gone = false;
  void exited.then(() => (gone = true));
  // The first start of a checkout builds the server first.
  const up = await eventually(async () => {
    if (gone) return true;
    try {
      return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
    } catch {
      return false;
    }
  }, 150_000);
  // /health can answer before the ready line has come through the pipe.
  const readyLine = /"pid":(\d+)[^\n]*videoconf ready/;
  await eventually(() => gone || readyLine.test(output), 10_000);
  const ready = readyLine.exec(output);
  const livekit = /LiveKit dev server at ws:\/\/127\.0\.0\.1:(\d+) \(.*pid (\d+)\)/.exec(output);
  if (!up || gone || !ready) {
    if (!gone) process.kill(-pnpm.pid!, 'SIGKILL');
    if (livekit) process.kill(Number(livekit[2]), 'SIGKILL');
    throw new Error(`pnpm start did not come up on ${port}:\n${output}`);
  }
  return {
    pnpm,
    port,
    server: Number(ready[1]),
    livekit: livekit
      ? {
          url: `ws://127.0.0.1:${livekit[1]}`,
          httpUrl: `http://127.0.0.1:${livekit[1]}`,
          port: Number(livekit[1]),
          pid: Number(livekit[2]),
        }
      : null,
    output: () => output,
    exited,
  };
}

/** Whether the LiveKit dev server of a start is gone: its process, and its port. */
export async function livekitGone(started: Started): Promise<boolean> {
  if (!started.livekit) return true;
  return !alive(started.livekit.pid) && !(await listening(started.livekit.port));
}

/** Leaves nothing behind whatever a test found. */
export function cleanUp(started: Started) {
  for (const pid of [-started.pnpm.pid!, started.server, started.livekit?.pid]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/** POSTs to the API of a server `start()` started, as a user's client would; throws on a non-2xx. */
export function apiOf(port: number) {
  return async (path: string, body?: unknown, token?: string) => {
    const answer = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method: 'POST',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`POST ${path}: ${answer.status} ${text}`);
    return JSON.parse(text);
  };
}

/** Registers a user on a started server and logs in: its access token. */
export async function signUpOn(port: number, name: string): Promise<string> {
  const post = apiOf(port);
  const email = `${name.toLowerCase()}-${port}@example.com`;
  await post('/auth/register', { email, password: 'password123', displayName: name });
  return (await post('/auth/login', { email, password: 'password123' })).accessToken;
}
