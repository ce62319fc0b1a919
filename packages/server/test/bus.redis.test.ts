import { randomUUID } from 'node:crypto';
import type { RoomEvent } from '@videoconf/protocol';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlMessage, EventBus } from '../src/realtime/bus';
import { createRedisClient, redisBus } from '../src/redis/index';
import { testServer } from './support/app';
import { freePort, killRedis, startRedis } from './support/redis';

/**
 * The Redis bus against a redis-server of this file's own (on a free port), which the tests
 * kill and start again: the shared Redis on 6379 is used by other test files at the same time.
 */

const WAIT_MS = 10_000;

/** Collects deliveries; `until(n)` waits (bounded) until `n` have arrived. */
function inbox<T>(label: string) {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const wake of [...waiters]) wake();
    },
    until(count: number): Promise<T[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (items.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(items);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`${label}: expected ${count} within ${WAIT_MS} ms, got ${items.length}`),
          );
        }, WAIT_MS);
        waiters.add(check);
        check();
      });
    },
  };
}

const event = (roomId: string, seq: number): RoomEvent => ({
  type: 'room.updated',
  roomId,
  at: new Date(Date.UTC(2030, 0, 1, 0, 0, seq)).toISOString(),
  // biome-ignore lint/suspicious/noExplicitAny: the room's fields do not matter to the bus.
  data: { room: { id: roomId, title: `update ${seq}` } as any },
});
const titles = (events: { event: RoomEvent }[]) =>
  events.map(({ event }) => ('room' in event.data ? event.data.room.title : null));

/** Channels with at least one subscriber on that server, through a plain connection. */
async function channelsOn(url: string, pattern: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return ((await client.pubsub('CHANNELS', pattern)) as string[]).sort();
  } finally {
    client.disconnect();
  }
}

/** Measures how long a promise takes to settle and asserts that it rejected. */
async function rejectsWithin(promise: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(promise).rejects.toThrow();
  return Date.now() - started;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server of this test's own: stopped after the test whatever happens. */
async function ownRedis() {
  const port = await freePort();
  let child = await startRedis(port);
  cleanups.push(() => killRedis(child));
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => killRedis(child),
    restart: async () => {
      child = await startRedis(port);
    },
  };
}

function bus(url: string, prefix: string): EventBus {
  const made = redisBus({ url, prefix });
  cleanups.push(() => made.close());
  return made;
}

