import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';

/**
 * A redis-server of a test file's own, on a free port, that the test may kill and start
 * again: the shared Redis on 6379 is used by other test files at the same time.
 */

const REDIS_START_MS = 10_000;

/** A free TCP port on loopback: the one helper of scripts/livekit.mjs. */
export { freeTcpPort as freePort } from '../../../../scripts/livekit.mjs';

/** Starts `redis-server` on `port` (no persistence); resolves once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start on ${port}:\n${output}`));
    }, REDIS_START_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Kills a redis-server like a crash and waits until the process is gone. */
export async function killRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** The shared Redis of the test run. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function ready(client: Redis): Promise<Redis> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

/** Keys of one test on the shared Redis, under a prefix of their own. */
export interface RedisNamespace {
  /** Prefix of every key the clients write. */
  readonly prefix: string;
  /** A connected client without the prefix, to look at the keys. */
  readonly admin: Redis;
  /** A new connected client whose keys live under `prefix`, without offline queue. */
  client(): Promise<Redis>;
  /** Quits every client and deletes the keys. */
  close(): Promise<void>;
}

export async function redisNamespace(): Promise<RedisNamespace> {
  const prefix = `videoconf-test:${randomUUID()}:`;
  const admin = await ready(new Redis(REDIS_URL));
  const clients: Redis[] = [];
  return {
    prefix,
    admin,
    client() {
      const client = new Redis(REDIS_URL, { keyPrefix: prefix, enableOfflineQueue: false });
      clients.push(client);
      return ready(client);
    },
    async close() {
      for (const client of clients.reverse()) await client.quit();
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
    },
  };
}
