import { CLOSE_CODES, type RoomEvent } from '@videoconf/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { type QuickUser, quickUser, testServer } from './support/app';
import { storages } from './support/storages';
import { connect, createRoom, type Frame, join, listen, say, type TestSocket } from './support/ws';

/**
 * Lossless delivery: a socket that resumes with `since` gets every later message exactly once,
 * in order, before live events, also while messages keep coming; holes and reordering on the
 * bus are repaired from storage; a slow consumer is closed with 4000 without slowing others.
 */

const seqs = (frames: Frame[]) =>
  frames.filter((f) => f.type === 'chat.message').map((f) => f.data.message.seq as number);
const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

describe.each(storages())('resume and ordering on %s storage', (_name, makeStorage) => {
  let app: App;
  let base: string;
  let host: QuickUser;
  let alice: QuickUser;
  let bob: QuickUser;
  let roomId: string;
  const open: TestSocket[] = [];

  const socketOf = async (user: QuickUser, since?: number) => {
    const result = await connect(base, roomId, user, { ...(since !== undefined && { since }) });
    open.push(result.socket);
    return result;
  };

  beforeAll(async () => {
    app = testServer({ storage: makeStorage() });
    base = await listen(app);
  });
  afterAll(() => app.close());

  beforeEach(async () => {
    for (const socket of open.splice(0)) socket.close();
    host = await quickUser(app, { displayName: 'Host' });
    alice = await quickUser(app, { displayName: 'Alice' });
    bob = await quickUser(app, { displayName: 'Bob' });
    roomId = await createRoom(app, host);
    await join(app, alice, roomId);
    await join(app, bob, roomId);
  });

  it('replays exactly the messages sent while away, in order, before live ones', async () => {
    await say(app, bob, roomId, 'before 1');
    await say(app, bob, roomId, 'before 2');
    const { socket: first } = await socketOf(alice);
    await say(app, bob, roomId, 'seen live');
    const seen = (await first.next()).data.message.seq as number;
    first.close();
    await first.closes();

    const missed = [];
    for (let i = 0; i < 5; i++) missed.push(await say(app, bob, roomId, `missed ${i}`));

    const { socket, ready } = await socketOf(alice, seen);
    expect(ready.lastSeq).toBe(seen + 5);
    const replayed = await socket.take(5);
    expect(replayed.map((f) => f.type)).toEqual(Array(5).fill('chat.message'));
    expect(replayed.map((f) => f.data.message)).toEqual(missed);

    const live = await say(app, bob, roomId, 'live again');
    expect(await socket.next()).toMatchObject({
      data: { message: { id: live.id, seq: seen + 6 } },
    });
    expect(socket.unread).toEqual([]);
  });

  it('replays nothing without since, and treats a since beyond lastSeq as up to date', async () => {
    await say(app, bob, roomId, 'old');
    const { socket, ready } = await socketOf(alice);
    expect(ready.lastSeq).toBe(1);
    const { socket: ahead } = await socketOf(alice, 1000);
    const live = await say(app, bob, roomId, 'new');
    for (const s of [socket, ahead]) {
      expect(await s.next()).toMatchObject({ data: { message: { id: live.id, seq: 2 } } });
    }
    // From zero: the whole history.
    const { socket: all } = await socketOf(alice, 0);
    expect(seqs(await all.take(2))).toEqual([1, 2]);
  });

  it('loses and repeats nothing across reconnects while messages keep coming', async () => {
    const TOTAL = 120;
    const received: number[] = [];
    let sent = 0;
    // Four senders at once: publishes may overtake each other.
    const senders = [bob, alice, host, bob].map(async (user, index) => {
      if (user === host) await join(app, host, roomId);
      while (sent < TOTAL) {
        sent += 1;
        await say(app, user, roomId, `hammer ${index}-${sent}`);
      }
    });

    let cursor = 0;
    const reconnects = async () => {
      for (let round = 0; round < 6; round++) {
        const { socket } = await socketOf(alice, cursor);
        // Read a few frames, then drop the connection in the middle of the stream.
        const until = Date.now() + 20 + round * 10;
        while (Date.now() < until) {
          const frame = await socket.next(Math.max(1, until - Date.now())).catch(() => null);
          if (!frame) break;
          if (frame.type === 'chat.message') {
            received.push(frame.data.message.seq);
            cursor = frame.data.message.seq;
          }
        }
        socket.ws.terminate();
        await socket.closes();
        // Whatever arrived before the drop counts too.
        for (const frame of socket.unread) {
          if (frame.type === 'chat.message') {
            received.push(frame.data.message.seq);
            cursor = frame.data.message.seq;
          }
        }
      }
    };
    await Promise.all([...senders, reconnects()]);

    const { socket } = await socketOf(alice, cursor);
    const lastSeq = await app.videoconf.storage.lastSeq(roomId);
    if (cursor < lastSeq) {
      const rest = await socket.take(lastSeq - cursor, 5000);
      received.push(...seqs(rest));
    }
    expect(lastSeq).toBeGreaterThanOrEqual(TOTAL);
    expect(received).toEqual(range(1, lastSeq));
  });

  it('fills a hole in the seq from storage, and drops duplicates and late events', async () => {
    const { socket } = await socketOf(alice);
    const first = await say(app, bob, roomId, 'published');
    expect((await socket.next()).data.message.id).toBe(first.id);

    // Two messages stored without their events (a lost publish, a slow instance).
    const { storage, bus } = app.videoconf;
    const append = (content: string) =>
      storage.appendMessage({
        roomId,
        messageType: 'user',
        senderUserId: bob.id,
        content,
        clientMessageId: null,
        now: new Date().toISOString(),
      });
    const lost = (await append('lost publish')).message;
    const late = (await append('published late')).message;
    const event = (message: typeof lost): RoomEvent => ({
      type: 'chat.message',
      roomId,
      at: message.createdAt,
      data: { message },
    });

    // The later one arrives first: the missing one is read from storage and delivered before it.
    await bus.publish(event(late));
    const [a, b] = await socket.take(2);
    expect(a).toMatchObject({ type: 'chat.message', data: { message: { id: lost.id, seq: 2 } } });
    expect(b).toMatchObject({ type: 'chat.message', data: { message: { id: late.id, seq: 3 } } });

    // The lost one shows up after all, and one is published twice: neither is repeated.
    await bus.publish(event(lost));
    await bus.publish(event(late));
    const next = await say(app, bob, roomId, 'after the hole');
    expect(await socket.next()).toMatchObject({ data: { message: { id: next.id, seq: 4 } } });
    expect(seqs(socket.frames)).toEqual([1, 2, 3, 4]);
  });
});

