import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatMessage } from '@videoconf/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type QuickUser, quickUser } from '../../server/test/support/app';
import { storages } from '../../server/test/support/storages';
import { type TcpRelay, tcpRelay } from '../../server/test/support/tcp-relay';
import { createRoom, join } from '../../server/test/support/ws';
import type { RealtimeConnection } from '../src/index';
import { historyOf, realtimeOf, startServer, waitFor } from './support/realtime';

/**
 * What an app relies on: whatever happens to the connection (the server closes it, restarts,
 * the network drops or goes silent), every chat message reaches it exactly once, in seq order,
 * and equals the server's history; a message sent meanwhile is acknowledged once and stored once.
 */

const SENDERS = 4;
const PER_SENDER = 15;

describe.each(storages())('RealtimeConnection on %s storage', (_name, makeStorage) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let relay: TcpRelay | null = null;
  const connections: RealtimeConnection[] = [];

  beforeAll(async () => {
    server = await startServer(makeStorage());
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await relay?.close();
    relay = null;
  });
  afterAll(() => server.close());

  /**
   * A room with a reader and four senders (each its own connection, sending one message after
   * another); `disrupt` runs once the reader has some messages. Then checks what the reader got
   * against the history over REST.
   */
  async function scenario(
    base: string,
    disrupt: (room: { host: QuickUser; roomId: string }) => Promise<void>,
  ) {
    const app = server.app;
    const host = await quickUser(app, { displayName: 'Host' });
    const roomId = await createRoom(app, host);
    const reader = await quickUser(app, { displayName: 'Reader' });
    await join(app, reader, roomId);
    const senders: QuickUser[] = [];
    for (let i = 0; i < SENDERS; i++) {
      const user = await quickUser(app, { displayName: `Sender ${i}` });
      await join(app, user, roomId);
      senders.push(user);
    }

    const readerConnection = realtimeOf(base, roomId, reader);
    connections.push(readerConnection);
    const received: ChatMessage[] = [];
    let readies = 0;
    readerConnection.on('chat.message', (event) => received.push(event.data.message));
    readerConnection.on('ready', () => readies++);
    await waitFor(
      () => readerConnection.state.get() === 'open',
      () => 'the reader to open',
    );

    const acked: ChatMessage[] = [];
    const sending = senders.map(async (user, k) => {
      const connection = realtimeOf(base, roomId, user);
      connections.push(connection);
      for (let i = 0; i < PER_SENDER; i++) {
        acked.push(await connection.sendChat(`message ${k}-${i}`));
        await sleep(5 + Math.random() * 25);
      }
    });

    await waitFor(
      () => received.length >= 10,
      () => `10 messages; have ${received.length}`,
    );
    await disrupt({ host, roomId });
    await Promise.all(sending);

    const history = await historyOf(server.http, roomId, host);
    const last = history.at(-1)?.seq ?? 0;
    await waitFor(
      () => readerConnection.lastSeq >= last,
      () => `the reader to reach seq ${last}; at ${readerConnection.lastSeq}`,
    );
    // Every message once, in order, as stored.
    expect(received.map((m) => m.seq)).toEqual(history.map((m) => m.seq));
    expect(received.map((m) => [m.id, m.content])).toEqual(history.map((m) => [m.id, m.content]));
    // Every send stored once and acknowledged once.
    const sent = history.filter((m) => m.content.startsWith('message '));
    expect(sent).toHaveLength(SENDERS * PER_SENDER);
    expect(new Set(sent.map((m) => m.content)).size).toBe(SENDERS * PER_SENDER);
    expect(acked.map((m) => m.id).sort()).toEqual(sent.map((m) => m.id).sort());
    // The disruption did make it reconnect.
    expect(readies).toBeGreaterThan(1);
    expect(readerConnection.state.get()).toBe('open');
    return { received, history, readerConnection };
  }

  it('resumes after the server closes every socket (4000), twice in a row', async () => {
    await scenario(`http://127.0.0.1:${server.port}`, async () => {
      server.resumeAll();
      await sleep(50);
      server.resumeAll();
    });
  });

  it('resumes after the server restarts on the same port (1001, then refused connections)', async () => {
    await scenario(`http://127.0.0.1:${server.port}`, async () => {
      await server.restart();
    });
  });

  it('resumes after a network cut and after a silent link; a send during the cut is stored once', async () => {
    relay = await tcpRelay(server.port);
    const link = relay;
    await scenario(`http://127.0.0.1:${link.port}`, async ({ roomId }) => {
      // A cut: every TCP connection drops, and new ones are refused for a while.
      link.cut();
      await sleep(300);
      link.restore();
      await sleep(300);
      // A silent link: what the server sends is lost (a request arrives, its answer does not).
      // Only the heartbeat notices this: the server still sees a healthy socket.
      const during = await quickUser(server.app, { displayName: 'During' });
      await join(server.app, during, roomId);
      const connection = realtimeOf(`http://127.0.0.1:${link.port}`, roomId, during);
      connections.push(connection);
      await waitFor(
        () => connection.state.get() === 'open',
        () => 'the sender to open',
      );
      link.stall('toClient');
      const sent = connection.sendChat('sent into a silent link');
      await sleep(1500);
      link.restore();
      const message = await sent;
      expect(message.content).toBe('sent into a silent link');
      const stored = (await historyOf(server.http, roomId, during)).filter(
        (m) => m.content === 'sent into a silent link',
      );
      expect(stored.map((m) => m.id)).toEqual([message.id]);
    });
  });
});
