// What `videoconf serve` prints: its log lines, as JSON (one object a line, for a process
// manager or a log shipper) or pretty (pino-pretty, for a person at a terminal), and a short
// banner once it listens.

import { defaultLoggerOptions } from '@videoconf/server';
import type { FastifyServerOptions } from 'fastify';

export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` (`json` or `pretty`); unset: pretty on a terminal, JSON otherwise. */
export function logFormat(value: string | undefined, isTTY: boolean | undefined): LogFormat {
  const wanted = (value ?? '').trim().toLowerCase();
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  if (wanted) throw new Error(`LOG_FORMAT must be json or pretty, got ${value}`);
  return isTTY ? 'pretty' : 'json';
}

/** The CLI's logger: the default one, written through pino-pretty when `format` is pretty. */
export async function cliLogger(
  format: LogFormat,
  colorize = Boolean(process.stdout.isTTY),
): Promise<FastifyServerOptions['logger']> {
  if (format === 'json') return defaultLoggerOptions();
  const { default: pretty } = await import('pino-pretty');
  return {
    ...defaultLoggerOptions(),
    // Synchronous: the last lines (shutting down) are written before the process exits.
    stream: pretty({
      colorize,
      sync: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
    }),
  };
}

export interface BannerFacts {
  /** What `app.listen()` resolved with, e.g. `http://127.0.0.1:3000`. */
  address: string;
  /** URL prefixes of `--static` mounts (`/` is the meeting page of `pnpm start`). */
  mounts: readonly string[];
  docs: boolean;
  storage: string;
  livekitUrl: string | null;
}

/** The lines printed once the server listens: where to go, and what it runs on. */
export function banner({ address, mounts, docs, storage, livekitUrl }: BannerFacts): string[] {
  const lines = [`videoconf is ready at ${address}`];
  const row = (name: string, value: string) => lines.push(`  ${name.padEnd(14)}${value}`);
  if (mounts.includes('/')) row('Meeting', `${address}/`);
  for (const prefix of mounts) if (prefix !== '/') row('Page', `${address}${prefix}`);
  if (docs) row('API docs', `${address}/docs`);
  row(
    'Storage',
    storage === 'memory'
      ? 'in memory (everything ends with the process; DATABASE_URL for PostgreSQL)'
      : storage === 'sequelize'
        ? 'PostgreSQL'
        : storage,
  );
  row(
    'Video',
    livekitUrl
      ? `on (LiveKit at ${livekitUrl})`
      : 'off: no LiveKit configured (chat and the waiting room work; see docs/livekit.md)',
  );
  return lines;
}
