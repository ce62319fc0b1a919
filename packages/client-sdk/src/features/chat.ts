import type { ChatMessage } from '@videoconf/protocol';
import type { Conference } from '../conference/conference';
import { ApiError } from '../errors';
import { type Store, writable } from '../store';

export interface ChatFeature {
  /** The loaded messages, ascending by `seq`, deleted ones left out; edits applied in place. */
  messages: Store<ChatMessage[]>;
  /** Whether older messages than the first loaded one exist (`loadOlder()` pages them in). */
  hasMore: Store<boolean>;
  /** Pages in up to `limit` (default 50) older messages. */
  loadOlder(limit?: number): Promise<void>;
  /** Sends a message; resolves with it once the server stored it (exactly once, even across reconnects). */
  send(content: string): Promise<ChatMessage>;
  /** Edits one of your messages. */
  edit(messageId: string, content: string): Promise<ChatMessage>;
  /** Deletes a message (yours; any, as host or co-host). */
  remove(messageId: string): Promise<void>;
  /** Messages of others received since the last `markRead()`. */
  unread: Store<number>;
  markRead(): void;
  /** Stops listening to the conference. */
  dispose(): void;
}

type Change = { kind: 'upsert'; message: ChatMessage } | { kind: 'delete'; message: ChatMessage };

const PAGE = 50;

/**
 * The room's chat as a list that equals the server's history: the latest page is loaded when
 * the person is admitted, new messages arrive over the realtime connection exactly once and in
 * `seq` order, edits and deletes apply in place, and after every reconnect the loaded range is
 * read again over REST, so that what changed while away (an edit, a delete) shows too.
 */
export function setupChat(conference: Conference): ChatFeature {
  const { client, roomId } = conference;
  const messages = writable<ChatMessage[]>([]);
  const hasMore = writable(false);
  const unread = writable(0);
  /** Changes seen while a reload is under way, applied again on top of its answer. */
  let pending: Change[] | null = null;
  let loaded = false;
  let generation = 0;

  const apply = (list: ChatMessage[], change: Change): ChatMessage[] => {
    const at = list.findIndex((m) => m.id === change.message.id);
    if (change.kind === 'delete') return at === -1 ? list : list.filter((_, i) => i !== at);
    if (at !== -1) {
      const next = [...list];
      next[at] = change.message;
      return next;
    }
    // New: after every loaded one in the usual case, else in its place by seq.
    const last = list[list.length - 1];
    if (!last || last.seq < change.message.seq) return [...list, change.message];
    const next = [...list, change.message];
    next.sort((a, b) => a.seq - b.seq);
    return next;
  };
  const change = (c: Change) => {
    pending?.push(c);
    messages.update((list) => apply(list, c));
  };

  /** Reads every message from `after` (exclusive) to now, page by page. */
  const readFrom = async (after: number | undefined) => {
    const items: ChatMessage[] = [];
    let more = true;
    let cursor = after;
    let first = true;
    while (more) {
      const page = await client.chat.list(
        roomId,
        cursor === undefined ? { limit: PAGE } : { limit: 100, after: cursor },
      );
      items.push(...page.items);
      if (first && cursor === undefined) {
        // The latest page: `hasMore` says whether older ones exist.
        hasMore.set(page.hasMore);
        return items;
      }
      first = false;
      more = page.hasMore && page.items.length > 0;
      cursor = page.items[page.items.length - 1]?.seq ?? cursor;
    }
    return items;
  };

  /** Loads the latest page, or, once loaded, the whole loaded range again. */
  const reload = async () => {
    const mine = ++generation;
    pending = [];
    try {
      const current = messages.get();
      const oldest = current[0]?.seq;
      const fresh = await readFrom(loaded && oldest !== undefined ? oldest - 1 : undefined);
      if (mine !== generation) return;
      let list = fresh;
      for (const c of pending) list = apply(list, c);
      messages.set(list);
      loaded = true;
    } finally {
      if (mine === generation) pending = null;
    }
  };

  const isSelf = (message: ChatMessage) =>
    message.senderParticipantId !== null &&
    message.senderParticipantId === conference.self.get()?.id;

  const stops = [
    conference.onRealtime('ready', (ready) => {
      // A member socket (not in the lobby): load, or reconcile after a reconnect.
      if (ready.participant || conference.isModerator) void reload().catch(() => undefined);
    }),
    conference.onRealtime('chat.message', ({ data }) => {
      change({ kind: 'upsert', message: data.message });
      if (!isSelf(data.message)) unread.update((n) => n + 1);
    }),
    conference.onRealtime('chat.message.updated', ({ data }) =>
      change({ kind: 'upsert', message: data.message }),
    ),
    conference.onRealtime('chat.message.deleted', ({ data }) =>
      change({ kind: 'delete', message: data.message }),
    ),
  ];

  return {
    messages: messages.readonly,
    hasMore: hasMore.readonly,
    unread: unread.readonly,
    async loadOlder(limit = PAGE) {
      const oldest = messages.get()[0]?.seq;
      if (oldest === undefined) return;
      const page = await client.chat.list(roomId, { limit, before: oldest });
      hasMore.set(page.hasMore);
      messages.update((list) => {
        const known = new Set(list.map((m) => m.id));
        return [...page.items.filter((m) => !known.has(m.id)), ...list];
      });
    },
    async send(content) {
      const realtime = conference.realtime;
      if (!realtime) {
        throw new ApiError(403, 'NOT_A_PARTICIPANT', 'Join the room before sending messages');
      }
      const message = await realtime.sendChat(content);
      change({ kind: 'upsert', message });
      return message;
    },
    async edit(messageId, content) {
      const message = await client.chat.edit(roomId, messageId, { content });
      change({ kind: 'upsert', message });
      return message;
    },
    async remove(messageId) {
      const message = messages.get().find((m) => m.id === messageId);
      await client.chat.remove(roomId, messageId);
      if (message) change({ kind: 'delete', message });
    },
    markRead() {
      unread.set(0);
    },
    dispose() {
      for (const stop of stops) stop();
    },
  };
}
