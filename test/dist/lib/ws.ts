import { expect } from 'vitest';
import WebSocket from 'ws';
import { type Json, recordCode } from './http';
import { WS_BASE } from './target';

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A room socket that keeps every frame it receives, so that a test can wait for the one it
 * expects without racing the server. Error frames' codes are recorded like HTTP errors.
 */
export class RoomSocket {
  readonly frames: Json[] = [];
  readonly closed: Promise<Closed>;
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;
  private waiters: Array<() => void> = [];
  private closedWith: Closed | null = null;

  constructor(roomId: string, path: 'rooms' | 'chat' = 'rooms') {
    this.socket = new WebSocket(`${WS_BASE}/ws/${path}/${roomId}`);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
    });
    // A failed upgrade rejects `opened`; later socket errors end in `close`, which tests await.
    this.socket.on('error', () => {});
    this.socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame?.type === 'error') recordCode(frame.code);
      this.frames.push(frame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      this.socket.once('close', (code, reason) => {
        this.closedWith = { code, reason: String(reason) };
        resolve(this.closedWith);
        this.wake();
      });
    });
  }

  /** Connects and sends the auth frame; resolves with `ready`. */
  static async open(roomId: string, token: string, since?: number): Promise<RoomSocket> {
    const socket = new RoomSocket(roomId);
    await socket.opened;
    socket.send({ type: 'auth', token, ...(since !== undefined && { since }) });
    const ready = await socket.next((frame) => frame.type === 'ready');
    expect(ready).toMatchObject({ type: 'ready', lastSeq: expect.any(Number) });
    return socket;
  }

  /** Connects, sends the auth frame and expects the server to close with `code`. */
  static async refused(roomId: string, token: string): Promise<Closed> {
    const socket = new RoomSocket(roomId);
    await socket.opened;
    socket.send({ type: 'auth', token });
    return socket.closed;
  }

  async ready(): Promise<void> {
    await this.opened;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * The first frame not yet taken that matches, waiting up to `timeoutMs` for it. Frames
   * before it stay available to later calls.
   */
  async next(match: (frame: Json) => boolean, timeoutMs = 5000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0];
      if (this.closedWith) {
        throw new Error(
          `socket closed (${this.closedWith.code}) before the expected frame; got ${JSON.stringify(this.frames)}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next event of `type` (a server event or a reply frame). */
  event(type: string, timeoutMs?: number): Promise<Json> {
    return this.next((frame) => frame.type === type, timeoutMs);
  }

  close(): void {
    if (
      this.socket.readyState === WebSocket.OPEN ||
      this.socket.readyState === WebSocket.CONNECTING
    ) {
      this.socket.close();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
