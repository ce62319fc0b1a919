import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import websocket from '@fastify/websocket';
import { CLOSE_CODES, MAX_INTEGER } from '@videoconf/protocol';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Principal } from '../auth/types';
import { sendMessage } from '../chat/service';
import type { ConferenceContext } from '../context';
import { ConferenceError, isConferenceError } from '../errors';
import type { App } from '../http/types';
import { unstorableText } from '../http/validation';
import type { RealtimeOptions } from '../options';
import { isOver } from '../rooms/service';
import type { ControlMessage } from './bus';
import { Connection, type ConnectionLimits, IDLE } from './connection';
import { chatEvent, Hubs, REPLAY_PAGE } from './hub';

/** Largest frame a client may send; a larger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** The defaults of `realtime` options. */
export const REALTIME_DEFAULTS: Required<RealtimeOptions> = {
  authTimeoutMs: 5000,
  heartbeatMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  chatPerSecond: 10,
  chatBurst: 20,
};

/** Paths of the gateway; `/ws/chat/:id` is an alias of `/ws/rooms/:id`. */
export const REALTIME_PATHS = ['/ws/rooms/:id', '/ws/chat/:id'] as const;

/** Any frame (ping included) per connection: beyond this burst the socket is closed 4429. */
const FRAMES_PER_SECOND = 50;
const FRAME_BURST = 100;
/** Events a socket may hold back while it resumes. */
const MAX_PENDING_EVENTS = 10_000;
/** A replay page not taken by the client within this time closes the socket with 4000. */
const REPLAY_FLUSH_MS = 10_000;
/** On shutdown, sockets get this long to finish the closing handshake. */
const SHUTDOWN_GRACE_MS = 1000;
/** An internal error: the client may reconnect (with backoff). */
const INTERNAL_ERROR = 1011;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const PONG = JSON.stringify({ type: 'pong' });

type Frame = Record<string, unknown> & { type: string };
type RoomRequest = FastifyRequest<{ Params: { id: string } }>;

const byteLength = (data: RawData): number =>
  Array.isArray(data)
    ? data.reduce((sum, chunk) => sum + chunk.length, 0)
    : (data as Buffer | ArrayBuffer).byteLength;

const toText = (data: RawData): string =>
  (Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data)
  ).toString('utf8');

/** A JSON object with a string `type`, or null. */
function parseFrame(text: string | null): Frame | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const frame = value as Record<string, unknown>;
  return typeof frame.type === 'string' ? (frame as Frame) : null;
}

/**
 * The WebSocket gateway of one server: accepts sockets, authenticates them with their first
 * frame, resumes them from storage, and fans the room events of the bus out to them through
 * one hub per room (see `hub.ts`; who hears what is `audience.ts`).
 */
