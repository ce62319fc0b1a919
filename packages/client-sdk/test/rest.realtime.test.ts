// `client.realtime(roomId)`: the room's WebSocket authenticated with the client's own session,
// which is refreshed when the server refuses the token (close 4401).
import { memoryStorage } from '@videoconf/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  type ChatMessage,
  type Client,
  createClient,
  type RealtimeConnection,
  type WebSocketConstructor,
} from '../src/index';
import { countingFetch, email, PASSWORD, type RunningServer, startServer } from './rest.support';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('client.realtime', () => {
  it('connects with the session token and renews it after a 4401', async () => {
    const storage = memoryStorage();
    let server: RunningServer = await startServer({
      storage,
      jwtSecret: 'the-first-secret-of-at-least-32-bytes!!',
    });
    cleanup.push(() => server.close());
    const counter = countingFetch();
    const client: Client = createClient({ server: server.url, fetch: counter.fetch });
    cleanup.push(() => client.close());
    const address = email();
    await client.auth.register({ email: address, password: PASSWORD, displayName: 'Rita Rt' });
    await client.auth.login({ email: address, password: PASSWORD });
    const room = await client.rooms.create({ title: 'Realtime' });
    await client.rooms.join(room.id);

    const realtime: RealtimeConnection = client.realtime(room.id, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    cleanup.push(() => realtime.close());
    const messages: ChatMessage[] = [];
    realtime.on('chat.message', (event) => messages.push(event.data.message));
    await vi.waitFor(() => expect(realtime.state.get()).toBe('open'), { timeout: 10_000 });
    await client.chat.send(room.id, { content: 'first' });
    await vi.waitFor(() => expect(messages.map((m) => m.content)).toEqual(['first']));

    // A restart with another signing key: the socket reconnects, its token is refused (4401),
    // the client refreshes its session and the socket opens again.
    await server.close();
    server = await startServer(
      { storage, jwtSecret: 'the-second-secret-of-at-least-32-bytes!' },
      server.port,
    );
    await vi.waitFor(() => expect(counter.count('/auth/refresh')).toBe(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(realtime.state.get()).toBe('open'), { timeout: 10_000 });
    await client.chat.send(room.id, { content: 'second' });
    await vi.waitFor(() => expect(messages.map((m) => m.content)).toEqual(['first', 'second']));
    expect(counter.count('/auth/refresh')).toBe(1);
  });
});
