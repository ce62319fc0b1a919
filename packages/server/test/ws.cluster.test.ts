import type { ChildProcess } from 'node:child_process';
import { CLOSE_CODES } from '@videoconf/protocol';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { sequelizeStorage } from '../src/storage/sequelize/index';
import type { Storage } from '../src/storage/types';
import { type QuickUser, quickUser, testServer } from './support/app';
import { createTestDatabase } from './support/postgres';
import {
  connect,
  createRoom,
  follow,
  freePort,
  join,
  killRedis,
  listen,
  rest,
  say,
  startRedis,
  type TestSocket,
} from './support/ws';

/**
 * Several instances: two servers on one PostgreSQL database and one Redis (a redis-server of
 * this file's own, which the tests kill and restart). An event made on either instance reaches
 * the sockets of both, chat in seq order, each message once; when Redis goes away and comes
 * back, every acknowledged message still reaches every client, once, in order.
 */

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redisPort: number;
let redis: ChildProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  redisPort = await freePort();
  redis = await startRedis(redisPort);
});
afterAll(async () => {
  await killRedis(redis);
  await db.drop();
});

interface Instance {
  app: App;
  base: string;
  storage: Storage;
}

const instances: Instance[] = [];
const sockets: TestSocket[] = [];

async function instance(): Promise<Instance> {
  const storage = sequelizeStorage({ url: db.url });
  const app = testServer({ storage, redis: { url: `redis://127.0.0.1:${redisPort}` } });
  const base = await listen(app);
  const created = { app, base, storage };
  instances.push(created);
  return created;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const { app, storage } of instances.splice(0)) {
    await app.close();
    await storage.close();
  }
});

const on = async (where: Instance, roomId: string, user: QuickUser) => {
  const result = await connect(where.base, roomId, user);
  sockets.push(result.socket);
  return result;
};

/** Reads chat messages until `count` have arrived; other frames are kept aside. */
async function chat(socket: TestSocket, count: number) {
  const messages = [];
  while (messages.length < count) {
    const frame = await socket.next(10_000);
    if (frame.type === 'chat.message') messages.push(frame.data.message);
  }
  return messages;
}

