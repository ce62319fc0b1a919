import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatMessage } from '@videoconf/protocol';
import WebSocket from 'ws';
import type { App } from '../../../server/src/http/types';
import type { ConferenceServerOptions } from '../../../server/src/options';
import { type ControlListener, type EventBus, memoryBus } from '../../../server/src/realtime/bus';
import type { Storage } from '../../../server/src/storage/types';
import { type QuickUser, testServer } from '../../../server/test/support/app';
import { tokenOf } from '../../../server/test/support/ws';
import { RealtimeConnection, type RealtimeConnectionOptions } from '../../src/index';

/**
 * A real server on a free loopback port, over `storage` (not closed with the server: a restart
 * keeps it). `restart()` closes the instance (its sockets close 1001) and starts a new one on the
 * same port; `resumeAll()` makes the server close every socket with 4000, as after its event bus
 * reconnected.
 */
export async function startServer(storage: Storage, options: ConferenceServerOptions = {}) {
  let controls = new Set<ControlListener>();
  const spyBus = (): EventBus => {
    const bus = memoryBus();
    controls = new Set();
    const own = controls;
    return {
      ...bus,
      async subscribeControl(listener) {
        own.add(listener);
        const stop = await bus.subscribeControl(listener);
        return async () => {
          own.delete(listener);
          await stop();
        };
      },
    };
  };
  let app: App = testServer({ ...options, storage, bus: spyBus() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const http = `http://127.0.0.1:${port}`;
  return {
    port,
    http,
    get app() {
      return app;
    },
    /** `whileDown` runs after the old instance closed and before the new one listens. */
    async restart(whileDown?: () => Promise<unknown>) {
      await app.close();
      await whileDown?.();
      app = testServer({ ...options, storage, bus: spyBus() });
      await app.listen({ port, host: '127.0.0.1' });
    },
    resumeAll() {
      for (const listener of [...controls]) listener({ type: 'bus.reconnected' });
    },
    close: () => app.close(),
  };
}

/** A `RealtimeConnection` of `user` on Node's `ws`, with timings fit for tests. */
export function realtimeOf(
  server: string,
  roomId: string,
  user: QuickUser,
  options: Partial<RealtimeConnectionOptions> = {},
): RealtimeConnection {
  return new RealtimeConnection({
    server,
    roomId,
    getToken: async () => tokenOf(user),
    WebSocket,
    backoff: { initialMs: 50, maxMs: 400 },
    pingIntervalMs: 500,
    pongTimeoutMs: 500,
    connectTimeoutMs: 2000,
    ...options,
  });
}

/** Every chat message of the room, oldest first, over REST (`GET …/chat/messages`). */
export async function historyOf(http: string, roomId: string, user: QuickUser) {
  const all: ChatMessage[] = [];
  for (;;) {
    const after = all.at(-1)?.seq ?? 0;
    const response = await fetch(
      `${http}/api/v1/rooms/${roomId}/chat/messages?after=${after}&limit=100`,
      { headers: user.auth },
    );
    if (response.status !== 200) throw new Error(`history: ${response.status}`);
    const page = (await response.json()) as { items: ChatMessage[]; hasMore: boolean };
    all.push(...page.items);
    if (!page.hasMore || page.items.length === 0) return all;
  }
}

/** Polls `ok` every 20 ms; fails after `timeoutMs` with `what`. */
export async function waitFor(ok: () => boolean, what: () => string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(20);
  }
}
