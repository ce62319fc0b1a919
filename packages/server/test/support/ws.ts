import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { App } from '../../src/http/types';

/** Listens on a free port of 127.0.0.1 and returns the `ws://` base URL. */
export async function listen(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}`;
}

// biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field in tests
export type Frame = { type: string } & Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

export interface OpenOptions {
  origin?: string;
  headers?: Record<string, string>;
  /** `false`: the client does not answer server pings (a dead peer). */
  autoPong?: boolean;
}

const DEFAULT_WAIT_MS = 3000;

/**
 * A `ws` client that records every frame it receives; tests read them in order with bounded
 * waits (`next`, `until`), never with sleeps.
 */
export class TestSocket {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Resolves when the socket closed, with the code and reason the client saw. */
  readonly closed: Promise<Closed>;
  private read = 0;
  private wake: (() => void) | null = null;
  private closeInfo: Closed | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.wake?.();
      });
    });
    ws.on('error', () => {
      // Surfaces as a close (1006) or as a refused upgrade in `open`.
    });
  }

  /** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: OpenOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, {
      ...(options.origin !== undefined && { origin: options.origin }),
      ...(options.headers && { headers: options.headers }),
      ...(options.autoPong !== undefined && { autoPong: options.autoPong }),
    });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => {
        reject(new UpgradeRefused(response.statusCode ?? 0));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Frames received and not yet read. */
  get unread(): Frame[] {
    return this.frames.slice(this.read);
  }

  /** Marks every frame received so far as read and returns the ones that were unread. */
  consume(): Frame[] {
    const frames = this.unread;
    this.read = this.frames.length;
    return frames;
  }

  /** The next unread frame; fails after `timeoutMs` or when the socket closes first. */
  async next(timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const [frame] = await this.take(1, timeoutMs);
    return frame!;
  }

  /** The next `count` unread frames. */
  async take(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame[]> {
    await this.waitUntil(
      () => this.frames.length - this.read >= count,
      timeoutMs,
      () => `${count} frame(s); have ${JSON.stringify(this.unread.map((f) => f.type))}`,
    );
    const frames = this.frames.slice(this.read, this.read + count);
    this.read += count;
    return frames;
  }

  /** Reads up to and including the first unread frame that matches; returns it. */
  async until(match: (frame: Frame) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    let found = -1;
    await this.waitUntil(
      () => {
        found = this.frames.findIndex((frame, index) => index >= this.read && match(frame));
        return found >= 0;
      },
      timeoutMs,
      () => `a matching frame; have ${JSON.stringify(this.unread.map((f) => f.type))}`,
    );
    this.read = found + 1;
    return this.frames[found]!;
  }

  /** Reads up to the first unread frame of this type. */
  untilType(type: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    return this.until((frame) => frame.type === type, timeoutMs);
  }

  /** Waits for the close; fails after `timeoutMs`. */
  async closes(timeoutMs = DEFAULT_WAIT_MS): Promise<Closed> {
    await this.waitUntil(
      () => this.closeInfo !== null,
      timeoutMs,
      () => 'the socket to close',
      {
        allowClosed: true,
      },
    );
    return this.closeInfo!;
  }

  close(): void {
    this.ws.close();
  }

  private async waitUntil(
    done: () => boolean,
    timeoutMs: number,
    what: () => string,
    { allowClosed = false } = {},
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (!allowClosed && this.closeInfo) {
        throw new Error(
          `socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${what()}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly statusCode: number) {
    super(`upgrade refused with ${statusCode}`);
  }
}

export interface ConnectOptions extends OpenOptions {
  since?: number;
  /** `rooms` (default) or the `chat` alias. */
  path?: 'rooms' | 'chat';
}

/** The bearer token of a test user's `auth` header. */
export const tokenOf = (user: { auth: { authorization: string } }): string =>
  user.auth.authorization.replace(/^Bearer /, '');

