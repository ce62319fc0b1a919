import { type Static, Type } from '@sinclair/typebox';
import { Count, Nullable, NullableTimestamp, Timestamp, Uuid } from './common';

export const MessageType = Type.Union([Type.Literal('user'), Type.Literal('system')]);

export const ChatMessage = Type.Object({
  id: Uuid,
  roomId: Uuid,
  seq: Type.Integer({ minimum: 1 }),
  senderParticipantId: Nullable(Uuid),
  senderUserId: Nullable(Uuid),
  senderDisplayName: Type.String(),
  messageType: MessageType,
  content: Type.String(),
  createdAt: Timestamp,
  editedAt: NullableTimestamp,
  deletedAt: NullableTimestamp,
});
export type ChatMessage = Static<typeof ChatMessage>;

/** Longest message, counted in characters (Unicode code points) after trimming. */
export const MAX_MESSAGE_LENGTH = 4000;

/**
 * The length the server checks: Unicode code points of the trimmed content, so an emoji
 * counts once. Content must measure 1..MAX_MESSAGE_LENGTH; it is stored untrimmed.
 */
export const messageLength = (content: string): number => [...content.trim()].length;

export const MessageContent = Type.String({ minLength: 1, maxLength: 16000 });

export const SendMessageBody = Type.Object({
  content: MessageContent,
  clientMessageId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
  ),
});
export type SendMessageBody = Static<typeof SendMessageBody>;

export const EditMessageBody = Type.Object({ content: MessageContent });
export type EditMessageBody = Static<typeof EditMessageBody>;

export const MessageParams = Type.Object({ id: Uuid, messageId: Uuid });

export const HistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  before: Type.Optional(Count),
  after: Type.Optional(Count),
});
export type HistoryQuery = Static<typeof HistoryQuery>;

export const MessagePage = Type.Object({ items: Type.Array(ChatMessage), hasMore: Type.Boolean() });
export type MessagePage = Static<typeof MessagePage>;
