import type { WaitingEntry } from '@videoconf/protocol';
import type { Conference } from '../conference/conference';
import { type Store, writable } from '../store';

export interface WaitingRoomFeature {
  /** Pending entries, oldest first (hosts and co-hosts; empty for others). */
  entries: Store<WaitingEntry[]>;
  admit(entryId: string): Promise<void>;
  reject(entryId: string, reason?: string): Promise<void>;
  /** Admits everyone waiting now, oldest first; stops at the first refusal (e.g. `ROOM_FULL`). */
  admitAll(): Promise<void>;
  /** The person's own entry while they wait in the lobby, else `null`. */
  self: Store<WaitingEntry | null>;
  /** Stops listening to the conference. */
  dispose(): void;
}

/**
 * The lobby. For hosts and co-hosts, the pending entries, loaded when they become a moderator
 * (on join, on promotion, after every reconnect) and kept up to date by `waiting.*` events; for
 * the waiting person, their own entry.
 */
export function setupWaitingRoom(conference: Conference): WaitingRoomFeature {
  const { client, roomId } = conference;
  const entries = writable<WaitingEntry[]>([]);
  let generation = 0;

  const reload = async () => {
    const mine = ++generation;
    if (!conference.isModerator) {
      entries.set([]);
      return;
    }
    const { items } = await client.waitingRoom.list(roomId);
    if (mine === generation) entries.set(items);
  };
  const remove = (id: string) => entries.update((list) => list.filter((e) => e.id !== id));

  const stops = [
    conference.onRealtime('ready', () => void reload().catch(() => undefined)),
    conference.self.subscribe(() => void reload().catch(() => undefined)),
    conference.onRealtime('waiting.requested', ({ data }) => {
      if (!conference.isModerator) return;
      ++generation;
      entries.update((list) =>
        list.some((e) => e.id === data.entry.id) ? list : [...list, data.entry],
      );
    }),
    conference.onRealtime('waiting.approved', ({ data }) => remove(data.entry.id)),
    conference.onRealtime('waiting.rejected', ({ data }) => remove(data.entry.id)),
  ];

  return {
    entries: entries.readonly,
    self: conference.entry,
    async admit(entryId) {
      await conference.admit(entryId);
      remove(entryId);
    },
    async reject(entryId, reason) {
      await conference.reject(entryId, reason);
      remove(entryId);
    },
    async admitAll() {
      for (const entry of entries.get()) {
        await conference.admit(entry.id);
        remove(entry.id);
      }
    },
    dispose() {
      for (const stop of stops) stop();
    },
  };
}
