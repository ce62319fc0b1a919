import type { RoomEvent } from '@videoconf/protocol';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import * as wsModule from 'ws';
import type { Principal } from '../auth/types';
import { hear, type Listener } from './audience';
import type { RoomHub } from './hub';

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface ConnectionLimits {
  /** Unsent bytes a socket may queue before it is closed with 4000. */
  maxBufferedBytes: number;
  /** Events a socket may hold back while it resumes before it is closed with 4000. */
  maxPendingEvents: number;
  chatPerSecond: number;
  chatBurst: number;
  framesPerSecond: number;
  frameBurst: number;
}

/** The parts of `ws` that @types/ws does not describe: its frame encoder and a socket's sender. */
interface FrameEncoder {
  frame(
    data: Buffer,
    options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
  ): Buffer[];
}
interface FrameSender {
  sendFrame(list: Buffer[]): void;
}
const { Sender } = wsModule as unknown as { Sender: FrameEncoder };

/**
 * One server-to-client text frame for every socket of a broadcast: the event's JSON, and the
 * WebSocket frame that carries it, encoded once by `ws`'s own `Sender.frame()` on first use.
 * `ws.send()` would encode the text and frame it again for each socket, and hand header and
 * payload to the socket as two writes; with a thousand sockets in a room that was a fifth of
 * the time of a fan-out (bench `ws.fanout.1000`, docs/benchmarks.md). Socket.IO broadcasts the
 * same way (engine.io's `wsPreEncodedFrame`, after ws issue #617).
 */
export class Outgoing {
  private framed: Buffer[] | null = null;

  constructor(readonly text: string) {}

  /** Header and payload in one buffer: final, text, unmasked, no extension. */
  get frame(): Buffer[] {
    this.framed ??= [
      Buffer.concat(
        Sender.frame(Buffer.from(this.text, 'utf8'), {
          fin: true,
          rsv1: false,
          opcode: 0x1,
          mask: false,
          readOnly: false,
        }),
      ),
    ];
    return this.framed;
  }
}

/** The frame chain of a connection with nothing in flight (most of its life). */
export const IDLE: Promise<void> = Promise.resolve();

/** 4000: the socket could not keep up (or may have missed events); resume with `since`. */
const RESUME = 4000;

/**
 * One socket of `/ws/rooms/:id`: who it is, where it is in its life (waiting for the auth
 * frame, resuming, live, closed), and what it may still receive. Sending never waits: a socket
 * that lets too many bytes pile up is closed with 4000 so that it resumes from storage.
 */
export class Connection {
  phase: 'auth' | 'syncing' | 'live' | 'closed' = 'auth';
  principal: Principal | null = null;
  /** The room's hub, from the moment the socket is authenticated until it closes. */
  hub: RoomHub | null = null;
  /** Set when the socket is authorised: what it is to the room. */
  listener: Listener | null = null;
  /** The highest chat seq this socket has received (or skipped, before it went live). */
  chatSeq = 0;
  /** Answered the last heartbeat ping. */
  alive = true;
  /** Frames are handled one after the other, in order of arrival. */
  incoming: Promise<void> = IDLE;
  authTimer: NodeJS.Timeout | undefined;
  /** The upgrade request, until the auth frame (which may authenticate with its cookies). */
  upgrade: FastifyRequest | null = null;
  readonly frames: TokenBucket;
  private chatBucket: TokenBucket | null = null;
  /** `chat.send` frames refused in a row by the rate limit. */
  chatStrikes = 0;
  /** Room events that arrived while the socket was resuming, delivered once it goes live. */
  private pending: [RoomEvent, Outgoing][] | null = null;
  /**
   * `ws`'s sender of this socket when prebuilt frames (`Outgoing.frame`) may be handed to it:
   * only when no extension was negotiated, so that no frame of a broadcast needs compressing.
   * Then the sender writes each frame to the TCP socket as it comes, in order with what
   * `ws.send()`, pings and closes write, and the bytes still count in `ws.bufferedAmount` (the
   * slow-consumer check). Null otherwise: broadcasts go through `ws.send()`.
   */
  private readonly sender: FrameSender | null;

