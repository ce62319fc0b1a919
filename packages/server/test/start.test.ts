// `pnpm start` as a user runs it: in its own process group (as a terminal or a process manager
// starts it), stopped with Ctrl-C (SIGINT to the group) or SIGTERM to pnpm alone.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './support/redis';

const root = fileURLToPath(new URL('../../..', import.meta.url));

interface Started {
  pnpm: ChildProcess;
  port: number;
  /** The pid of the process that listens (`pid` of the server's log lines). */
  server: number;
  output: () => string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
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
function groupMembers(pgid: number): string[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,command='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map((fields) => fields.join(' '));
}

function alive(pid: number): boolean {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,stat='], { encoding: 'utf8' });
  return table.split('\n').some((line) => {
    const [id, stat] = line.trim().split(/\s+/);
    return Number(id) === pid && !stat?.startsWith('Z');
  });
}

async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `pnpm start` in a new session and process group, on a free port; resolves once /health answers. */
async function start(): Promise<Started> {
  const port = await freePort();
  const pnpm = spawn('pnpm', ['start'], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      DATABASE_URL: '',
      REDIS_URL: '',
    },
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
  const ready = /"pid":(\d+)[^\n]*videoconf ready/.exec(output);
  if (!up || gone || !ready) {
    if (!gone) process.kill(-pnpm.pid!, 'SIGKILL');
    throw new Error(`pnpm start did not come up on ${port}:\n${output}`);
  }
  return { pnpm, port, server: Number(ready[1]), output: () => output, exited };
}

/** Leaves nothing behind whatever a test found. */
function cleanUp(started: Started) {
  try {
    process.kill(-started.pnpm.pid!, 'SIGKILL');
  } catch {}
  try {
    process.kill(started.server, 'SIGKILL');
  } catch {}
}

describe.skipIf(process.platform === 'win32')('pnpm start', () => {
  for (const [sent, who] of [
    ['SIGINT', 'Ctrl-C'],
    ['SIGTERM', 'a container stopping'],
  ] as const) {
    it(`stops with exit code 0 on ${sent} to its process group (${who})`, async () => {
      const started = await start();
      try {
        process.kill(-started.pnpm.pid!, sent);
        const [code, signal] = await started.exited;
        expect({ code, signal }).toEqual({ code: 0, signal: null });
        expect(await eventually(() => groupMembers(started.pnpm.pid!).length === 0, 15_000)).toBe(
          true,
        );
        expect(await listening(started.port)).toBe(false);
        expect(started.output()).toContain('shutting down');
        expect(started.output()).not.toContain('ELIFECYCLE');
      } finally {
        cleanUp(started);
      }
    }, 180_000);
  }

  it('stops the server when pnpm alone gets SIGTERM (a process manager)', async () => {
    const started = await start();
    try {
      started.pnpm.kill('SIGTERM');
      const [code, signal] = await started.exited;
      expect(await eventually(() => !alive(started.server), 15_000)).toBe(true);
      expect(await listening(started.port)).toBe(false);
      expect(groupMembers(started.pnpm.pid!)).toEqual([]);
      expect(started.output()).toContain('shutting down');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(started.output()).not.toContain('ELIFECYCLE');
    } finally {
      cleanUp(started);
    }
  }, 180_000);

  it('stops the server when pnpm dies without passing anything on (SIGKILL)', async () => {
    const started = await start();
    try {
      started.pnpm.kill('SIGKILL');
      await started.exited;
      expect(await eventually(() => !alive(started.server), 15_000)).toBe(true);
      expect(await listening(started.port)).toBe(false);
      expect(groupMembers(started.pnpm.pid!)).toEqual([]);
      expect(started.output()).toContain('shutting down');
    } finally {
      cleanUp(started);
    }
  }, 180_000);
});
