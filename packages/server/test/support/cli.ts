import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  /** The base URL it printed (`"address":"http://…"` in JSON, or its banner's first line). */
  url: string;
  /** Everything it printed so far. */
  output: () => string;
  /** What it printed on stdout alone. */
  stdout: () => string;
}

/**
 * Starts `videoconf serve` from source on a free loopback port (with `args` and `env` on top of
 * the process's own) and resolves once it printed its address. The caller stops it.
 */
export async function serveCli(
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<RunningCli> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', cli, 'serve', ...(options.args ?? [])],
    {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        ...options.env,
      },
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: a loaded 2-core machine has taken over 20 s to start the CLI.
    const timer = setTimeout(() => reject(new Error(`no address within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match =
        /"address":"(http:\/\/[^"]+)"/.exec(output) ??
        /videoconf is ready at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  return { child, url, output: () => output, stdout: () => stdout };
}