describe('slow consumers', () => {
  let app: App;
  let base: string;

  beforeAll(async () => {
    app = testServer({ realtime: { maxBufferedBytes: 256 * 1024, heartbeatMs: 60_000 } });
    base = await listen(app);
  });
  afterAll(() => app.close());

  it('closes a socket that does not read with 4000, without delaying the others', async () => {
    const host = await quickUser(app);
    const reader = await quickUser(app);
    const sleeper = await quickUser(app);
    const roomId = await createRoom(app, host);
    await join(app, host, roomId);
    await join(app, reader, roomId);
    await join(app, sleeper, roomId);
    const { socket: fast } = await connect(base, roomId, reader);
    const { socket: slow } = await connect(base, roomId, sleeper);
    // The client stops reading: the server's send buffer for it fills up.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const resumeCloses = async () => {
      const metric = await app.videoconf.metrics.wsClosedByServer.get();
      return metric.values.find((v) => v.labels.code === String(CLOSE_CODES.RESUME))?.value ?? 0;
    };
    // About 12 KB a message; kernel buffers absorb a few MB before the server's own queue grows.
    const content = '€'.repeat(4000);
    let sent = 0;
    const MAX = 3000;
    while ((await resumeCloses()) === 0 && sent < MAX) {
      await Promise.all(
        Array.from({ length: 25 }, () => say(app, host, roomId, content).then(() => sent++)),
      );
    }
    expect(sent, 'the slow socket was never closed').toBeLessThan(MAX);
    const started = Date.now();
    // A few more after the close: the reader gets them all the same.
    for (let i = 0; i < 10; i++) await say(app, host, roomId, 'after');
    const total = sent + 10;

    // The reader got everything, in order, and promptly.
    const frames = await fast.take(total, 10_000);
    expect(seqs(frames)).toEqual(range(1, total));
    expect(Date.now() - started).toBeLessThan(5000);

    // The sleeper wakes up: what was queued, then the close with the resume code.
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closes(10_000)).code).toBe(CLOSE_CODES.RESUME);
    const got = seqs(slow.frames);
    expect(got).toEqual(range(1, got.length));
    expect(got.length).toBeLessThan(total);

    // Resuming from where it stopped delivers the rest exactly once.
    const { socket: again } = await connect(base, roomId, sleeper, { since: got.length });
    const rest = await again.take(total - got.length, 10_000);
    expect(seqs(rest)).toEqual(range(got.length + 1, total));
    for (const s of [fast, again]) s.close();
  });
});
