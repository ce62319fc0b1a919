import type { RoomEvent } from '@videoconf/protocol';

/** A message for every server instance, not tied to a room. */
export type ControlMessage =
  /** The user logged out: close their sockets. */
  | { type: 'user.logout'; userId: string }
  /** The room was deleted: close its sockets. */
  | { type: 'room.deleted'; roomId: string };

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

/** In-process bus: one server instance. Delivery is synchronous, in publish order. */
export function memoryBus(): EventBus {
  const rooms = new Map<string, Set<RoomListener>>();
  const control = new Set<ControlListener>();
  return {
    name: 'memory',
    async publish(event) {
      const listeners = rooms.get(event.roomId);
      if (!listeners?.size) return;
      const raw = JSON.stringify(event);
      for (const listener of [...listeners]) listener(event, raw);
    },
    async subscribe(roomId, listener) {
      let listeners = rooms.get(roomId);
      if (!listeners) {
        listeners = new Set();
        rooms.set(roomId, listeners);
      }
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        if (listeners.size === 0 && rooms.get(roomId) === listeners) rooms.delete(roomId);
      };
    },
    async publishControl(message) {
      for (const listener of [...control]) listener(message);
    },
    async subscribeControl(listener) {
      control.add(listener);
      return async () => {
        control.delete(listener);
      };
    },
    async ping() {},
    async close() {
      rooms.clear();
      control.clear();
    },
  };
}