  constructor(
    readonly ws: WebSocket,
    /** The room of the socket's URL; once the socket joins its hub, the hub's own string. */
    public roomId: string,
    readonly limits: ConnectionLimits,
    /** Called once when the socket is closed by either side: remove it from its room. */
    private readonly onClosed: (connection: Connection) => void,
    /** Called when the server closes the socket, with the code. */
    private readonly onServerClose: (code: number) => void = () => {},
  ) {
    this.frames = new TokenBucket(limits.framesPerSecond, limits.frameBurst);
    const sender = (ws as unknown as { _sender?: Partial<FrameSender> })._sender;
    this.sender =
      ws.extensions === '' && typeof sender?.sendFrame === 'function'
        ? (sender as FrameSender)
        : null;
  }

  /** The `chat.send` rate limit, made with the first `chat.send` (most sockets only listen). */
  get chat(): TokenBucket {
    this.chatBucket ??= new TokenBucket(this.limits.chatPerSecond, this.limits.chatBurst);
    return this.chatBucket;
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  get userId(): string | null {
    return this.principal?.user.id ?? null;
  }

  /**
   * Sends a frame unless the socket is closed or too far behind: then it is closed with 4000
   * and false is returned. Never waits.
   */
  send(data: string | Outgoing): boolean {
    if (this.phase === 'closed') return false;
    const ws = this.ws;
    if (ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(RESUME, 'too slow: reconnect with since');
      return false;
    }
    if (typeof data === 'string') {
      ws.send(data);
    } else if (this.sender !== null && ws.readyState === ws.OPEN) {
      this.sender.sendFrame(data.frame);
    } else {
      ws.send(data.text);
    }
    return true;
  }

  /** Queues a frame without the slow-consumer check: for replays, which pace themselves. */
  push(data: string): void {
    if (this.phase !== 'closed') this.ws.send(data);
  }

  /**
   * Sends a frame and resolves once it was handed to the operating system (true), or false when
   * that did not happen within `timeoutMs` or failed. For replays, which wait for the client
   * instead of queueing everything at once.
   */
  sendAndFlush(data: string, timeoutMs: number): Promise<boolean> {
    if (this.phase === 'closed') return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.ws.send(data, (error) => {
        clearTimeout(timer);
        resolve(!error);
      });
    });
  }

  sendError(code: string, message: string, clientMessageId?: string): void {
    this.send(
      JSON.stringify({
        type: 'error',
        code,
        message,
        ...(clientMessageId !== undefined && { clientMessageId }),
      }),
    );
  }

  /**
   * A room event for this socket: held back while it resumes, else delivered if its audience
   * includes this socket. Returns true when it was sent.
   */
  deliver(event: RoomEvent, raw: Outgoing): boolean {
    if (this.phase === 'live') return this.receive(event, raw);
    if (this.phase === 'syncing') {
      this.pending ??= [];
      this.pending.push([event, raw]);
      if (this.pending.length > this.limits.maxPendingEvents) {
        this.close(RESUME, 'too slow: reconnect with since');
      }
    }
    return false;
  }

  /** Goes live after a resume up to `chatSeq`: delivers what arrived meanwhile, in order. */
  goLive(chatSeq: number): void {
    if (this.phase !== 'syncing') return;
    this.chatSeq = chatSeq;
    this.phase = 'live';
    const pending = this.pending ?? [];
    this.pending = null;
    for (const [event, raw] of pending) {
      if (this.phase !== 'live') break;
      this.receive(event, raw);
    }
  }

  private receive(event: RoomEvent, raw: Outgoing): boolean {
    const listener = this.listener;
    if (!listener) return false;
    let seq: number | undefined;
    if (event.type === 'chat.message') {
      seq = event.data.message.seq;
      // Already replayed, or delivered: every message reaches a socket once.
      if (seq <= this.chatSeq) return false;
    }
    const verdict = hear(listener, event);
    let sent = false;
    if (verdict.deliver) {
      if (seq !== undefined) this.chatSeq = seq;
      sent = this.send(raw);
    }
    if (verdict.close) this.close(verdict.close.code, verdict.close.reason);
    return sent;
  }

  /** Closes the socket with a code of the contract; it leaves its room at once. */
  close(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.closed();
    this.onServerClose(code);
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }

  /** Drops the socket without a closing handshake (it stopped answering pings). */
  terminate(): void {
    this.closed();
    this.ws.terminate();
  }

  /** Bookkeeping of a socket that is closed or closing, by either side. Idempotent. */
  closed(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.pending = null;
    this.upgrade = null;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.onClosed(this);
  }
}