export function createGateway(context: ConferenceContext, log: FastifyBaseLogger) {
  const { storage, bus, metrics } = context;
  const options = context.options.realtime ?? {};
  const settings: Required<RealtimeOptions> = {
    authTimeoutMs: options.authTimeoutMs ?? REALTIME_DEFAULTS.authTimeoutMs,
    heartbeatMs: options.heartbeatMs ?? REALTIME_DEFAULTS.heartbeatMs,
    maxBufferedBytes: options.maxBufferedBytes ?? REALTIME_DEFAULTS.maxBufferedBytes,
    chatPerSecond: options.chatPerSecond ?? REALTIME_DEFAULTS.chatPerSecond,
    chatBurst: options.chatBurst ?? REALTIME_DEFAULTS.chatBurst,
  };
  const limits: ConnectionLimits = {
    maxBufferedBytes: settings.maxBufferedBytes,
    maxPendingEvents: MAX_PENDING_EVENTS,
    chatPerSecond: settings.chatPerSecond,
    chatBurst: settings.chatBurst,
    framesPerSecond: Math.max(FRAMES_PER_SECOND, settings.chatPerSecond * 2),
    frameBurst: Math.max(FRAME_BURST, settings.chatBurst * 2),
  };

  const connections = new Set<Connection>();
  const hubs = new Hubs({ bus, storage, metrics, log });
  let closing = false;
  let onDrained: (() => void) | null = null;

  // Control messages: one subscription for the gateway, made with the first socket.
  let control: Promise<() => Promise<void>> | null = null;
  const ensureControl = async (): Promise<void> => {
    if (!control) {
      const subscribing = bus.subscribeControl(onControl);
      control = subscribing;
      subscribing.catch(() => {
        if (control === subscribing) control = null;
      });
    }
    await control;
  };

  function onControl(message: ControlMessage): void {
    switch (message.type) {
      case 'user.logout':
        for (const connection of [...connections]) {
          if (connection.userId === message.userId) {
            connection.close(CLOSE_CODES.UNAUTHORIZED, 'logged out');
          }
        }
        return;
      case 'room.deleted':
        hubs.get(message.roomId)?.closeAll(CLOSE_CODES.ROOM_NOT_FOUND, 'room deleted');
        return;
      case 'bus.reconnected':
        // Events published while the bus was away never reached this instance: every socket
        // resumes from storage (chat) and reloads the room's state.
        for (const hub of hubs.all()) hub.resumeAll('missed events: reconnect with since');
        return;
      default:
        return;
    }
  }

  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      if (connection.ws.readyState !== connection.ws.OPEN) continue;
      if (!connection.alive) {
        connection.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }, settings.heartbeatMs);
  heartbeat.unref();

  // Shared by every connection: a closure per socket would cost memory for as long as it is
  // open. The listeners find their connection from the socket they are called on (`this`).
  const detach = (closed: Connection) => hubs.detach(closed);
  const countServerClose = (code: number) => metrics.wsClosedByServer.inc({ code: String(code) });
  const socketConnections = new WeakMap<WebSocket, Connection>();
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
    const connection = socketConnections.get(this);
    if (connection) receive(connection, data, isBinary);
  }
  function onPong(this: WebSocket): void {
    const connection = socketConnections.get(this);
    if (connection) connection.alive = true;
  }
  function onClose(this: WebSocket): void {
    const connection = socketConnections.get(this);
    if (!connection) return;
    socketConnections.delete(this);
    connections.delete(connection);
    metrics.wsConnections.dec();
    connection.closed();
    if (connections.size === 0) onDrained?.();
  }

  /** A new socket: handlers are attached before anything is awaited, so no frame is lost. */
  function accept(ws: WebSocket, request: RoomRequest): void {
    const connection = new Connection(ws, request.params.id, limits, detach, countServerClose);
    // Kept until the auth frame only: a socket lives for hours, its upgrade request need not.
    connection.upgrade = request;
    connections.add(connection);
    metrics.wsConnections.inc();
    socketConnections.set(ws, connection);
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    // `close` is emitted once; `on` spares the wrapper `once` keeps for the socket's lifetime.
    ws.on('close', onClose);
    if (closing) {
      connection.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
      return;
    }
    connection.authTimer = setTimeout(
      () => connection.close(CLOSE_CODES.AUTH_TIMEOUT, 'no auth frame in time'),
      settings.authTimeoutMs,
    );
  }

  function receive(connection: Connection, data: RawData, isBinary: boolean): void {
    if (connection.isClosed) return;
    // `maxPayload` refuses these already when we registered @fastify/websocket ourselves.
    if (byteLength(data) > MAX_FRAME_BYTES) {
      connection.close(CLOSE_CODES.TOO_BIG, 'frame too big');
      return;
    }
    if (!connection.frames.take()) {
      connection.close(CLOSE_CODES.RATE_LIMITED, 'too many frames');
      return;
    }
    const text = isBinary ? null : toText(data);
    const next: Promise<void> = connection.incoming
      .then(() => handleFrame(connection, text))
      .catch((error) => {
        log.error({ err: error, roomId: connection.roomId }, 'websocket frame failed');
        connection.close(INTERNAL_ERROR, 'internal error');
      })
      .then(() => {
        // Nothing queued behind this frame: an idle socket holds no promise of its own.
        if (connection.incoming === next) connection.incoming = IDLE;
      });
    connection.incoming = next;
  }

  async function handleFrame(connection: Connection, text: string | null): Promise<void> {
    if (connection.isClosed) return;
    const frame = parseFrame(text);
    if (connection.phase === 'auth') {
      if (frame?.type !== 'auth') {
        connection.close(CLOSE_CODES.UNAUTHORIZED, 'the first frame must be auth');
        return;
      }
      clearTimeout(connection.authTimer);
      connection.authTimer = undefined;
      const request = connection.upgrade as RoomRequest;
      connection.upgrade = null;
      await authenticate(connection, request, frame);
      return;
    }
    if (!frame) {
      connection.sendError('VALIDATION_ERROR', 'A frame is a JSON object with a string type');
      return;
    }
    switch (frame.type) {
      case 'ping':
        connection.send(PONG);
        return;
      case 'chat.send':
        await chatSend(connection, frame);
        return;
      case 'auth':
        connection.sendError('VALIDATION_ERROR', 'This socket is already authenticated');
        return;
      default:
        connection.sendError('VALIDATION_ERROR', 'Unknown frame type');
    }
  }

  /**
   * The auth frame: who (4401), may they (4403, 4404, 4410), then `ready`, the replay of what
   * they missed, and live events. The socket joins its room's hub before anything is read, and
   * holds back the events that arrive meanwhile: nothing falls between the replay and live.
   */
  async function authenticate(
    connection: Connection,
    request: RoomRequest,
    frame: Frame,
  ): Promise<void> {
    const { token, since } = frame;
    const validToken =
      token === undefined ||
      (typeof token === 'string' && token.length > 0 && token.length <= 4096);
    const validSince =
      since === undefined ||
      // The protocol's `Count`: 0 to MAX_INTEGER.
      (typeof since === 'number' && Number.isInteger(since) && since >= 0 && since <= MAX_INTEGER);
    if (!validToken || !validSince) {
      connection.close(CLOSE_CODES.UNAUTHORIZED, 'invalid auth frame');
      return;
    }

    let principal: Principal | null;
    try {
      // The token of the frame; without one, the upgrade request's own credentials (cookies
      // or headers a custom auth adapter understands).
      principal = await context.auth.authenticate(
        token === undefined
          ? request
          : {
              headers: { authorization: `Bearer ${token}` },
              // Read only if the adapter asks: reading it caches the peer address on the socket.
              get ip() {
                return request.ip;
              },
            },
      );
    } catch (error) {
      if (!isConferenceError(error)) throw error;
      connection.close(CLOSE_CODES.UNAUTHORIZED, 'invalid token');
      return;
    }
    if (connection.isClosed) return;
    if (!principal) {
      connection.close(CLOSE_CODES.UNAUTHORIZED, 'missing token');
      return;
    }
    connection.principal = principal;
    const { roomId } = connection;
    if (principal.roomId !== null && principal.roomId !== roomId) {
      connection.close(CLOSE_CODES.FORBIDDEN, 'guest token of another room');
      return;
    }
    if (!UUID.test(roomId) || !(await storage.getRoom(roomId))) {
      connection.close(CLOSE_CODES.ROOM_NOT_FOUND, 'room not found');
      return;
    }
    if (connection.isClosed) return;

    await ensureControl();
    if (connection.isClosed) return;
    connection.phase = 'syncing';
    const hub = hubs.attach(connection);
    await hub.ready;

    // Read after subscribing: any change after these reads arrives as an event.
    const room = await storage.getRoom(roomId);
    if (!room) {
      connection.close(CLOSE_CODES.ROOM_NOT_FOUND, 'room not found');
      return;
    }
    if (isOver(room)) {
      connection.close(CLOSE_CODES.ROOM_ENDED, 'room ended');
      return;
    }
    const userId = principal.user.id;
    const isHost = room.hostUserId === userId;
    const participant = await storage.findActiveParticipant(roomId, userId);
    const entry = participant || isHost ? null : await storage.findPendingEntry(roomId, userId);
    if (!participant && !isHost && !entry) {
      connection.close(CLOSE_CODES.FORBIDDEN, 'not a participant');
      return;
    }
    connection.listener = {
      userId,
      isHost,
      member: participant !== null || isHost,
      participantId: participant?.id ?? null,
      role: participant?.role ?? null,
      entryId: entry?.id ?? null,
    };
    const lastSeq = await storage.lastSeq(roomId);
    if (connection.isClosed) return;
    connection.send(JSON.stringify({ type: 'ready', participant, entry, lastSeq }));

    // A cursor beyond the room's last seq (a stale client) counts as "up to date".
    let cursor = since === undefined ? lastSeq : Math.min(since as number, lastSeq);
    if (since !== undefined && connection.listener.member) {
      const replayed = await replay(connection, cursor);
      if (replayed === null) return;
      cursor = replayed;
    }
    connection.goLive(cursor);
  }

  /**
   * Sends every stored message after `after`, in pages, waiting for each page to be taken by
   * the client. Returns the last seq sent (or `after`), null when the socket closed meanwhile.
   */
  async function replay(connection: Connection, after: number): Promise<number | null> {
    let cursor = after;
    for (;;) {
      const page = await storage.listMessages(connection.roomId, {
        after: cursor,
        limit: REPLAY_PAGE,
      });
      if (connection.isClosed) return null;
      if (page.items.length === 0) return cursor;
      const frames = page.items.map((message) => JSON.stringify(chatEvent(message)));
      const last = frames.pop() as string;
      for (const frame of frames) connection.push(frame);
      if (!(await connection.sendAndFlush(last, REPLAY_FLUSH_MS))) {
        connection.close(CLOSE_CODES.RESUME, 'too slow: reconnect with since');
        return null;
      }
      metrics.eventsFannedOut.inc(page.items.length);
      cursor = page.items[page.items.length - 1]!.seq;
      if (!page.hasMore) return cursor;
    }
  }

  /** `chat.send`: the same rules as the REST route; answered by `chat.ack` or an error frame. */
  async function chatSend(connection: Connection, frame: Frame): Promise<void> {
    const clientMessageId =
      typeof frame.clientMessageId === 'string' ? frame.clientMessageId : undefined;
    if (!connection.chat.take()) {
      connection.chatStrikes += 1;
      if (connection.chatStrikes > limits.chatBurst) {
        connection.close(CLOSE_CODES.RATE_LIMITED, 'rate limited');
      } else {
        connection.sendError('RATE_LIMITED', 'Too many messages: slow down', clientMessageId);
      }
      return;
    }
    connection.chatStrikes = 0;
    if (clientMessageId === undefined || !CLIENT_MESSAGE_ID.test(clientMessageId)) {
      connection.sendError(
        'VALIDATION_ERROR',
        'clientMessageId must be 1 to 64 characters of A-Z a-z 0-9 _ . : -',
        clientMessageId,
      );
      return;
    }
    const { content } = frame;
    if (typeof content !== 'string') {
      connection.sendError('VALIDATION_ERROR', 'content must be a string', clientMessageId);
      return;
    }
    const problem = unstorableText(content);
    if (problem) {
      connection.sendError('VALIDATION_ERROR', problem, clientMessageId);
      return;
    }
    try {
      const principal = connection.principal as Principal;
      // The chat feature checks the sender and publishes the `chat.message` event, as for REST.
      const { message } = await sendMessage(context, principal, connection.roomId, {
        content,
        clientMessageId,
      });
      connection.send(JSON.stringify({ type: 'chat.ack', clientMessageId, message }));
    } catch (error) {
      if (isConferenceError(error)) {
        connection.sendError(error.code, error.message, clientMessageId);
        return;
      }
      log.error({ err: error, roomId: connection.roomId }, 'chat.send failed');
      connection.sendError('INTERNAL', 'Internal server error', clientMessageId);
    }
  }

  /** Closes every socket with 1001 (clients reconnect with `since`) and drops subscriptions. */
  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    clearInterval(heartbeat);
    for (const connection of [...connections]) {
      connection.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
    }
    if (connections.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const connection of [...connections]) connection.ws.terminate();
    await hubs.dispose();
    const subscription = control;
    control = null;
    const unsubscribe = await subscription?.catch(() => null);
    await unsubscribe?.().catch(() => {});
  }

  return { accept, close, settings };
}

