import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { memoryBus } from '../src/realtime/bus';
import { createRedisClient, redisBus } from '../src/redis/index';
import { runBusConformance } from '../src/testing';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Channels of their own for every test: other test files use the same Redis. */
const prefix = () => `videoconf-test-${randomUUID()}:`;

// Instances of the in-process bus share nothing: no cross-instance tests.
runBusConformance('memory', () => ({ makeBus: memoryBus }), { crossInstance: false });

runBusConformance('redis (url)', () => {
  const channels = prefix();
  return { makeBus: () => redisBus({ url: REDIS_URL, prefix: channels }) };
});

// A client of the caller's publishes; the bus subscribes on a duplicate of it.
runBusConformance('redis (client)', () => {
  const channels = prefix();
  const clients: Redis[] = [];
  return {
    makeBus: async () => {
      const client = await createRedisClient(REDIS_URL);
      clients.push(client);
      return redisBus({ client, prefix: channels });
    },
    cleanup: async () => {
      for (const client of clients) client.disconnect();
    },
  };
});
