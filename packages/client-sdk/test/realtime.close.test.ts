import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type QuickUser, quickUser } from '../../server/test/support/app';
import { storages } from '../../server/test/support/storages';
import { tcpRelay } from '../../server/test/support/tcp-relay';
import { createRoom, join, rest, tokenOf } from '../../server/test/support/ws';
import { isApiError, type RealtimeConnection } from '../src/index';
import { realtimeOf, startServer, waitFor } from './support/realtime';

/**
 * The close-code rules as an app sees them (a refusal that cannot change stops the connection
 * for good; 4401 gets one more try with a fresh token), and `close()` releasing everything.
 */

/** `ws`, counting the sockets it opens. */
function countingWebSocket() {
  let made = 0;
  class Counting extends WebSocket {
    constructor(url: string) {
      super(url);
      made++;
    }
  }
  return { WebSocket: Counting, made: () => made };
}

describe.each(storages())('RealtimeConnection close rules on %s storage', (_name, makeStorage) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let host: QuickUser;
  let alice: QuickUser;
  let aliceParticipantId: string;
  let roomId: string;
  let connection: RealtimeConnection | null = null;

  beforeAll(async () => {
    server = await startServer(makeStorage());
  });
  beforeEach(async () => {
    host = await quickUser(server.app, { displayName: 'Host' });
    alice = await quickUser(server.app, { displayName: 'Alice' });
    roomId = await createRoom(server.app, host);
    aliceParticipantId = (await join(server.app, alice, roomId)).id;
  });
  afterEach(async () => {
    await connection?.close();
    connection = null;
  });
  afterAll(() => server.close());

  const base = () => `http://127.0.0.1:${server.port}`;

  it.each([
    [
      4403,
      'FORBIDDEN',
      'she is kicked',
      () => ['POST', `/rooms/${roomId}/participants/${aliceParticipantId}/kick`, {}] as const,
    ],
    [4404, 'ROOM_NOT_FOUND', 'the room is deleted', () => ['DELETE', `/rooms/${roomId}`] as const],
    [4410, 'ROOM_ENDED', 'the room ends', () => ['POST', `/rooms/${roomId}/end`, {}] as const],
  ])('stops for good on %i (%s) when %s', async (code, errorCode, _what, request) => {
    const socket = countingWebSocket();
    connection = realtimeOf(base(), roomId, alice, { WebSocket: socket.WebSocket });
    await waitFor(
      () => connection?.state.get() === 'open',
      () => 'open',
    );
    const [method, url, body] = request();
    await rest(server.app, host, method, url, body);
    await waitFor(
      () => connection?.state.get() === 'closed',
      () => 'closed',
    );
    expect(connection.closeCode).toBe(code);
    // Longer than the longest backoff of these connections (400 ms): no new attempt.
    await sleep(800);
    expect(socket.made()).toBe(1);
    const refused = await connection.sendChat('too late').catch((error: unknown) => error);
    expect(isApiError(refused) && refused.code).toBe(errorCode);
  });

  it('on 4401 asks once for a fresh token, and stops when that fails too', async () => {
    const socket = countingWebSocket();
    const asked: boolean[] = [];
    connection = realtimeOf(base(), roomId, alice, {
      WebSocket: socket.WebSocket,
      getToken: async ({ refresh }) => {
        asked.push(refresh);
        return 'not-a-valid-token';
      },
    });
    await waitFor(
      () => connection?.state.get() === 'closed',
      () => 'closed',
    );
    expect(connection.closeCode).toBe(4401);
    await sleep(800);
    expect(asked).toEqual([false, true]);
    expect(socket.made()).toBe(2);
  });

  it('on 4401 connects with the fresh token', async () => {
    const asked: boolean[] = [];
    connection = realtimeOf(base(), roomId, alice, {
      getToken: async ({ refresh }) => {
        asked.push(refresh);
        return refresh ? tokenOf(alice) : 'an-expired-token';
      },
    });
    await waitFor(
      () => connection?.state.get() === 'open',
      () => 'open',
    );
    expect(asked).toEqual([false, true]);
    expect(connection.closeCode).toBeNull();
  });

  it('close() leaves no timer and no socket behind, and rejects what is pending', async () => {
    const resources = () => {
      const counts: Record<string, number> = {};
      for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
      return { timers: counts.Timeout ?? 0, sockets: counts.TCPSocketWrap ?? 0 };
    };
    const relay = await tcpRelay(server.port);
    try {
      const before = resources();
      // Timers longer than close() may take (1 s on a dead link), so that one left behind shows.
      connection = realtimeOf(`http://127.0.0.1:${relay.port}`, roomId, alice, {
        pingIntervalMs: 3000,
        pongTimeoutMs: 3000,
      });
      let readies = 0;
      connection.on('ready', () => readies++);
      await waitFor(
        () => readies === 1,
        () => 'ready',
      );
      await connection.sendChat('one');
      // A reconnection, then a pending send on a silent link.
      server.resumeAll();
      await waitFor(
        () => readies === 2,
        () => 'a reconnection',
      );
      relay.stall();
      const pending = connection.sendChat('never acknowledged').catch((error: unknown) => error);
      await sleep(100);

      await connection.close();
      // No timer of ours is left, not even one that would only do nothing when it fires.
      expect(resources().timers).toBeLessThanOrEqual(before.timers);
      expect(connection.state.get()).toBe('closed');
      expect(connection.closeCode).toBe(1000);
      const error = await pending;
      expect(isApiError(error, 'ABORTED')).toBe(true);
      relay.restore();
      await waitFor(
        () => relay.connections === 0,
        () => `the relay to carry nothing; ${relay.connections} connection(s)`,
        5000,
      );
      await waitFor(
        () => {
          const now = resources();
          return now.timers <= before.timers && now.sockets <= before.sockets;
        },
        () => `no more than before ${JSON.stringify(before)}; now ${JSON.stringify(resources())}`,
        5000,
      );
    } finally {
      await relay.close();
    }
  });
});
