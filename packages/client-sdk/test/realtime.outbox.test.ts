import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quickUser } from '../../server/test/support/app';
import { storages } from '../../server/test/support/storages';
import { createRoom, join, rest } from '../../server/test/support/ws';
import { isApiError, type RealtimeConnection } from '../src/index';
import { historyOf, realtimeOf, startServer } from './support/realtime';

/**
 * `sendChat` many at once: paced within the server's per-connection chat limit (here 5 a second,
 * bursts of 5), and when the client's pace is too fast for the server, the refused sends are
 * sent again: each resolves once and is stored once. Refusals that cannot succeed reject.
 */

const COUNT = 20;

describe.each(storages())('RealtimeConnection outbox on %s storage', (_name, makeStorage) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const connections: RealtimeConnection[] = [];

  beforeAll(async () => {
    server = await startServer(makeStorage(), { realtime: { chatPerSecond: 5, chatBurst: 5 } });
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });
  afterAll(() => server.close());

  async function burst(options: { chatPerSecond?: number; chatBurst?: number }) {
    const host = await quickUser(server.app, { displayName: 'Host' });
    const roomId = await createRoom(server.app, host);
    await join(server.app, host, roomId);
    const connection = realtimeOf(`http://127.0.0.1:${server.port}`, roomId, host, {
      ...options,
      throttledMs: 300,
    });
    connections.push(connection);
    let readies = 0;
    connection.on('ready', () => readies++);
    const contents = Array.from({ length: COUNT }, (_, i) => `burst ${i}`);
    const started = Date.now();
    const acked = await Promise.all(contents.map((content) => connection.sendChat(content)));
    const seconds = (Date.now() - started) / 1000;
    const history = await historyOf(server.http, roomId, host);
    expect(history.map((m) => m.content).sort()).toEqual([...contents].sort());
    expect(acked.map((m) => m.id).sort()).toEqual(history.map((m) => m.id).sort());
    return { readies, seconds, roomId, host, connection };
  }

  it('paces a burst within the server limit: no refusal, no close', async () => {
    const { readies, seconds } = await burst({ chatPerSecond: 5, chatBurst: 5 });
    expect(readies).toBe(1);
    // 5 at once, then 5 a second.
    expect(seconds).toBeGreaterThan(2.5);
  });

  it('sends again what the server refused as RATE_LIMITED (or closed 4429 for): each stored once', async () => {
    await burst({});
  });

  it('rejects what cannot succeed later: CHAT_DISABLED, VALIDATION_ERROR', async () => {
    const { connection, roomId, host } = await burst({ chatPerSecond: 5, chatBurst: 5 });
    const tooLong = await connection.sendChat('x'.repeat(4001)).catch((e: unknown) => e);
    expect(isApiError(tooLong, 'VALIDATION_ERROR')).toBe(true);
    await rest(server.app, host, 'PUT', `/rooms/${roomId}`, { settings: { chatEnabled: false } });
    const disabled = await connection.sendChat('hello').catch((e: unknown) => e);
    expect(isApiError(disabled, 'CHAT_DISABLED')).toBe(true);
    expect(connection.state.get()).toBe('open');
  });
});
