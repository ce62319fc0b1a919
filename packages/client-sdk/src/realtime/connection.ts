import type {
  ChatMessage,
  ErrorCode,
  ReadyFrame,
  RoomEvent,
  RoomEventType,
} from '@videoconf/protocol';
import { ApiError } from '../errors';
import { type Store, writable } from '../store';
import { type BackoffOptions, backoffDelay } from './backoff';
import { newClientMessageId, type OutboxItem, TokenBucket } from './outbox';

/** `connecting` until the first `ready`; `reconnecting` after a drop until the next `ready`. */
export type RealtimeState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Every event `on` delivers: `ready` (after each (re)connection) and every room event. */
export type RealtimeEvents = { ready: ReadyFrame } & {
  [K in RoomEventType]: Extract<RoomEvent, { type: K }>;
};
export type RealtimeEventType = keyof RealtimeEvents;

// A handler type whose parameter is checked bivariantly, so that both the DOM `WebSocket` and
// `ws` (whose event classes differ) fit `WebSocketLike`.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the connection needs of a WebSocket: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drops the TCP connection without a closing handshake. */
  terminate?(): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface RealtimeConnectionOptions {
  /** Base URL of the videoconf server (`https://meet.example.com`, or with its prefix). */
  server: string;
  roomId: string;
  /**
   * The access token for the auth frame, asked before every connection attempt. After a close
   * with 4401 it is asked once more with `{ refresh: true }` (return a fresh token then) before
   * the connection gives up. Leave it out when the server authenticates the upgrade request
   * itself (cookies with `customAuth`). A rejection with an `ApiError` of status 401 or 403
   * ends the connection (`closeCode` 4401); any other rejection is retried with backoff.
   */
  getToken?: (context: { refresh: boolean }) => Promise<string | null | undefined>;
  /** The WebSocket constructor: default `globalThis.WebSocket`; in Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** The highest chat seq the app already has: later messages are replayed first. */
  since?: number;
  /** Application ping interval once open, in ms (20 000). */
  pingIntervalMs?: number;
  /** No frame at all within this many ms of a ping: the connection is dead (10 000). */
  pongTimeoutMs?: number;
  /** No `ready` within this many ms of starting an attempt: retry (10 000). */
  connectTimeoutMs?: number;
  /** Reconnection backoff: starts at `initialMs` (500), doubles up to `maxMs` (30 000). */
  backoff?: BackoffOptions;
  /** A connection open this long resets the backoff, in ms (10 000). */
  stableMs?: number;
  /** The least wait after a close 4429 (too many frames), in ms (5 000). */
  throttledMs?: number;
  /** `chat.send` frames a second and burst: the server's limit (10, 20) by default. */
  chatPerSecond?: number;
  chatBurst?: number;
  /** Pause of the outbox after a `RATE_LIMITED` (or `INTERNAL`) answer, in ms (1 000). */
  retryAfterMs?: number;
}

/** Close codes after which reconnecting cannot help. */
const STOP_CODES = new Set([1009, 4401, 4403, 4404, 4410]);
/** Close codes of the contract after which to reconnect at once (then back off if it repeats). */
const AT_ONCE_CODES = new Set([4000, 4408]);
/** The code of our own `close()`. */
const CLOSED_BY_APP = 1000;
/** The server's frame size limit. */
const MAX_FRAME_BYTES = 16 * 1024;

const CLOSE_ERRORS: Record<number, [number, ErrorCode, string]> = {
  1009: [413, 'PAYLOAD_TOO_LARGE', 'The server refused a frame over 16 KiB'],
  4401: [401, 'UNAUTHORIZED', 'The realtime connection was refused: sign in again'],
  4403: [
    403,
    'FORBIDDEN',
    'Not allowed in this room (not a participant, kicked, rejected or left)',
  ],
  4404: [404, 'ROOM_NOT_FOUND', 'The room does not exist'],
  4410: [410, 'ROOM_ENDED', 'The room has ended'],
};

/** `chat.send` refusals that cannot succeed later: the send rejects with them. */
const REFUSAL_STATUS: Record<string, number> = {
  VALIDATION_ERROR: 400,
  NOT_A_PARTICIPANT: 403,
  CHAT_DISABLED: 403,
  ROOM_NOT_FOUND: 404,
  ROOM_ENDED: 410,
};

function closedError(code: number | null): ApiError {
  const known = code === null ? undefined : CLOSE_ERRORS[code];
  if (known) return new ApiError(known[0], known[1], known[2]);
  return new ApiError(0, 'ABORTED', 'The realtime connection was closed');
}