export type Gateway = ReturnType<typeof createGateway>;

/** `*` allows every origin; other entries are compared as origins (scheme, host, port). */
function originPolicy(origins: readonly string[]): (request: FastifyRequest) => boolean {
  const normalize = (origin: string) => {
    try {
      return new URL(origin).origin;
    } catch {
      return origin;
    }
  };
  const any = origins.includes('*');
  const allowed = new Set(origins.map(normalize));
  return (request) => {
    const origin = request.headers.origin;
    // Browsers always send Origin on a WebSocket upgrade; other clients are not CORS-bound.
    if (origin === undefined || any || allowed.has(normalize(origin))) return true;
    try {
      // The server's own origin: a page served by this host.
      return new URL(origin).host === request.host;
    } catch {
      return false;
    }
  };
}

/** `ws` closes the socket itself on protocol errors (e.g. 1009): do not cut it short. */
function onSocketError(socket: WebSocket, error: Error, log: FastifyBaseLogger): void {
  log.debug({ err: error }, 'websocket error');
  if (socket.readyState === socket.OPEN) socket.terminate();
}

/**
 * Lets go of what the upgrade needed and the socket does not. @fastify/websocket routes the
 * upgrade through Fastify with a `ServerResponse` that it assigns to the TCP socket and never
 * finishes (the reply is hijacked), and its `error` listener on the socket closes over the
 * request and the reply: while the socket is open, the request, its headers, the reply and the
 * response would all stay in memory, some 6 KiB a socket, most of what an idle socket costs.
 * So the response is detached from the TCP socket and, when the error handler is ours (`log`:
 * we registered the plugin), that listener is replaced by one that needs neither.
 */