describe('redisBus: Redis restarts', () => {
  it('restores the subscriptions after a restart (autoResubscribe) and tells the listeners', async () => {
    const redis = await ownRedis();
    const prefix = `vc-${randomUUID()}:`;
    const subscriberBus = bus(redis.url, prefix);
    const publisherBus = bus(redis.url, prefix);
    const roomId = randomUUID();
    const room = inbox<{ event: RoomEvent; raw: string }>('room');
    await subscriberBus.subscribe(roomId, (e, raw) => room.push({ event: e, raw }));
    const notices = inbox<ControlMessage>('subscriber notices');
    await subscriberBus.subscribeControl((message) => notices.push(message));
    const publisherNotices = inbox<ControlMessage>('publisher notices');
    await publisherBus.subscribeControl((message) => publisherNotices.push(message));

    await publisherBus.publish(event(roomId, 1));
    await room.until(1);

    await redis.kill();
    // While Redis is down, publish, ping and a new subscription fail at once: nothing waits in
    // a queue for the next reconnection attempt (100 ms, then 200 ms, … after the loss).
    expect(await rejectsWithin(publisherBus.publish(event(roomId, 2)))).toBeLessThan(500);
    for (let seq = 3; seq < 6; seq++) {
      expect(await rejectsWithin(publisherBus.publish(event(roomId, seq)))).toBeLessThan(100);
    }
    expect(await rejectsWithin(subscriberBus.ping())).toBeLessThan(100);
    expect(await rejectsWithin(subscriberBus.subscribe(randomUUID(), () => {}))).toBeLessThan(100);
    expect(notices.items).toEqual([]);

    await redis.restart();
    // The restarted server knows no subscription: ioredis re-subscribed on its own.
    expect(await notices.until(1)).toEqual([{ type: 'bus.reconnected' }]);
    await publisherNotices.until(1);
    expect(await channelsOn(redis.url, `${prefix}*`)).toEqual(
      [`${prefix}control`, `${prefix}room:${roomId}`].sort(),
    );

    await publisherBus.publish(event(roomId, 6));
    await subscriberBus.publish(event(roomId, 7));
    expect(titles(await room.until(3))).toEqual(['update 1', 'update 6', 'update 7']);
    await subscriberBus.ping();
  });

  it('does not subscribe again to a room released while Redis was down', async () => {
    const redis = await ownRedis();
    const prefix = `vc-${randomUUID()}:`;
    const subscriberBus = bus(redis.url, prefix);
    const [kept, released] = [randomUUID(), randomUUID()];
    const keptRoom = inbox<RoomEvent>('kept room');
    const releasedRoom = inbox<RoomEvent>('released room');
    await subscriberBus.subscribe(kept, (e) => keptRoom.push(e));
    const release = await subscriberBus.subscribe(released, (e) => releasedRoom.push(e));
    const notices = inbox<ControlMessage>('notices');
    await subscriberBus.subscribeControl((message) => notices.push(message));

    await redis.kill();
    await expect(release()).resolves.toBeUndefined(); // remembered, done after the restart
    await redis.restart();
    await notices.until(1);
    expect(await channelsOn(redis.url, `${prefix}*`)).toEqual(
      [`${prefix}control`, `${prefix}room:${kept}`].sort(),
    );

    const publisherBus = bus(redis.url, prefix);
    await publisherBus.publish(event(released, 1));
    await publisherBus.publish(event(kept, 2));
    await keptRoom.until(1);
    expect(releasedRoom.items).toEqual([]);
  });

  it('fails fast when Redis cannot be reached at all, and closes', async () => {
    const port = await freePort(); // nothing listens there
    const unreachable = redisBus({ url: `redis://127.0.0.1:${port}`, prefix: 'vc-none:' });
    try {
      expect(await rejectsWithin(unreachable.publish(event(randomUUID(), 1)))).toBeLessThan(1000);
      expect(await rejectsWithin(unreachable.ping())).toBeLessThan(1000);
      expect(await rejectsWithin(unreachable.subscribe(randomUUID(), () => {}))).toBeLessThan(1000);
      await expect(
        unreachable.publishControl({ type: 'user.logout', userId: randomUUID() }),
      ).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
    await expect(unreachable.publish(event(randomUUID(), 2))).rejects.toThrow(/closed/);
  });
});

describe('redisBus: one parse per instance, channels, ownership', () => {
  const SHARED_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

  it('hands every listener of an instance the same parsed event and raw JSON', async () => {
    const prefix = `vc-${randomUUID()}:`;
    const one = bus(SHARED_URL, prefix);
    const roomId = randomUUID();
    const received: { event: RoomEvent; raw: string }[] = [];
    const both = inbox<null>('listeners');
    for (let n = 0; n < 2; n++) {
      await one.subscribe(roomId, (e, raw) => {
        received.push({ event: e, raw });
        both.push(null);
      });
    }
    const published = event(roomId, 1);
    await bus(SHARED_URL, prefix).publish(published);
    await both.until(2);
    expect(received[0]?.event).toBe(received[1]?.event);
    expect(received[0]?.raw).toBe(JSON.stringify(published));
  });

  it('uses one channel per room and the control channel, no pattern subscription', async () => {
    const prefix = `vc-${randomUUID()}:`;
    const one = bus(SHARED_URL, prefix);
    const [a, b] = [randomUUID(), randomUUID()];
    const offA = await one.subscribe(a, () => {});
    const offA2 = await one.subscribe(a, () => {});
    await one.subscribe(b, () => {});
    await one.subscribeControl(() => {});
    expect(await channelsOn(SHARED_URL, `${prefix}*`)).toEqual(
      [`${prefix}control`, `${prefix}room:${a}`, `${prefix}room:${b}`].sort(),
    );
    const probe = new Redis(SHARED_URL, { lazyConnect: true });
    await probe.connect();
    try {
      // Reference counting: the channel stays until its last subscriber leaves.
      await offA();
      expect(await channelsOn(SHARED_URL, `${prefix}room:${a}`)).toEqual([`${prefix}room:${a}`]);
      await offA2();
      expect(await channelsOn(SHARED_URL, `${prefix}room:${a}`)).toEqual([]);
      const clients = (await probe.client('LIST')) as string;
      const ours = clients.split('\n').filter((line) => line.includes('name=videoconf-bus-sub'));
      expect(ours.length).toBeGreaterThan(0);
      for (const line of ours) expect(line).toMatch(/ psub=0 /);
    } finally {
      probe.disconnect();
    }
  });

  it('leaves a client of the caller’s open and closes the duplicate it subscribed on', async () => {
    const client = await createRedisClient(SHARED_URL);
    try {
      const prefix = `vc-${randomUUID()}:`;
      const shared = redisBus({ client, prefix });
      const roomId = randomUUID();
      const room = inbox<RoomEvent>('room');
      await shared.subscribe(roomId, (e) => room.push(e));
      await shared.publish(event(roomId, 1));
      await room.until(1);
      await shared.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
      expect(await channelsOn(SHARED_URL, `${prefix}*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

describe('the server picks its bus', () => {
  it('uses the Redis bus when Redis is configured, and /health checks it', async () => {
    const redis = await ownRedis();
    const app = testServer({ redis: { url: redis.url } });
    cleanups.push(() => app.close());
    await app.ready();
    expect(app.videoconf.bus.name).toBe('redis');
    const ok = await app.inject('/health');
    expect(ok.json()).toEqual({ status: 'ok', checks: { storage: 'ok', redis: 'ok' } });

    await redis.kill();
    const down = await app.inject('/health');
    expect(down.statusCode).toBe(503);
    expect(down.json().checks.redis).toBe('error');
  });

  it('uses the memory bus without Redis, and the caller’s bus when given one', async () => {
    const plain = testServer();
    cleanups.push(() => plain.close());
    await plain.ready();
    expect(plain.videoconf.bus.name).toBe('memory');

    const own = redisBus({
      url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: `vc-${randomUUID()}:`,
    });
    const app = testServer({ bus: own });
    await app.ready();
    expect(app.videoconf.bus).toBe(own);
    await app.close();
    await expect(own.ping()).resolves.toBeUndefined(); // the caller's bus stays open
    await own.close();
  });
});