/** `http(s)://host/prefix` → `ws(s)://host/prefix/ws/rooms/:id`. */
function socketUrl(server: string, roomId: string): string {
  const url = new URL(server);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `${path}/ws/rooms/${encodeURIComponent(roomId)}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

const utf8 = new TextEncoder();

/**
 * One WebSocket to one room, per docs/realtime.md: auth frame, application heartbeat,
 * reconnection with backoff and jitter, resume with `since` (every chat message reaches the app
 * once, in `seq` order, across reconnections), the close-code rules, and an outbox for
 * `sendChat` that keeps one `clientMessageId` per message until it is acknowledged.
 */
export class RealtimeConnection {
  /** `connecting`, `open`, `reconnecting` or `closed`. */
  readonly state: Store<RealtimeState>;

  private readonly stateStore = writable<RealtimeState>('connecting');
  private readonly url: string;
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly getToken: RealtimeConnectionOptions['getToken'];
  private readonly options: Required<
    Pick<
      RealtimeConnectionOptions,
      | 'pingIntervalMs'
      | 'pongTimeoutMs'
      | 'connectTimeoutMs'
      | 'stableMs'
      | 'throttledMs'
      | 'retryAfterMs'
    >
  > & { backoff: BackoffOptions };
  private readonly listeners = new Map<string, Set<(event: never) => void>>();
  private readonly outbox = new Map<string, OutboxItem>();
  private readonly bucket: TokenBucket;

  private seq: number;
  /** False until there is a seq to resume from (no `since` given, no ready yet). */
  private hasSeq: boolean;
  private code: number | null = null;
  private stopped = false;
  private socket: WebSocketLike | null = null;
  /** Numbers the connection attempts; events of an older socket are ignored. */
  private generation = 0;
  /** The generation whose socket is ready (sent `ready`), or -1. */
  private readyOn = -1;
  /** Whether the current attempt sent `since`. */
  private resumed = false;
  private openedAt = 0;
  private attempt = 0;
  private atOnceStreak = 0;
  private refreshing = false;
  private refreshedAfter4401 = false;

  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private pumpTimer: ReturnType<typeof setTimeout> | null = null;
  private pauseTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: RealtimeConnectionOptions) {
    const WebSocketClass =
      options.WebSocket ??
      (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
      undefined;
    if (!WebSocketClass) {
      throw new TypeError('No WebSocket here: pass one as the `WebSocket` option (`ws` in Node)');
    }
    this.WebSocketClass = WebSocketClass;
    this.url = socketUrl(options.server, options.roomId);
    this.getToken = options.getToken;
    this.options = {
      pingIntervalMs: options.pingIntervalMs ?? 20_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      stableMs: options.stableMs ?? 10_000,
      throttledMs: options.throttledMs ?? 5_000,
      retryAfterMs: options.retryAfterMs ?? 1_000,
      backoff: options.backoff ?? {},
    };
    this.bucket = new TokenBucket(options.chatPerSecond ?? 10, options.chatBurst ?? 20);
    this.seq = options.since ?? 0;
    this.hasSeq = options.since !== undefined;
    this.state = this.stateStore.readonly;
    void this.connect();
  }

  /** The close code that ended the connection once `closed` (1000 after `close()`), else null. */
  get closeCode(): number | null {
    return this.code;
  }

  /**
   * The highest chat `seq` delivered to the app (or, after a first connection without `since`,
   * the room's last seq at that time: older messages are history to load over REST).
   */
  get lastSeq(): number {
    return this.seq;
  }

  /** Calls `handler` with every event of `type`; returns the function that stops it. */
  on<K extends RealtimeEventType>(
    type: K,
    handler: (event: RealtimeEvents[K]) => void,
  ): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const entry = handler as (event: never) => void;
    set.add(entry);
    return () => {
      this.listeners.get(type)?.delete(entry);
    };
  }

  /**
   * Sends a chat message; resolves with the stored message once the server acknowledged it.
   * Kept (with one `clientMessageId`) across reconnections until then, so it is stored once.
   * Rejects with an `ApiError` only when it cannot succeed later: `VALIDATION_ERROR`,
   * `NOT_A_PARTICIPANT`, `CHAT_DISABLED`, `ROOM_ENDED`, `ROOM_NOT_FOUND`, or the connection
   * closed (`ABORTED` after `close()`, else the code of the close: `UNAUTHORIZED`, `FORBIDDEN`…).
   */
  sendChat(content: string): Promise<ChatMessage> {
    if (this.stopped) return Promise.reject(closedError(this.code));
    if (typeof content !== 'string') {
      return Promise.reject(new ApiError(400, 'VALIDATION_ERROR', 'content must be a string'));
    }
    const clientMessageId = newClientMessageId();
    const frame = JSON.stringify({ type: 'chat.send', clientMessageId, content });
    if (utf8.encode(frame).byteLength > MAX_FRAME_BYTES) {
      return Promise.reject(
        new ApiError(400, 'VALIDATION_ERROR', 'The message is too long for one frame (16 KiB)'),
      );
    }
    return new Promise<ChatMessage>((resolve, reject) => {
      this.outbox.set(clientMessageId, {
        clientMessageId,
        content,
        sentOn: -1,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /**
   * Closes the socket, stops every timer and rejects the pending sends (`ABORTED`). Resolves
   * once the socket is closed.
   */
  close(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const socket = this.socket;
    this.finish(CLOSED_BY_APP, false);
    if (!socket) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let fallback: ReturnType<typeof setTimeout> | null = null;
      socket.onclose = () => {
        if (fallback) clearTimeout(fallback);
        resolve();
      };
      try {
        socket.close(CLOSED_BY_APP);
      } catch {
        socket.terminate?.();
      }
      // A dead peer never answers the closing handshake: do not wait for it. `ws` then drops
      // the TCP connection and reports the close; a browser's socket is left to the browser.
      fallback = setTimeout(() => {
        fallback = null;
        if (socket.terminate) socket.terminate();
        else resolve();
      }, 1000);
    });
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.readyOn = -1;
    let token: string | null | undefined;
    if (this.getToken) {
      const refresh = this.refreshing;
      this.refreshing = false;
      try {
        token = await this.getToken({ refresh });
      } catch (error) {
        if (this.stopped || generation !== this.generation) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          this.finish(4401, true);
        } else {
          this.scheduleReconnect(1006);
        }
        return;
      }
      if (this.stopped || generation !== this.generation) return;
    }
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(this.url);
    } catch {
      this.scheduleReconnect(1006);
      return;
    }
    this.socket = socket;
    this.connectTimer = setTimeout(() => this.drop(generation), this.options.connectTimeoutMs);
    socket.onerror = () => {
      // Followed by a close event (1006).
    };
    socket.onopen = () => {
      if (generation !== this.generation) return;
      this.resumed = this.hasSeq;
      this.write({
        type: 'auth',
        ...(token ? { token } : {}),
        ...(this.hasSeq ? { since: this.seq } : {}),
      });
    };
    socket.onmessage = (event) => this.onFrame(generation, event.data);
    socket.onclose = (event) => {
      if (generation !== this.generation || this.socket !== socket) return;
      this.socket = null;
      this.onClosed(event.code);
    };
  }

  private write(frame: object): void {
    try {
      this.socket?.send(JSON.stringify(frame));
    } catch {
      // The socket is closing: its close event follows.
    }
  }

  private onFrame(generation: number, data: unknown): void {
    if (generation !== this.generation || this.stopped) return;
    // Any frame shows the connection is alive.
    if (this.pongTimer) {
      clearTimeout(this.pongTimer);
      this.pongTimer = null;
    }
    let frame: { type?: unknown } & Record<string, unknown>;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      return;
    }
    switch (frame.type) {
      case 'ready':
        this.onReady(generation, frame as unknown as ReadyFrame);
        return;
      case 'pong':
        return;
      case 'chat.ack': {
        const id = frame.clientMessageId as string;
        const item = this.outbox.get(id);
        if (!item) return;
        this.outbox.delete(id);
        item.resolve(frame.message as ChatMessage);
        return;
      }
      case 'error':
        this.onError(frame.code as string, frame.message as string, frame.clientMessageId);
        return;
      case 'chat.message': {
        const { seq } = (frame as unknown as RealtimeEvents['chat.message']).data.message;
        if (seq <= this.seq && this.hasSeq) return; // already delivered
        this.seq = seq;
        this.hasSeq = true;
        this.emit('chat.message', frame);
        return;
      }
      default:
        if (typeof frame.type === 'string') this.emit(frame.type, frame);
    }
  }

  private onReady(generation: number, frame: ReadyFrame): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.readyOn = generation;
    this.openedAt = Date.now();
    this.refreshedAfter4401 = false;
    // Without `since`, live chat starts after the room's last seq: resume from there.
    if (!this.resumed) {
      this.seq = Math.max(this.seq, frame.lastSeq);
      this.hasSeq = true;
    }
    this.stateStore.set('open');
    this.schedulePing(generation);
    this.emit('ready', frame);
    this.pump();
  }

  private onError(code: string, message: string, clientMessageId: unknown): void {
    if (typeof clientMessageId !== 'string') return;
    const item = this.outbox.get(clientMessageId);
    if (!item) return;
    const status = REFUSAL_STATUS[code];
    if (status === undefined) {
      // RATE_LIMITED, INTERNAL and anything unknown: send again after a pause.
      item.sentOn = -1;
      this.bucket.drain();
      if (!this.pauseTimer) {
        if (this.pumpTimer) clearTimeout(this.pumpTimer);
        this.pumpTimer = null;
        this.pauseTimer = setTimeout(() => {
          this.pauseTimer = null;
          this.pump();
        }, this.options.retryAfterMs);
      }
      return;
    }
    this.outbox.delete(clientMessageId);
    item.reject(new ApiError(status, code, message));
  }

  /** Sends what the outbox holds and the current socket has not been sent, within the rate. */
  private pump(): void {
    if (this.stopped || this.readyOn !== this.generation || !this.socket) return;
    if (this.pumpTimer || this.pauseTimer) return;
    for (const item of this.outbox.values()) {
      if (item.sentOn === this.generation) continue;
      const wait = this.bucket.take();
      if (wait > 0) {
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, wait);
        return;
      }
      item.sentOn = this.generation;
      this.write({
        type: 'chat.send',
        clientMessageId: item.clientMessageId,
        content: item.content,
      });
    }
  }

  private schedulePing(generation: number): void {
    this.pingTimer = setTimeout(() => {
      this.pingTimer = null;
      if (generation !== this.generation || this.stopped) return;
      this.write({ type: 'ping' });
      this.pongTimer ??= setTimeout(() => this.drop(generation), this.options.pongTimeoutMs);
      this.schedulePing(generation);
    }, this.options.pingIntervalMs);
  }

  /** The current attempt is dead (no `ready`, or no answer to a ping): drop it, reconnect. */
  private drop(generation: number): void {
    if (generation !== this.generation || this.stopped) return;
    const socket = this.socket;
    this.socket = null;
    if (socket) this.discard(socket);
    this.onClosed(1006);
  }

  /** Forgets a socket: no more events from it, and its TCP connection is released. */
  private discard(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = () => {};
    try {
      if (socket.terminate) socket.terminate();
      else socket.close();
    } catch {
      // Already closed.
    }
  }

  private onClosed(code: number): void {
    if (this.stopped) return;
    const wasReady = this.readyOn === this.generation;
    this.clearConnectionTimers();
    this.readyOn = -1;
    if (code === 4401 && this.getToken && !this.refreshedAfter4401) {
      // Once: a fresh token, then connect again at once.
      this.refreshedAfter4401 = true;
      this.refreshing = true;
      this.reconnectIn(0);
      return;
    }
    if (STOP_CODES.has(code)) {
      this.finish(code, true);
      return;
    }
    if (wasReady && Date.now() - this.openedAt >= this.options.stableMs) {
      this.attempt = 0;
      this.atOnceStreak = 0;
    }
    this.scheduleReconnect(code);
  }

  private scheduleReconnect(code: number): void {
    let delay: number;
    if (AT_ONCE_CODES.has(code) && this.atOnceStreak === 0) {
      this.atOnceStreak++;
      delay = 0;
    } else {
      delay = backoffDelay(this.attempt++, this.options.backoff);
      if (code === 4429) delay = Math.max(delay, this.options.throttledMs);
    }
    this.reconnectIn(delay);
  }

  private reconnectIn(delay: number): void {
    if (this.stateStore.get() === 'open') this.stateStore.set('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private clearConnectionTimers(): void {
    for (const timer of [this.connectTimer, this.pingTimer, this.pongTimer, this.pumpTimer]) {
      if (timer) clearTimeout(timer);
    }
    this.connectTimer = this.pingTimer = this.pongTimer = this.pumpTimer = null;
  }

  /** Ends for good: no timer, no socket, pending sends rejected, `closed`. */
  private finish(code: number, fromServer: boolean): void {
    this.stopped = true;
    this.code = code;
    this.generation++;
    this.clearConnectionTimers();
    for (const timer of [this.reconnectTimer, this.pauseTimer]) if (timer) clearTimeout(timer);
    this.reconnectTimer = this.pauseTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket && fromServer) this.discard(socket);
    const error = closedError(code === CLOSED_BY_APP ? null : code);
    const pending = [...this.outbox.values()];
    this.outbox.clear();
    for (const item of pending) item.reject(error);
    this.stateStore.set('closed');
  }

  private emit(type: string, event: unknown): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (event: unknown) => void)(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