function releaseUpgrade(
  socket: WebSocket,
  request: FastifyRequest,
  onError: ((this: WebSocket, error: Error) => void) | null,
): void {
  const raw = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
  const response = raw?._httpMessage;
  if (response && response.socket === raw) response.detachSocket(raw);
  if (onError) {
    const theirs = socket.listeners('error') as ((error: Error) => void)[];
    // Added before the others are removed: deleting the last `error` key of the emitter's
    // listener object would turn it into a (larger) dictionary.
    socket.on('error', onError);
    for (const listener of theirs) socket.off('error', listener);
  }
}

/**
 * Mounts the gateway: `@fastify/websocket` (unless the host app registered it already) with
 * the 16 KiB frame limit, and `/ws/rooms/:id` and `/ws/chat/:id`. Call it in the API scope
 * after the rate limiter, so that upgrade requests are counted like any request.
 *
 * An upgrade whose Origin is neither allowed by `cors.origins` nor the server's own is refused
 * with 403 `FORBIDDEN` before the upgrade; a plain GET (no upgrade) answers 400.
 */
export async function registerRealtime(app: App, context: ConferenceContext): Promise<void> {
  const gateway = createGateway(context, app.log);
  const hostWebsocket = app.hasPlugin('@fastify/websocket');
  if (hostWebsocket) {
    app.addHook('preClose', gateway.close);
  } else {
    await app.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES },
      errorHandler(error, socket, request) {
        onSocketError(socket, error, request.log);
      },
      async preClose() {
        await gateway.close();
        const server = app.websocketServer;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      },
    });
  }

  const log = app.log;
  function onOwnSocketError(this: WebSocket, error: Error): void {
    onSocketError(this, error, log);
  }

  const originAllowed = originPolicy(context.options.cors?.origins ?? []);
  await app.register(async (scope: App) => {
    scope.addHook('onRequest', async (request) => {
      if (!originAllowed(request)) {
        throw new ConferenceError('FORBIDDEN', 'This origin may not open sockets');
      }
    });
    scope.addHook('preHandler', async (request) => {
      if (!request.ws) {
        throw new ConferenceError(
          'VALIDATION_ERROR',
          'This path accepts WebSocket connections only (Upgrade: websocket)',
        );
      }
    });
    for (const path of REALTIME_PATHS) {
      scope.get<{ Params: { id: string } }>(
        path,
        { websocket: true, config: { auth: 'none' } },
        (socket, request) => {
          releaseUpgrade(socket, request, hostWebsocket ? null : onOwnSocketError);
          gateway.accept(socket, request);
        },
      );
    }
  });
}