/** Opens `/ws/rooms/:id`, sends the auth frame and returns the socket with its `ready` frame. */
export async function connect(
  base: string,
  roomId: string,
  user: { auth: { authorization: string } },
  options: ConnectOptions = {},
): Promise<{ socket: TestSocket; ready: Frame }> {
  const socket = await TestSocket.open(`${base}/ws/${options.path ?? 'rooms'}/${roomId}`, options);
  socket.send({
    type: 'auth',
    token: tokenOf(user),
    ...(options.since !== undefined && { since: options.since }),
  });
  const ready = await socket.next();
  if (ready.type !== 'ready') {
    throw new Error(`expected ready, got ${JSON.stringify(ready)}`);
  }
  return { socket, ready };
}

/** Opens a socket, sends `auth` with this token (if any) and returns how it closed. */
export async function refusal(
  base: string,
  roomId: string,
  token: string | undefined,
  options: OpenOptions = {},
): Promise<Closed & { frames: Frame[] }> {
  const socket = await TestSocket.open(`${base}/ws/rooms/${roomId}`, options);
  socket.send({ type: 'auth', ...(token !== undefined && { token }) });
  const closed = await socket.closes();
  return { ...closed, frames: socket.frames };
}

type Caller = { auth: { authorization: string } } | null;

/** Calls the REST API and fails on an unexpected status; returns the JSON body (or null). */
export async function rest(
  app: App,
  who: Caller,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: object,
  expected?: number,
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
): Promise<any> {
  const res = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: who ? who.auth : {},
    ...(payload && { payload }),
  });
  if (expected !== undefined ? res.statusCode !== expected : res.statusCode >= 300) {
    throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  }
  return res.statusCode === 204 ? null : res.json();
}

/** Creates a room hosted by `host` through the API and returns its id. */
export async function createRoom(app: App, host: Caller, body: object = {}): Promise<string> {
  const room = await rest(app, host, 'POST', '/rooms', { title: 'Realtime', ...body }, 201);
  return room.id as string;
}

/** Joins through the API; returns the participant (200) or throws. */
// biome-ignore lint/suspicious/noExplicitAny: see `rest`
export async function join(app: App, who: Caller, roomId: string): Promise<any> {
  const body = await rest(app, who, 'POST', `/rooms/${roomId}/join`, {}, 200);
  return body.participant;
}

/** Sends a chat message over REST; returns the message. */
// biome-ignore lint/suspicious/noExplicitAny: see `rest`
export async function say(app: App, who: Caller, roomId: string, content: string): Promise<any> {
  return rest(app, who, 'POST', `/rooms/${roomId}/chat/messages`, { content }, 201);
}

export { freePort, killRedis, startRedis } from './redis';

/**
 * A client as the SDK behaves: it connects, records every chat message, and on a close with a
 * code that asks for it (1001, 1006, 1011, 4000) reconnects with `since` = the last seq it has,
 * after a short backoff. `until(n)` waits (bounded) until it holds `n` messages.
 */
export function follow(
  base: () => string,
  roomId: string,
  user: { auth: { authorization: string } },
) {
  const seqs: number[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: messages are compared as a whole
  const messages: any[] = [];
  const closes: number[] = [];
  let stopped = false;
  let current: TestSocket | null = null;
  const RECONNECT = new Set([1001, 1006, 1011, 4000]);
  const listeners = new Set<() => void>();
  let ready: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    ready = resolve;
  });

  const run = async () => {
    while (!stopped) {
      let socket: TestSocket;
      try {
        ({ socket } = await connect(base(), roomId, user, {
          ...(seqs.length > 0 && { since: seqs[seqs.length - 1] }),
        }));
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      current = socket;
      ready();
      const drain = () => {
        for (const frame of socket.consume()) {
          if (frame.type === 'chat.message') {
            seqs.push(frame.data.message.seq);
            messages.push(frame.data.message);
          }
        }
        for (const wake of [...listeners]) wake();
      };
      socket.ws.on('message', drain);
      drain();
      const { code } = await socket.closed;
      closes.push(code);
      current = null;
      if (!RECONNECT.has(code)) return;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  };
  const done = run();

  return {
    seqs,
    messages,
    closes,
    connected,
    get socket() {
      return current;
    },
    until(count: number, timeoutMs = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (seqs.length < count) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`expected ${count} messages, have seqs ${JSON.stringify(seqs)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      stopped = true;
      current?.close();
      await done;
    },
  };
}
