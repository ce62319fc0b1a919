import {
  type ChatMessage,
  type HistoryQuery,
  MAX_MESSAGE_LENGTH,
  messageLength,
  type Participant,
} from '@videoconf/protocol';
import type { Principal } from '../auth/types';
import type { ConferenceContext } from '../context';
import { ConferenceError } from '../errors';
import type { RoomAccess } from '../rooms/access';
import type { RoomRecord, Storage } from '../storage/types';

/**
 * The rules of chat, shared by the REST routes and the WebSocket gateway (`chat.send`).
 * Reading, editing and deleting take the caller's fresh `RoomAccess` (from `roomAccess()`, read
 * for this action, so a kick or a disabled chat is seen at once); sending takes the caller and
 * the room id, and the storage checks the sender in the same atomic step as the append. Every
 * function throws `ConferenceError` with the code of the contract. Nothing here knows Fastify.
 *
 * Reading takes the storage; sending, editing and deleting take `ChatDeps` (the storage and the
 * event publisher; `app.videoconf` is one) and publish `chat.message`, `chat.message.updated`
 * or `chat.message.deleted` once the change is stored, whether the caller is a REST route or
 * the gateway.
 */
export type ChatDeps = Pick<ConferenceContext, 'storage' | 'events'>;

export type ChatActor = Pick<
  RoomAccess,
  'room' | 'principal' | 'participant' | 'isHost' | 'isModerator'
>;

export const DEFAULT_HISTORY_LIMIT = 50;

const now = () => new Date().toISOString();

let lastDeletion = 0;
/**
 * A deletion time that no other deletion of this process shares: of concurrent deletions of one
 * message, the winner is the one whose time the storage kept (see `deleteMessage`), and two in
 * the same millisecond would both believe they won (and both publish).
 */
const deletionTime = () => {
  lastDeletion = Math.max(Date.now(), lastDeletion + 1);
  return new Date(lastDeletion).toISOString();
};

/**
 * Checks content as the contract counts it: 1..4000 Unicode code points after trimming.
 * The content itself is stored as sent (untrimmed, unescaped).
 */
export function checkContent(content: string): void {
  const length = messageLength(content);
  if (length === 0) throw new ConferenceError('VALIDATION_ERROR', 'Message content is empty');
  if (length > MAX_MESSAGE_LENGTH) {
    throw new ConferenceError(
      'VALIDATION_ERROR',
      `Message content is longer than ${MAX_MESSAGE_LENGTH} characters`,
    );
  }
}

const isOver = (room: RoomRecord) => room.status === 'ended' || room.status === 'cancelled';

function requireOpen(room: RoomRecord): void {
  if (isOver(room)) throw new ConferenceError('ROOM_ENDED');
}

function requireActive(actor: ChatActor): Participant {
  if (!actor.participant) throw new ConferenceError('NOT_A_PARTICIPANT');
  return actor.participant;
}

/** Active participants and the host (joined or not) may read; others `NOT_A_PARTICIPANT`. */
function requireMember(actor: ChatActor): void {
  if (!actor.participant && !actor.isHost) throw new ConferenceError('NOT_A_PARTICIPANT');
}

function requireChatEnabled(room: RoomRecord): void {
  if (!room.settings.chatEnabled) throw new ConferenceError('CHAT_DISABLED');
}

/** A message of this room that is not deleted; `MESSAGE_NOT_FOUND` otherwise. */
async function visibleMessage(
  storage: Storage,
  room: RoomRecord,
  messageId: string,
): Promise<ChatMessage> {
  const message = await storage.getMessage(messageId);
  if (!message || message.roomId !== room.id || message.deletedAt !== null) {
    throw new ConferenceError('MESSAGE_NOT_FOUND');
  }
  return message;
}

/**
 * The wire view of a message: a deleted message keeps its row (soft delete) but never shows
 * its content again, e.g. in a `chat.message.deleted` event or an idempotent replay.
 */
export function toPublicMessage(message: ChatMessage): ChatMessage {
  return message.deletedAt === null ? message : { ...message, content: '' };
}

/**
 * History, ascending by seq, deleted messages left out. Without `after` the page holds the
 * newest `limit` messages before `before` (or the end) and `hasMore` says older ones exist;
 * with `after` it holds the oldest `limit` messages after it and `hasMore` says newer ones exist.
 */
