import { randomUUID } from 'node:crypto';
import type { RoomEvent } from '@videoconf/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlMessage, EventBus } from '../realtime/bus';

/** What `setup` gives the suite for one test. */
export interface BusSetup {
  /**
   * Makes a connected bus. Buses made by one setup share their backend, like the buses of two
   * server instances on one Redis. The suite closes every bus it made after the test.
   */
  makeBus: () => EventBus | Promise<EventBus>;
  /** Runs after each test, once the suite closed the buses. */
  cleanup?: () => Promise<void>;
}

export interface BusConformanceOptions {
  /**
   * Whether buses of one setup reach each other. `false` for in-process buses such as
   * `memoryBus()`, whose instances share nothing: the cross-instance tests are skipped.
   * Default true.
   */
  crossInstance?: boolean;
  /** How long the suite waits for an expected delivery, in ms. Default 5000. */
  timeoutMs?: number;
}

interface Delivery {
  event: RoomEvent;
  raw: string;
}

/**
 * Collects what a listener receives; `until(n)` resolves once it holds `n` items and rejects
 * after the timeout, saying what arrived. Exact counts are checked after a sentinel: an item
 * published later on the same path arrived, so anything published before it arrived too.
 */
function inbox<T>(timeoutMs: number, label: string) {
  const items: T[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      waiters = waiters.filter((waiter) => {
        if (items.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    },
    until(count: number): Promise<T[]> {
      if (items.length >= count) return Promise.resolve(items);
      return new Promise<T[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `${label}: expected ${count} deliveries within ${timeoutMs} ms, got ${items.length}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(items);
          },
        });
      });
    },
  };
}

const BASE = Date.parse('2030-01-01T00:00:00.000Z');

/** A valid `chat.message` event with `seq`; the content has characters JSON must escape. */
function chatEvent(roomId: string, seq: number): RoomEvent {
  const at = new Date(BASE + seq).toISOString();
  return {
    type: 'chat.message',
    roomId,
    at,
    data: {
      message: {
        id: randomUUID(),
        roomId,
        seq,
        senderParticipantId: randomUUID(),
        senderUserId: randomUUID(),
        senderDisplayName: 'Zoë "Z" <z@example.test>',
        messageType: 'user',
        content: `message ${seq}: héllo ✓ 🎉 \\ "quoted"\n`,
        createdAt: at,
        editedAt: null,
        deletedAt: null,
      },
    },
  };
}

const seqOf = (delivery: Delivery) =>
  'message' in delivery.event.data ? delivery.event.data.message.seq : -1;

/**
 * The conformance suite of the `EventBus` port: every bus passes it. `setup` runs before each
 * test and returns a factory of connected buses; the suite closes them after the test. Tests
 * never sleep: an absent delivery is shown by a later one on the same path.
 *
 * @example
 * runBusConformance('memory', () => ({ makeBus: memoryBus }), { crossInstance: false });
 * runBusConformance('redis', () => {
 *   const prefix = `test-${randomUUID()}:`;
 *   return { makeBus: () => redisBus({ url: 'redis://127.0.0.1:6379', prefix }) };
 * });
 */
export function runBusConformance(
  name: string,
  setup: () => BusSetup | Promise<BusSetup>,
  options: BusConformanceOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 5000;
  const crossInstance = options.crossInstance ?? true;

  describe(`EventBus conformance: ${name}`, () => {
    let current: BusSetup;
    let buses: EventBus[];

    beforeEach(async () => {
      current = await setup();
      buses = [];
    });

    afterEach(async () => {
      try {
        await Promise.all(buses.map((bus) => bus.close()));
      } finally {
        await current.cleanup?.();
      }
    });

    const makeBus = async () => {
      const bus = await current.makeBus();
      buses.push(bus);
      return bus;
    };

    /** Subscribes an inbox to a room. */
    const listen = async (bus: EventBus, roomId: string, label = `room ${roomId}`) => {
      const box = inbox<Delivery>(timeoutMs, label);
      const unsubscribe = await bus.subscribe(roomId, (event, raw) => box.push({ event, raw }));
      return { ...box, unsubscribe };
    };

    const listenControl = async (bus: EventBus, label = 'control') => {
      const box = inbox<ControlMessage>(timeoutMs, label);
      const unsubscribe = await bus.subscribeControl((message) => box.push(message));
      return { ...box, unsubscribe };
    };

    it('has a name, answers ping, and publishes to a room nobody listens to', async () => {
      const bus = await makeBus();
      expect(typeof bus.name).toBe('string');
      expect(bus.name.length).toBeGreaterThan(0);
      await expect(bus.ping()).resolves.toBeUndefined();
      await expect(bus.publish(chatEvent(randomUUID(), 1))).resolves.toBeUndefined();
      await expect(
        bus.publishControl({ type: 'room.deleted', roomId: randomUUID() }),
      ).resolves.toBeUndefined();
    });

    it('delivers the event with raw equal to its JSON', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      const room = await listen(bus, roomId);
      const event = chatEvent(roomId, 1);
      await bus.publish(event);
      const [delivery] = await room.until(1);
      expect(delivery?.event).toEqual(event);
      expect(delivery?.raw).toBe(JSON.stringify(event));
      expect(JSON.parse(delivery?.raw ?? 'null')).toEqual(event);
    });

    it('delivers to the subscribers of the event’s room only', async () => {
      const bus = await makeBus();
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      const roomA = await listen(bus, a);
      const roomB = await listen(bus, b);
      const roomC = await listen(bus, c);
      const eventA = chatEvent(a, 1);
      const eventB = chatEvent(b, 2);
      await bus.publish(eventA);
      await bus.publish(eventB);
      await bus.publish(chatEvent(c, 3)); // sentinel: A and B were delivered before it
      await roomC.until(1);
      await roomA.until(1);
      await roomB.until(1);
      expect(roomA.items.map((d) => d.event)).toEqual([eventA]);
      expect(roomB.items.map((d) => d.event)).toEqual([eventB]);
      expect(roomC.items.map(seqOf)).toEqual([3]);
    });

    it('keeps the order of events published by one publisher (500 published at once)', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      const room = await listen(bus, roomId);
      const count = 500;
      await Promise.all(
        Array.from({ length: count }, (_, i) => bus.publish(chatEvent(roomId, i + 1))),
      );
      await room.until(count);
      expect(room.items.map(seqOf)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(room.items.length).toBe(count);
    });

    it('delivers each event once to each of several subscribers of a room', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      const listeners = await Promise.all([1, 2, 3].map((n) => listen(bus, roomId, `sub ${n}`)));
      for (const seq of [1, 2, 3]) await bus.publish(chatEvent(roomId, seq));
      for (const listener of listeners) await listener.until(3);
      await bus.publish(chatEvent(roomId, 4)); // sentinel: no duplicate of 1..3 is on its way
      for (const listener of listeners) {
        await listener.until(4);
        expect(listener.items.map(seqOf)).toEqual([1, 2, 3, 4]);
      }
      const [first, ...others] = listeners;
      for (const other of others) {
        expect(other.items.map((d) => d.raw)).toEqual(first?.items.map((d) => d.raw));
      }
    });

    it('makes each subscribe its own subscription, even with the same listener', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      const box = inbox<number>(timeoutMs, 'shared listener');
      const listener = (event: RoomEvent) => box.push(seqOf({ event, raw: '' }));
      const first = await bus.subscribe(roomId, listener);
      await bus.subscribe(roomId, listener);
      await bus.publish(chatEvent(roomId, 1));
      await box.until(2);
      await first();
      await bus.publish(chatEvent(roomId, 2));
      await box.until(3);
      const sentinel = await listen(bus, roomId);
      await bus.publish(chatEvent(roomId, 3));
      await sentinel.until(1);
      await box.until(4);
      expect(box.items).toEqual([1, 1, 2, 3]);
    });

    it('stops delivering after unsubscribe; the other subscribers keep receiving', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      const leaving = await listen(bus, roomId, 'leaving');
      const staying = await listen(bus, roomId, 'staying');
      await bus.publish(chatEvent(roomId, 1));
      await leaving.until(1);
      await leaving.unsubscribe();
      await leaving.unsubscribe(); // twice is harmless
      await bus.publish(chatEvent(roomId, 2));
      await staying.until(2);
      expect(leaving.items.map(seqOf)).toEqual([1]);

      // The last subscriber leaves, then a new one comes: the room works again.
      await staying.unsubscribe();
      const later = await listen(bus, roomId, 'later');
      await bus.publish(chatEvent(roomId, 3));
      await later.until(1);
      expect(later.items.map(seqOf)).toEqual([3]);
      expect(staying.items.map(seqOf)).toEqual([1, 2]);
      expect(leaving.items.map(seqOf)).toEqual([1]);
    });

    it('subscribes and unsubscribes concurrently without losing a subscription', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      // Everyone leaves while newcomers arrive, in both orders: the room's last subscriber
      // leaving races the next one's subscribe.
      const first = await Promise.all(
        Array.from({ length: 10 }, (_, n) => listen(bus, roomId, `first ${n}`)),
      );
      const leaving = first.map((sub) => sub.unsubscribe());
      const lateA = await listen(bus, roomId, 'late A');
      await Promise.all(leaving);
      const joiningB = listen(bus, roomId, 'late B');
      const leavingA = lateA.unsubscribe();
      const joiningC = listen(bus, roomId, 'late C');
      const [lateB, , lateC] = await Promise.all([joiningB, leavingA, joiningC]);
      await bus.publish(chatEvent(roomId, 1));
      for (const sub of [lateB, lateC]) expect((await sub.until(1)).map(seqOf)).toEqual([1]);
      // Sentinel for the ones that left: a later event on a fresh subscription.
      const sentinel = await listen(bus, roomId, 'sentinel');
      await bus.publish(chatEvent(roomId, 2));
      await sentinel.until(1);
      for (const sub of [...first, lateA]) expect(sub.items).toEqual([]);
    });

    it('keeps delivering to the other listeners when one throws', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      await bus.subscribe(roomId, () => {
        throw new Error('listener failure');
      });
      const healthy = await listen(bus, roomId);
      // A bus may report the listener's failure to the publisher, or only log it.
      await bus.publish(chatEvent(roomId, 1)).catch(() => {});
      await bus.publish(chatEvent(roomId, 2)).catch(() => {});
      expect((await healthy.until(2)).map(seqOf)).toEqual([1, 2]);
    });

    it('delivers control messages to control subscribers, not to rooms', async () => {
      const bus = await makeBus();
      const roomId = randomUUID();
      const room = await listen(bus, roomId);
      const one = await listenControl(bus, 'control 1');
      const two = await listenControl(bus, 'control 2');
      const logout: ControlMessage = { type: 'user.logout', userId: randomUUID() };
      const deleted: ControlMessage = { type: 'room.deleted', roomId };
      await bus.publishControl(logout);
      await bus.publishControl(deleted);
      expect(await one.until(2)).toEqual([logout, deleted]);
      expect(await two.until(2)).toEqual([logout, deleted]);

      await one.unsubscribe();
      const later: ControlMessage = { type: 'user.logout', userId: randomUUID() };
      await bus.publishControl(later);
      await two.until(3);
      await bus.publish(chatEvent(roomId, 1)); // sentinel for the room
      await room.until(1);
      expect(room.items.map(seqOf)).toEqual([1]);
      expect(one.items).toEqual([logout, deleted]);
      expect(two.items).toEqual([logout, deleted, later]);
    });

    it('closes: close() resolves, also twice', async () => {
      const bus = await makeBus();
      await listen(bus, randomUUID());
      await listenControl(bus);
      await expect(bus.close()).resolves.toBeUndefined();
      await expect(bus.close()).resolves.toBeUndefined();
    });

    describe.skipIf(!crossInstance)('across instances', () => {
      it('delivers events published on one instance to the subscribers of another', async () => {
        const [one, two] = [await makeBus(), await makeBus()];
        const roomId = randomUUID();
        const onOne = await listen(one, roomId, 'instance 1');
        const onTwo = await listen(two, roomId, 'instance 2');
        const first = chatEvent(roomId, 1);
        const second = chatEvent(roomId, 2);
        await one.publish(first);
        await two.publish(second);
        for (const box of [onOne, onTwo]) {
          const deliveries = await box.until(2);
          expect(deliveries.map((d) => d.event)).toEqual([first, second]);
          expect(deliveries.map((d) => d.raw)).toEqual([
            JSON.stringify(first),
            JSON.stringify(second),
          ]);
        }
      });

      it('keeps the order of 200 events published at once on another instance', async () => {
        const [publisher, subscriber] = [await makeBus(), await makeBus()];
        const roomId = randomUUID();
        const room = await listen(subscriber, roomId);
        await Promise.all(
          Array.from({ length: 200 }, (_, i) => publisher.publish(chatEvent(roomId, i + 1))),
        );
        await room.until(200);
        expect(room.items.map(seqOf)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      });

      it('is subscribed when subscribe resolves, and unsubscribing stays local', async () => {
        const [one, two] = [await makeBus(), await makeBus()];
        const roomId = randomUUID();
        const onOne = await listen(one, roomId, 'instance 1');
        const onTwo = await listen(two, roomId, 'instance 2');
        await onOne.unsubscribe();
        // Published right after subscribe/unsubscribe resolved, from the other instance.
        await one.publish(chatEvent(roomId, 1));
        await onTwo.until(1);
        const again = await listen(one, roomId, 'instance 1 again');
        await two.publish(chatEvent(roomId, 2));
        expect((await again.until(1)).map(seqOf)).toEqual([2]);
        expect((await onTwo.until(2)).map(seqOf)).toEqual([1, 2]);
        expect(onOne.items).toEqual([]);
      });

      it('delivers control messages to every instance', async () => {
        const [one, two] = [await makeBus(), await makeBus()];
        const onOne = await listenControl(one, 'instance 1');
        const onTwo = await listenControl(two, 'instance 2');
        const message: ControlMessage = { type: 'user.logout', userId: randomUUID() };
        await two.publishControl(message);
        expect(await onOne.until(1)).toEqual([message]);
        expect(await onTwo.until(1)).toEqual([message]);
      });

      it('keeps working on one instance when another closes', async () => {
        const [one, two] = [await makeBus(), await makeBus()];
        const roomId = randomUUID();
        const onOne = await listen(one, roomId);
        await listen(two, roomId);
        await two.close();
        const survivor = await makeBus();
        await survivor.publish(chatEvent(roomId, 1));
        expect((await onOne.until(1)).map(seqOf)).toEqual([1]);
      });
    });
  });
}
