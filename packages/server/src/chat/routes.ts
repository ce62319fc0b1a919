import { Type } from '@sinclair/typebox';
import {
  ChatMessage,
  EditMessageBody,
  HistoryQuery,
  IdParams,
  MessagePage,
  MessageParams,
  SendMessageBody,
} from '@videoconf/protocol';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import { actorOf, roomAccess } from '../rooms/access';
import { deleteMessage, editMessage, listHistory, sendMessage } from './service';

const tags = ['chat'];

/** `/rooms/:id/chat/messages`: history, send, edit, delete. The rules live in `./service`. */
export async function chatRoutes(app: App) {
  const context = app.videoconf;
  const { storage, audit } = context;

  app.get(
    '/rooms/:id/chat/messages',
    {
      schema: {
        tags,
        params: IdParams,
        querystring: HistoryQuery,
        response: { 200: MessagePage, ...errorResponses },
      },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      return listHistory(storage, access, request.query);
    },
  );

  app.post(
    '/rooms/:id/chat/messages',
    {
      schema: {
        tags,
        params: IdParams,
        body: SendMessageBody,
        response: { 201: ChatMessage, ...errorResponses },
      },
    },
    async (request, reply) => {
      // Who may send is decided by the storage in the same step as the send (see sendMessage).
      // A repeated clientMessageId answers 201 with the first message too: a retry after a
      // lost answer looks exactly like the first success.
      const { message } = await sendMessage(
        context,
        principalOf(request),
        request.params.id,
        request.body,
      );
      return reply.status(201).send(message);
    },
  );

  app.put(
    '/rooms/:id/chat/messages/:messageId',
    {
      schema: {
        tags,
        params: MessageParams,
        body: EditMessageBody,
        response: { 200: ChatMessage, ...errorResponses },
      },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      return editMessage(context, access, request.params.messageId, request.body.content);
    },
  );

  app.delete(
    '/rooms/:id/chat/messages/:messageId',
    {
      schema: {
        tags,
        params: MessageParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      const { message, byModerator } = await deleteMessage(
        context,
        access,
        request.params.messageId,
      );
      if (byModerator) {
        await audit('message_deleted_by_moderator', {
          actor: actorOf(access),
          roomId: access.room.id,
          payload: {
            messageId: message.id,
            seq: message.seq,
            senderUserId: message.senderUserId,
            senderParticipantId: message.senderParticipantId,
          },
        });
      }
      return reply.status(204).send(null);
    },
  );
}
