import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ChatMessage } from './chat';
import { Count, Timestamp, Uuid } from './common';
import { Participant } from './participants';
import { Room } from './rooms';
import { WaitingEntry } from './waiting-room';

const event = <K extends string, D extends TSchema>(type: K, data: D) =>
  Type.Object({ type: Type.Literal(type), roomId: Uuid, at: Timestamp, data });

const MessageData = Type.Object({ message: ChatMessage });
const ParticipantData = Type.Object({ participant: Participant });
const EntryData = Type.Object({ entry: WaitingEntry });
const RoomData = Type.Object({ room: Room });

/** Every room event the server sends over `/ws/rooms/:id`, as published on the event bus. */
export const RoomEvent = Type.Union([
  event('chat.message', MessageData),
  event('chat.message.updated', MessageData),
  event('chat.message.deleted', MessageData),
  event('participant.joined', ParticipantData),
  event('participant.left', ParticipantData),
  event('participant.kicked', ParticipantData),
  event('participant.role_changed', ParticipantData),
  event('waiting.requested', EntryData),
  event('waiting.approved', EntryData),
  event('waiting.rejected', EntryData),
  event('room.updated', RoomData),
  event('room.locked', RoomData),
  event('room.unlocked', RoomData),
  event('room.ended', RoomData),
]);
export type RoomEvent = Static<typeof RoomEvent>;
export type RoomEventType = RoomEvent['type'];
/** The data of one event type. */
export type RoomEventData<T extends RoomEventType> = Extract<RoomEvent, { type: T }>['data'];

export const ROOM_EVENT_TYPES = [
  'chat.message',
  'chat.message.updated',
  'chat.message.deleted',
  'participant.joined',
  'participant.left',
  'participant.kicked',
  'participant.role_changed',
  'waiting.requested',
  'waiting.approved',
  'waiting.rejected',
  'room.updated',
  'room.locked',
  'room.unlocked',
  'room.ended',
] as const satisfies readonly RoomEventType[];

// Frames a client sends.

export const AuthFrame = Type.Object({
  type: Type.Literal('auth'),
  /**
   * The access token. May be left out only when the upgrade request itself authenticates
   * (e.g. the host application's session cookie with `customAuth`).
   */
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  /** The last chat seq the client has: every later message is replayed before live events. */
  since: Type.Optional(Count),
});
export type AuthFrame = Static<typeof AuthFrame>;

export const ChatSendFrame = Type.Object({
  type: Type.Literal('chat.send'),
  clientMessageId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
  content: Type.String({ minLength: 1, maxLength: 16000 }),
});
export type ChatSendFrame = Static<typeof ChatSendFrame>;

export const PingFrame = Type.Object({ type: Type.Literal('ping') });

export const ClientFrame = Type.Union([AuthFrame, ChatSendFrame, PingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;

// Frames the server sends besides room events.

export const ReadyFrame = Type.Object({
  type: Type.Literal('ready'),
  participant: Type.Union([Participant, Type.Null()]),
  entry: Type.Union([WaitingEntry, Type.Null()]),
  /** The room's last chat seq when the socket became ready. */
  lastSeq: Type.Integer({ minimum: 0 }),
});
export type ReadyFrame = Static<typeof ReadyFrame>;

export const ChatAckFrame = Type.Object({
  type: Type.Literal('chat.ack'),
  clientMessageId: Type.String(),
  message: ChatMessage,
});
export type ChatAckFrame = Static<typeof ChatAckFrame>;

export const PongFrame = Type.Object({ type: Type.Literal('pong') });

export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
  clientMessageId: Type.Optional(Type.String()),
});
export type ErrorFrame = Static<typeof ErrorFrame>;

export const ServerFrame = Type.Union([ReadyFrame, ChatAckFrame, PongFrame, ErrorFrame, RoomEvent]);
export type ServerFrame = Static<typeof ServerFrame>;

/** WebSocket close codes of the contract. */
export const CLOSE_CODES = {
  /** The server is shutting down or restarting: reconnect with `since`. */
  GOING_AWAY: 1001,
  /** A frame over 16 KiB. */
  TOO_BIG: 1009,
  /** The socket could not keep up: reconnect with `since` to resume. */
  RESUME: 4000,
  /** Bad or missing token, or the user logged out. */
  UNAUTHORIZED: 4401,
  /** Not allowed: kicked, rejected, not a participant, left. */
  FORBIDDEN: 4403,
  /** The room does not exist (or was deleted). */
  ROOM_NOT_FOUND: 4404,
  /** No auth frame within 5 s. */
  AUTH_TIMEOUT: 4408,
  /** The room ended. */
  ROOM_ENDED: 4410,
  /** Rate limited. */
  RATE_LIMITED: 4429,
} as const;
