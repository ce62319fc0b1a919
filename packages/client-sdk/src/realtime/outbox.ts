import type { ChatMessage } from '@videoconf/protocol';

/** A `chat.send` waiting for its `chat.ack`. */
export interface OutboxItem {
  readonly clientMessageId: string;
  readonly content: string;
  /** The connection (by number) this item was last sent on; -1: not sent on the current one. */
  sentOn: number;
  resolve(message: ChatMessage): void;
  reject(error: Error): void;
}

/**
 * A token bucket: `perSecond` tokens a second, at most `burst` held. The outbox spends one per
 * `chat.send` so that it stays within the server's per-connection chat limit.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Takes a token and returns 0, or returns the ms to wait until one is there. */
  take(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
  }

  /** Spends every token (after the server said `RATE_LIMITED`). */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
  }
}

/** A `clientMessageId`: a UUID where `crypto.randomUUID` exists, else 32 random hex digits. */
export function newClientMessageId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
