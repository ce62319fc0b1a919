import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** `bench/`. */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const ROOT_DIR = resolve(BENCH_DIR, '..');

// biome-ignore lint/suspicious/noExplicitAny: JSON lines from children are read field by field
export type Json = Record<string, any>;

let tasksetAvailable: boolean | null = null;

/** True when `taskset` exists and the machine has at least two cores to pin to. */
export function canPin(): boolean {
  if (tasksetAvailable === null) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      tasksetAvailable = cpus().length >= 2;
    } catch {
      tasksetAvailable = false;
    }
  }
  return tasksetAvailable;
}

/** Core of the server under test, and of the load generators. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

const live = new Set<ChildProcess>();

/** USER_HZ of /proc/<pid>/stat: 100 on every Linux that matters. */
const CLOCK_TICKS = 100;

/** Kills every child still running (the harness calls it on exit and on errors). */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

const resolveScript = (script: string) => (isAbsolute(script) ? script : join(BENCH_DIR, script));

function command(
  script: string,
  args: string[],
  core: number | null,
  flags: string[] = [],
): [string, string[]] {
  let cmd: string;
  let argv: string[];
  if (script.endsWith('.ts') || script.endsWith('.js') || script.endsWith('.mjs')) {
    cmd = process.execPath;
    argv = [...flags, '--import', 'tsx', resolveScript(script), ...args];
  } else {
    const local = join(ROOT_DIR, 'node_modules', '.bin', script);
    cmd = existsSync(local) ? local : script;
    argv = args;
  }
  if (core !== null && canPin()) return ['taskset', ['-c', String(core), cmd, ...argv]];
  return [cmd, argv];
}

/**
 * Extra node flags for server children from BENCH_NODE_FLAGS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof`), split on spaces. Load generators never get them.
 */
const nodeFlags = () => (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/**
 * A child process that talks in JSON lines: it prints one JSON object a line on stdout
 * (other lines are ignored), and reads JSON lines on stdin.
 */
export class JsonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly messages: Json[] = [];
  private read = 0;
  private wake: (() => void) | null = null;
  private stderr = '';
  private exitInfo: { code: number | null; signal: string | null } | null = null;

  constructor(
    readonly label: string,
    cmd: string,
    argv: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(cmd, argv, {
      cwd: ROOT_DIR,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this.child);
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const text = line.trim();
      if (!text.startsWith('{')) {
        // What node itself prints there (`--trace-gc`, say), for BENCH_VERBOSE.
        if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${line}\n`);
        return;
      }
      try {
        this.messages.push(JSON.parse(text) as Json);
      } catch {
        return;
      }
      this.wake?.();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${chunk}`);
    });
    this.child.stdin!.on('error', () => {
      // The child exited; `send` after that is a no-op.
    });
    this.exited = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        this.exitInfo = { code, signal };
        resolveExit(this.exitInfo);
        this.wake?.();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The last 8 KB the child wrote on stderr. */
  get errorOutput(): string {
    return this.stderr;
  }

  /** Writes one JSON line on the child's stdin. */
  send(message: object): void {
    if (this.exitInfo) return;
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * The next unread JSON line (that matches); fails after `timeoutMs` or when the child exits
   * before printing it.
   */
  async next(match: (message: Json) => boolean = () => true, timeoutMs = 60_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.read < this.messages.length) {
        const message = this.messages[this.read++]!;
        if (match(message)) return message;
      }
      if (this.exitInfo) {
        throw new Error(
          `${this.label} exited (${this.exitInfo.code ?? this.exitInfo.signal}) before the expected line:\n${this.stderr}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.label}: no expected line within ${timeoutMs} ms\n${this.stderr}`);
      await new Promise<void>((wakeUp) => {
        const timer = setTimeout(wakeUp, left);
        this.wake = () => {
          clearTimeout(timer);
          wakeUp();
        };
      });
      this.wake = null;
    }
  }

  /** Waits for the exit and returns the last JSON line; rejects on a non-zero exit. */
  async result<T = Json>(timeoutMs = 600_000): Promise<T> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${this.label} exited with ${code ?? signal}:\n${this.stderr}`);
    const last = this.messages[this.messages.length - 1];
    if (!last) throw new Error(`${this.label} printed no JSON:\n${this.stderr}`);
    return last as T;
  }

  /** SIGTERM (SIGINT-like graceful stop), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exitInfo) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** CPU time (user + system) the child used so far, in seconds; NaN where /proc is missing. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return Number.NaN;
    }
  }

  /** Resident set size of the child in bytes (Linux: /proc; else asks the child). */
  async rss(): Promise<number> {
    try {
      // Under taskset the pid is that of node itself: taskset execs its command.
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
      if (match) return Number(match[1]) * 1024;
    } catch {
      // Fall through.
    }
    this.send({ cmd: 'rss' });
    const answer = await this.next((m) => typeof m.rss === 'number', 10_000);
    return answer.rss as number;
  }
}

export interface ChildServer extends JsonProcess {
  /** Everything the ready line carried (`port`, and whatever the server script adds). */
  readonly info: Json;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
}

/**
 * Starts a server script and waits for its `{"ready":true,"port":N}` line. `flags` are node
 * flags of this server (BENCH_NODE_FLAGS come after them).
 */
export async function spawnServer(
  script: string,
  env: Record<string, string> = {},
  core: number | null = SERVER_CORE,
  flags: string[] = [],
  timeoutMs = 60_000,
): Promise<ChildServer> {
  const [cmd, argv] = command(script, [], core, [...flags, ...nodeFlags()]);
  const proc = new JsonProcess(script, cmd, argv, env);
  try {
    const info = await proc.next((m) => m.ready === true, timeoutMs);
    const port = Number(info.port);
    return Object.assign(proc, {
      info,
      port,
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}`,
    }) as ChildServer;
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
}

export interface SpawnLoadOptions {
  env?: Record<string, string>;
  /** Default 1, the load core; `null` = not pinned. */
  core?: number | null;
}

export type LoadProcess = JsonProcess;

/** Starts a load generator (a `.ts` script, or a command such as `autocannon`). */
export function spawnLoad(
  script: string,
  args: string[] = [],
  options: SpawnLoadOptions = {},
): LoadProcess {
  const [cmd, argv] = command(script, args, options.core === undefined ? LOAD_CORE : options.core);
  return new JsonProcess(script, cmd, argv, options.env ?? {});
}
