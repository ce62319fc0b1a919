/**
 * Helpers for the WebSocket server scripts (`bench/servers/ws-*.ts`, `cluster-*.ts`).
 *
 * `memory()` is the `{"cmd":"memory"}` command of those scripts: two full garbage collections,
 * then `process.memoryUsage()`. The scripts expose `gc` to themselves (the harness starts them
 * without `--expose-gc`).
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `RssAnon` of /proc/self/status in bytes (Linux), else null. */
function anonymousRss(): number | null {
  try {
    const match = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Two full collections, then the process's memory (bytes). `rssAnon` is the anonymous part of
 * the RSS (heap, malloc, stacks) without the pages of mapped files (the node binary's code),
 * which the kernel may reclaim and fault back in at any time (DAMON does on the bench machine).
 */
export function memory(): {
  rss: number;
  rssAnon: number;
  heapUsed: number;
  heapTotal: number;
  /** Resident part of the heap (`total_physical_size`): `heapTotal` counts untouched pages too. */
  heapPhysical: number;
  external: number;
} {
  gc();
  gc();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const heapPhysical = getHeapStatistics().total_physical_size;
  return { rss, rssAnon: anonymousRss() ?? rss, heapUsed, heapTotal, heapPhysical, external };
}

/** Ids of the sender in the baseline's `chat.message` frames (the size of ours). */
export const SAMPLE_IDS = {
  participantId: '8f0e3c8e-3f63-4c59-9d0c-8a1d6f1f4c10',
  userId: '5b8d2f52-6b0e-4d1b-8d6e-2f7f1d9b7c11',
};

/** `{"cmd":"snapshot","file":…}`: a heap snapshot, for finding what a socket keeps alive. */
export function snapshot(message: { file?: unknown }): { file: string } {
  gc();
  return { file: writeHeapSnapshot(typeof message.file === 'string' ? message.file : undefined) };
}

/** `{"cmd":"cpu"}`: CPU time the process used so far (user + system), in microseconds. */
export function cpu(): { cpuMicros: number } {
  const { user, system } = process.cpuUsage();
  return { cpuMicros: user + system };
}