describe('two instances on one Redis and one PostgreSQL', () => {
  it('delivers every event made on either instance to sockets on both, chat in seq order', async () => {
    const a = await instance();
    const b = await instance();
    expect(a.app.videoconf.bus.name).toBe('redis');
    const host = await quickUser(a.app, { displayName: 'Host' });
    const alice = await quickUser(a.app, { displayName: 'Alice' });
    const bob = await quickUser(a.app, { displayName: 'Bob' });
    const roomId = await createRoom(a.app, host);
    await join(a.app, host, roomId);
    await join(b.app, alice, roomId);
    await join(a.app, bob, roomId);

    const { socket: aliceOnA } = await on(a, roomId, alice);
    const { socket: bobOnB } = await on(b, roomId, bob);
    const { socket: hostOnB } = await on(b, roomId, host);

    // Forty messages at once: REST on both instances, chat.send on sockets of both.
    const PER = 10;
    await Promise.all([
      ...range(1, PER).map((i) => say(a.app, alice, roomId, `rest on a ${i}`)),
      ...range(1, PER).map((i) => say(b.app, bob, roomId, `rest on b ${i}`)),
      ...range(1, PER).map(async (i) =>
        aliceOnA.send({ type: 'chat.send', clientMessageId: `ws-a-${i}`, content: `ws on a ${i}` }),
      ),
      ...range(1, PER).map(async (i) =>
        hostOnB.send({ type: 'chat.send', clientMessageId: `ws-b-${i}`, content: `ws on b ${i}` }),
      ),
    ]);
    const received = await Promise.all([aliceOnA, bobOnB, hostOnB].map((s) => chat(s, 4 * PER)));
    for (const messages of received) {
      expect(messages.map((m) => m.seq)).toEqual(range(1, 4 * PER));
      expect(messages).toEqual(received[0]);
    }
    const stored = await a.storage.listMessages(roomId, { after: 0, limit: 100 });
    expect(received[0]).toEqual(stored.items);

    // Room state made on one instance closes sockets on the other.
    const participants = await rest(a.app, host, 'GET', `/rooms/${roomId}/participants`);
    const bobs = participants.items.find((p: { userId: string }) => p.userId === bob.id);
    await rest(a.app, host, 'POST', `/rooms/${roomId}/participants/${bobs.id}/kick`);
    expect(await bobOnB.untilType('participant.kicked')).toMatchObject({
      data: { participant: { id: bobs.id } },
    });
    expect((await bobOnB.closes()).code).toBe(CLOSE_CODES.FORBIDDEN);
    await aliceOnA.untilType('participant.kicked');

    // A client that moves to the other instance resumes there.
    aliceOnA.close();
    await aliceOnA.closes();
    await say(b.app, host, roomId, 'while alice moves');
    const { socket: aliceOnB } = await connect(b.base, roomId, alice, { since: 4 * PER });
    sockets.push(aliceOnB);
    expect((await aliceOnB.next()).data.message.seq).toBe(4 * PER + 1);

    await rest(b.app, host, 'POST', `/rooms/${roomId}/end`);
    for (const socket of [aliceOnB, hostOnB]) {
      expect((await socket.closes()).code).toBe(CLOSE_CODES.ROOM_ENDED);
    }
  });

  it('loses nothing acknowledged when Redis goes down and comes back', async () => {
    const a = await instance();
    const b = await instance();
    const host = await quickUser(a.app, { displayName: 'Host' });
    const alice = await quickUser(a.app, { displayName: 'Alice' });
    const bob = await quickUser(a.app, { displayName: 'Bob' });
    const roomId = await createRoom(a.app, host);
    for (const user of [host, alice, bob]) await join(a.app, user, roomId);

    // Clients that reconnect with `since` as the SDK does: one on each instance.
    const followers = [follow(() => a.base, roomId, alice), follow(() => b.base, roomId, bob)];
    await Promise.all(followers.map((f) => f.connected));
    const { socket: sender } = await on(a, roomId, host);

    for (let i = 1; i <= 5; i++) await say(i % 2 ? a.app : b.app, alice, roomId, `before ${i}`);
    await Promise.all(followers.map((f) => f.until(5)));

    // Redis dies. Messages are still stored and acknowledged, over REST and over the socket.
    await killRedis(redis);
    for (let i = 1; i <= 5; i++) await say(b.app, bob, roomId, `during ${i}`);
    for (let i = 1; i <= 5; i++) {
      sender.send({ type: 'chat.send', clientMessageId: `down-${i}`, content: `during ws ${i}` });
      expect(await sender.untilType('chat.ack')).toMatchObject({ clientMessageId: `down-${i}` });
    }
    expect(await a.storage.lastSeq(roomId)).toBe(15);

    // Redis comes back: the instances tell their sockets to resume, and they catch up.
    redis = await startRedis(redisPort);
    await Promise.all(followers.map((f) => f.until(15, 20_000)));

    // And live traffic flows between the instances again.
    for (let i = 1; i <= 5; i++) await say(i % 2 ? a.app : b.app, alice, roomId, `after ${i}`);
    await Promise.all(followers.map((f) => f.until(20, 20_000)));

    const stored = await a.storage.listMessages(roomId, { after: 0, limit: 100 });
    for (const follower of followers) {
      expect(follower.seqs).toEqual(range(1, 20));
      expect(follower.messages).toEqual(stored.items);
      expect(follower.closes).toContain(CLOSE_CODES.RESUME);
    }
    await Promise.all(followers.map((f) => f.stop()));
  });

  it('loses and repeats nothing when Redis connections are cut in the middle of traffic', async () => {
    const a = await instance();
    const b = await instance();
    const host = await quickUser(a.app, { displayName: 'Host' });
    const alice = await quickUser(a.app, { displayName: 'Alice' });
    const roomId = await createRoom(a.app, host);
    for (const user of [host, alice]) await join(a.app, user, roomId);
    const followers = [follow(() => a.base, roomId, alice), follow(() => b.base, roomId, host)];
    await Promise.all(followers.map((f) => f.connected));

    const TOTAL = 60;
    const admin = new Redis(`redis://127.0.0.1:${redisPort}`);
    let sent = 0;
    const traffic = (async () => {
      while (sent < TOTAL) {
        sent += 1;
        await say(sent % 2 ? a.app : b.app, alice, roomId, `message ${sent}`);
      }
    })();
    // Cut every connection of both instances (publishers and subscribers) three times.
    const cuts = (async () => {
      for (const at of [10, 25, 40]) {
        while (sent < at) await new Promise((resolve) => setImmediate(resolve));
        await admin.client('KILL', 'TYPE', 'pubsub');
        await admin.client('KILL', 'TYPE', 'normal');
      }
    })();
    await Promise.all([traffic, cuts]);
    await Promise.all(followers.map((f) => f.until(TOTAL, 20_000)));
    admin.disconnect();

    for (const follower of followers) expect(follower.seqs).toEqual(range(1, TOTAL));
    await Promise.all(followers.map((f) => f.stop()));
  });
});
