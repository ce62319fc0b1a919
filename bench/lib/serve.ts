import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Json } from './proc';

export interface ServeOptions {
  port: number;
  /** Extra fields of the ready line (tokens, ids…). */
  info?: Json;
  /** Closes the server; called on SIGTERM/SIGINT and when stdin ends (the harness died). */
  close: () => Promise<void>;
  /**
   * Commands the harness may send as `{"cmd":"<name>",...}` JSON lines on stdin; the answer is
   * printed as `{"reply":"<name>",...}`. Built in: `rss` → `{"reply":"rss","rss":bytes}`, `gc` (a
   * full collection) → `{"reply":"gc","rss":bytes}`, `profile-start` and `profile-stop`
   * (`{"cmd":"profile-stop","file":"x.cpuprofile"}`: a CPU profile of the window between them).
   */
  commands?: Record<string, (message: Json) => Promise<Json | undefined> | Json | undefined>;
}

/** A full garbage collection, without needing `--expose-gc` on the command line. */
export function forceGc(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

let session: Session | null = null;
const post = (method: string, params: object = {}) =>
  new Promise<Json>((resolve, reject) => {
    session!.post(method, params, (error, result) =>
      error ? reject(error) : resolve(result as Json),
    );
  });

/** CPU profile of a window of the run (`profile-start`, then `profile-stop` with a file). */
async function profile(cmd: string, file: string | undefined): Promise<Json> {
  if (cmd === 'profile-start') {
    session ??= new Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    return {};
  }
  if (!session) throw new Error('profile-stop without profile-start');
  const { profile: result } = await post('Profiler.stop');
  session.disconnect();
  session = null;
  if (file) writeFileSync(file, JSON.stringify(result));
  return { file };
}

/** Prints one JSON line on stdout. */
export const emit = (message: Json): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/**
 * The end of every server script: prints `{"ready":true,"port":N,...info}`, answers stdin
 * commands, and exits 0 after `close()` on SIGTERM (so `--cpu-prof` writes its profile).
 */
export function serve(options: ServeOptions): void {
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    try {
      await options.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', async (line) => {
    let message: Json;
    try {
      message = JSON.parse(line) as Json;
    } catch {
      return;
    }
    const cmd = String(message.cmd ?? '');
    if (cmd === 'rss') {
      emit({ reply: 'rss', rss: process.memoryUsage().rss });
      return;
    }
    if (cmd === 'gc') {
      forceGc();
      emit({ reply: 'gc', rss: process.memoryUsage().rss });
      return;
    }
    if (cmd === 'profile-start' || cmd === 'profile-stop') {
      try {
        emit({ reply: cmd, ...(await profile(cmd, message.file as string | undefined)) });
      } catch (error) {
        emit({ reply: cmd, error: String(error) });
      }
      return;
    }
    const handler = options.commands?.[cmd];
    if (!handler) {
      emit({ reply: cmd, error: `unknown command ${cmd}` });
      return;
    }
    try {
      emit({ reply: cmd, ...((await handler(message)) ?? {}) });
    } catch (error) {
      emit({ reply: cmd, error: String((error as Error)?.stack ?? error) });
    }
  });
  lines.on('close', shutdown);
  emit({ ready: true, port: options.port, pid: process.pid, ...options.info });
}

/** Reads an integer from the environment. */
export const intEnv = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : Number.parseInt(value, 10);
};