export async function listHistory(
  storage: Storage,
  actor: ChatActor,
  query: HistoryQuery,
): Promise<{ items: ChatMessage[]; hasMore: boolean }> {
  requireMember(actor);
  return storage.listMessages(actor.room.id, {
    limit: query.limit ?? DEFAULT_HISTORY_LIMIT,
    ...(query.before !== undefined && { before: query.before }),
    ...(query.after !== undefined && { after: query.after }),
  });
}

export interface SendInput {
  content: string;
  clientMessageId?: string | null;
}

/**
 * Sends a message as the caller's active participant in the room. The content is checked here
 * (`VALIDATION_ERROR`); the rest by the storage, in the one atomic step that appends the
 * message (`Storage.appendMessage`), in this order: `ROOM_NOT_FOUND`, `ROOM_ENDED`,
 * `NOT_A_PARTICIPANT` (so also kicked, left, waiting and a host who has not joined),
 * `CHAT_DISABLED`. A send is one round trip to the storage, with nothing read before it. The
 * same `clientMessageId` from the same sender in the room returns the first message with
 * `created: false`; only a created message is published (`chat.message`).
 */
export async function sendMessage(
  deps: ChatDeps,
  principal: Principal,
  roomId: string,
  input: SendInput,
  at: string = now(),
): Promise<{ message: ChatMessage; created: boolean }> {
  checkContent(input.content);
  const result = await deps.storage.appendMessage({
    roomId,
    messageType: 'user',
    senderUserId: principal.user.id,
    content: input.content,
    clientMessageId: input.clientMessageId ?? null,
    now: at,
  });
  const message = toPublicMessage(result.message);
  if (result.created) await deps.events(message.roomId, 'chat.message', { message });
  return { message, created: result.created };
}

const isSenderOf = (message: ChatMessage, actor: ChatActor) =>
  message.messageType === 'user' && message.senderUserId === actor.principal.user.id;

/**
 * Edits the caller's own message: content (`VALIDATION_ERROR`), room over (`ROOM_ENDED`),
 * message of this room and not deleted (`MESSAGE_NOT_FOUND`), the sender (`FORBIDDEN` for
 * anyone else), still an active participant (`NOT_A_PARTICIPANT`), chat enabled
 * (`CHAT_DISABLED`).
 */
export async function editMessage(
  deps: ChatDeps,
  actor: ChatActor,
  messageId: string,
  content: string,
  at: string = now(),
): Promise<ChatMessage> {
  const { storage } = deps;
  checkContent(content);
  requireOpen(actor.room);
  const message = await visibleMessage(storage, actor.room, messageId);
  if (!isSenderOf(message, actor)) {
    throw new ConferenceError('FORBIDDEN', 'Only the sender may edit a message');
  }
  requireActive(actor);
  requireChatEnabled(actor.room);
  // Atomic: a message deleted meanwhile is not edited.
  const edited = await storage.editMessage(message.id, content, at);
  if (!edited) throw new ConferenceError('MESSAGE_NOT_FOUND');
  await deps.events(edited.roomId, 'chat.message.updated', { message: edited });
  return edited;
}

/**
 * Soft-deletes a message: unknown, another room's or already deleted is `MESSAGE_NOT_FOUND`;
 * the host (joined or not, also after the room ended) and active co-hosts may delete any
 * message; the sender may delete their own while an active participant (`NOT_A_PARTICIPANT`
 * after leaving or being kicked); anyone else `FORBIDDEN`. Allowed with chat disabled.
 * `byModerator` is true when the caller deleted someone else's message (to be audited).
 */
export async function deleteMessage(
  deps: ChatDeps,
  actor: ChatActor,
  messageId: string,
  at: string = deletionTime(),
): Promise<{ message: ChatMessage; byModerator: boolean }> {
  const { storage } = deps;
  const message = await visibleMessage(storage, actor.room, messageId);
  const isSender = isSenderOf(message, actor);
  if (!actor.isModerator) {
    if (!isSender) {
      throw new ConferenceError('FORBIDDEN', 'Only the sender, the host or a co-host may delete');
    }
    requireActive(actor);
  }
  const deleted = await storage.softDeleteMessage(message.id, at);
  // Someone else deleted it between our read and our write: theirs is the deletion.
  if (!deleted || deleted.deletedAt !== at) throw new ConferenceError('MESSAGE_NOT_FOUND');
  const publicMessage = toPublicMessage(deleted);
  await deps.events(publicMessage.roomId, 'chat.message.deleted', { message: publicMessage });
  return { message: publicMessage, byModerator: !isSender };
}
