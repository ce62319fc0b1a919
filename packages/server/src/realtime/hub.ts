import type { ChatMessage, RoomEvent } from '@videoconf/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { toPublicMessage } from '../chat/service';
import type { Metrics } from '../operations/metrics';
import type { Storage } from '../storage/types';
import type { EventBus } from './bus';
import { type Connection, Outgoing } from './connection';

/** Messages read from storage per page, when resuming or filling a hole. */
export const REPLAY_PAGE = 100;

/** The `chat.message` event of a stored message, as a resume or a hole fill sends it. */
export const chatEvent = (message: ChatMessage): RoomEvent => ({
  type: 'chat.message',
  roomId: message.roomId,
  at: message.createdAt,
  data: { message: toPublicMessage(message) },
});

export interface HubDeps {
  bus: EventBus;
  storage: Storage;
  metrics: Metrics;
  log: FastifyBaseLogger;
}

/**
 * The sockets of one room on this instance, behind one bus subscription (made for the first
 * socket, dropped with the last).
 *
 * Events are handled one at a time, in order. Chat is put in seq order here: the hub knows the
 * highest seq it delivered; a `chat.message` at or below it is a duplicate and is dropped, one
 * beyond the next expected seq means events were lost or reordered on the way (another
 * instance published later, a Redis publish failed), so the missing messages are read from
 * storage — the source of truth — and delivered first. Every event is serialised and framed
 * once (`Outgoing`), and the same bytes go to every socket that may hear it.
 */
export class RoomHub {
  readonly connections = new Set<Connection>();
  /** Resolves once the subscription is active and the room's current seq is known. */
  readonly ready: Promise<void>;
  failed = false;
  /** The highest chat seq delivered to this room's sockets. */
  private delivered = 0;
  private queue: Promise<void>;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    readonly roomId: string,
    private readonly deps: HubDeps,
  ) {
    this.ready = this.start();
    this.ready.catch(() => {
      this.failed = true;
    });
    this.queue = this.ready.catch(() => {});
  }

  private async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe(this.roomId, (event, raw) =>
      this.enqueue(event, raw),
    );
    // Read after subscribing: every later message arrives as an event (or fills a hole).
    this.delivered = await this.deps.storage.lastSeq(this.roomId);
  }

  private enqueue(event: RoomEvent, raw: string): void {
    this.queue = this.queue
      .then(() => this.handle(event, raw))
      .catch((error) => {
        this.deps.log.error({ err: error, roomId: this.roomId }, 'room event fan-out failed');
      });
  }

  private async handle(event: RoomEvent, raw: string): Promise<void> {
    if (event.type === 'chat.message') {
      const seq = event.data.message.seq;
      if (seq <= this.delivered) return;
      if (seq > this.delivered + 1) {
        try {
          await this.fill(seq);
        } catch (error) {
          this.deps.log.error(
            { err: error, roomId: this.roomId, from: this.delivered + 1, to: seq - 1 },
            'missing chat messages could not be read: sockets must resume',
          );
          this.resumeAll('missed events: reconnect with since');
        }
      }
      this.delivered = seq;
    }
    this.broadcast(event, raw);
  }

  /** Delivers the stored messages between the last delivered seq and `before`, in order. */
  private async fill(before: number): Promise<void> {
    let after = this.delivered;
    for (;;) {
      const page = await this.deps.storage.listMessages(this.roomId, {
        after,
        before,
        limit: REPLAY_PAGE,
      });
      for (const message of page.items) {
        const event = chatEvent(message);
        this.broadcast(event, JSON.stringify(event));
        after = message.seq;
      }
      this.delivered = Math.max(this.delivered, after);
      if (!page.hasMore || page.items.length === 0) return;
    }
  }

  /** Sends one event to every socket that may hear it; never waits for a socket. */
  broadcast(event: RoomEvent, raw: string): void {
    const outgoing = new Outgoing(raw);
    let sent = 0;
    for (const connection of this.connections) {
      try {
        if (connection.deliver(event, outgoing)) sent += 1;
      } catch (error) {
        // One broken socket (or a malformed event from the bus) must not stop the others.
        this.deps.log.warn({ err: error, roomId: this.roomId }, 'event delivery failed');
        connection.close(1011, 'internal error');
      }
    }
    if (sent > 0) this.deps.metrics.eventsFannedOut.inc(sent);
  }

  /** Closes every socket with 4000: they reconnect with `since` and resume from storage. */
  resumeAll(reason: string): void {
    for (const connection of [...this.connections]) connection.close(4000, reason);
  }

  /** Closes every socket of the room with `code`. */
  closeAll(code: number, reason: string): void {
    for (const connection of [...this.connections]) connection.close(code, reason);
  }

  /** Drops the subscription. */
  async dispose(): Promise<void> {
    try {
      await this.ready;
    } catch {
      return;
    }
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    await unsubscribe?.();
  }
}

/** The hubs of this instance, one per room that has sockets here. */
export class Hubs {
  private readonly hubs = new Map<string, RoomHub>();

  constructor(private readonly deps: HubDeps) {}

  /** Adds the socket to its room's hub, creating the hub (and subscription) if needed. */
  attach(connection: Connection): RoomHub {
    let hub = this.hubs.get(connection.roomId);
    if (!hub || hub.failed) {
      // A copy of the id: the one parsed from a socket's URL is a slice of the whole URL.
      const roomId = Buffer.from(connection.roomId, 'utf8').toString('utf8');
      hub = new RoomHub(roomId, this.deps);
      this.hubs.set(roomId, hub);
    }
    hub.connections.add(connection);
    connection.hub = hub;
    // Every socket of the room shares the hub's string.
    connection.roomId = hub.roomId;
    return hub;
  }

  /** Removes the socket; the last one out drops the room's subscription. */
  detach(connection: Connection): void {
    const hub = connection.hub;
    connection.hub = null;
    if (!hub?.connections.delete(connection) || hub.connections.size > 0) return;
    if (this.hubs.get(hub.roomId) === hub) this.hubs.delete(hub.roomId);
    hub.dispose().catch((error) => {
      this.deps.log.warn({ err: error, roomId: hub.roomId }, 'room unsubscribe failed');
    });
  }

  get(roomId: string): RoomHub | undefined {
    return this.hubs.get(roomId);
  }

  all(): RoomHub[] {
    return [...this.hubs.values()];
  }

  /** Drops every subscription (shutdown). */
  async dispose(): Promise<void> {
    const hubs = this.all();
    this.hubs.clear();
    await Promise.allSettled(hubs.map((hub) => hub.dispose()));
  }
}
