import type { RoomEvent } from '@videoconf/protocol';

/** A message for every server instance, not tied to a room. */
export type ControlMessage =
  /** The user logged out: close their sockets. */
  | { type: 'user.logout'; userId: string }
  /** The room was deleted: close its sockets. */
  | { type: 'room.deleted'; roomId: string }
  /**
   * Local, never published: the bus of this instance lost its connection and has restored its
   * subscriptions. Events published meanwhile were not delivered here, so fill chat holes from
   * storage (or ask sockets to resume). Only buses that connect to something send it.
   */
  | { type: 'bus.reconnected' };

/**
 * Delivers an event. `raw` is the event's JSON, serialised once by the publisher: a gateway
 * may forward it to sockets as it is.
 */
export type RoomListener = (event: RoomEvent, raw: string) => void;
export type ControlListener = (message: ControlMessage) => void;

/**
 * The event bus port: fan-out of room events to every server instance. One channel per room;
 * events of one room are delivered to each subscriber in the order they were published.
 * Delivery is at most once: the database is the source of truth, and the gateway fills any
 * hole in chat seq from storage.
 */
export interface EventBus {
  readonly name: string;
  publish(event: RoomEvent): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes. */
  subscribe(roomId: string, listener: RoomListener): Promise<() => Promise<void>>;
  publishControl(message: ControlMessage): Promise<void>;
  subscribeControl(listener: ControlListener): Promise<() => Promise<void>>;
  /** Resolves when the bus answers; rejects otherwise (for /health). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls every listener even when one throws; the first error is rethrown afterwards, so that
 * the publisher sees (and logs) it.
 */
function callAll<A extends unknown[]>(listeners: Iterable<(...args: A) => void>, ...args: A) {
  let failure: { error: unknown } | undefined;
  for (const listener of [...listeners]) {
    try {
      listener(...args);
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

/**
 * In-process bus: one server instance. Delivery is synchronous, in publish order: when
 * `publish` resolves, every listener has been called.
 */
export function memoryBus(): EventBus {
  const rooms = new Map<string, Set<RoomListener>>();
  const control = new Set<ControlListener>();
  return {
    name: 'memory',
    async publish(event) {
      const listeners = rooms.get(event.roomId);
      if (!listeners?.size) return;
      callAll(listeners, event, JSON.stringify(event));
    },
    async subscribe(roomId, listener) {
      let listeners = rooms.get(roomId);
      if (!listeners) {
        listeners = new Set();
        rooms.set(roomId, listeners);
      }
      // A subscription of its own, even for a listener that is subscribed twice.
      const subscription: RoomListener = (event, raw) => listener(event, raw);
      listeners.add(subscription);
      return async () => {
        listeners.delete(subscription);
        if (listeners.size === 0 && rooms.get(roomId) === listeners) rooms.delete(roomId);
      };
    },
    async publishControl(message) {
      callAll(control, message);
    },
    async subscribeControl(listener) {
      const subscription: ControlListener = (message) => listener(message);
      control.add(subscription);
      return async () => {
        control.delete(subscription);
      };
    },
    async ping() {},
    async close() {
      rooms.clear();
      control.clear();
    },
  };
}
