import { Type } from '@sinclair/typebox';
import {
  CreateRoomBody,
  IdParams,
  JoinedResponse,
  JoinRoomBody,
  Room,
  RoomListQuery,
  RoomPage,
  UpdateRoomBody,
  WaitingResponse,
} from '@videoconf/protocol';
import { noStore } from '../auth/no-store';
import { emptyBodyAsObject } from '../http/json-body';
import { errorResponses } from '../http/schemas';
import { toRoom } from '../http/serialize';
import { type App, principalOf } from '../http/types';
import type { MediaLog } from '../media/livekit';
import { mediaTokenFor } from '../media/routes';
import {
  actorOf,
  loadRoom,
  type RequestForRoom,
  requireHost,
  requireModerator,
  requireRegistered,
  roomAccess,
} from './access';
import {
  createRoom,
  deleteRoom,
  endRoom,
  joinRoom,
  leaveRoom,
  type RoomDeps,
  setRoomLocked,
  updateRoom,
} from './service';

const tags = ['rooms'];

/** Rooms: create, list, read, update, delete, end, lock, join and leave. */
export async function roomRoutes(app: App) {
  const context = app.videoconf;
  const { storage, audit } = context;
  const deps = (request: { log: MediaLog }): RoomDeps => ({ ...context, log: request.log });
  const access = (request: RequestForRoom) =>
    roomAccess(storage, principalOf(request), request.params.id);

  app.post(
    '/rooms',
    { schema: { tags, body: CreateRoomBody, response: { 201: Room, ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRegistered(principal);
      const room = await createRoom(deps(request), principal, request.body);
      await audit('room_created', {
        actor: { userId: principal.user.id, role: 'host' },
        roomId: room.id,
        payload: {
          title: room.title,
          maxParticipants: room.maxParticipants,
          waitingRoomEnabled: room.waitingRoomEnabled,
          hasPassword: room.passwordHash !== null,
        },
      });
      return reply.status(201).send(toRoom(room));
    },
  );

  app.get(
    '/rooms',
    {
      schema: { tags, querystring: RoomListQuery, response: { 200: RoomPage, ...errorResponses } },
    },
    async (request) => {
      const { limit = 20, offset = 0 } = request.query;
      const page = await storage.listRoomsByHost(principalOf(request).user.id, { limit, offset });
      return { items: page.items.map(toRoom), total: page.total };
    },
  );

  app.get(
    '/rooms/:id',
    { schema: { tags, params: IdParams, response: { 200: Room, ...errorResponses } } },
    async (request) => {
      principalOf(request);
      return toRoom(await loadRoom(storage, request.params.id));
    },
  );

  app.put(
    '/rooms/:id',
    {
      schema: {
        tags,
        params: IdParams,
        body: UpdateRoomBody,
        response: { 200: Room, ...errorResponses },
      },
    },
    async (request) => {
      const caller = await access(request);
      requireHost(caller);
      const { room, changed } = await updateRoom(deps(request), caller, request.body);
      if (changed.length > 0) {
        await audit('room_updated', {
          actor: actorOf(caller),
          roomId: room.id,
          payload: { fields: changed },
        });
      }
      return toRoom(room);
    },
  );

  app.delete(
    '/rooms/:id',
    { schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const caller = await access(request);
      requireHost(caller);
      const room = await deleteRoom(deps(request), caller);
      await audit('room_deleted', {
        actor: actorOf(caller),
        roomId: room.id,
        payload: { title: room.title },
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/rooms/:id/end',
    { schema: { tags, params: IdParams, response: { 200: Room, ...errorResponses } } },
    async (request) => {
      const caller = await access(request);
      requireHost(caller);
      const result = await endRoom(deps(request), caller);
      await audit('room_ended', {
        actor: actorOf(caller),
        roomId: result.room.id,
        payload: {
          participantsLeft: result.participants.length,
          entriesExpired: result.entries.length,
        },
      });
      return toRoom(result.room);
    },
  );

  for (const [action, locked] of [
    ['lock', true],
    ['unlock', false],
  ] as const) {
    app.post(
      `/rooms/:id/${action}`,
      { schema: { tags, params: IdParams, response: { 200: Room, ...errorResponses } } },
      async (request) => {
        const caller = await access(request);
        requireModerator(caller);
        const { room, changed } = await setRoomLocked(deps(request), caller, locked);
        if (changed) {
          await audit(locked ? 'room_locked' : 'room_unlocked', {
            actor: actorOf(caller),
            roomId: room.id,
          });
        }
        return toRoom(room);
      },
    );
  }

  app.post(
    '/rooms/:id/join',
    {
      schema: {
        tags,
        params: IdParams,
        body: JoinRoomBody,
        response: { 200: JoinedResponse, 202: WaitingResponse, ...errorResponses },
      },
      preValidation: emptyBodyAsObject,
      // Its answer carries a media token.
      onSend: noStore,
    },
    async (request, reply) => {
      const caller = await access(request);
      const result = await joinRoom(deps(request), caller, request.body);
      if (result.status === 'waiting') {
        if (result.created) {
          await audit('waiting_room_requested', {
            actor: actorOf(caller),
            roomId: caller.room.id,
            payload: { entryId: result.entry.id, displayName: result.entry.displayName },
          });
        }
        return reply.status(202).send({ status: 'waiting', entry: result.entry });
      }
      const { participant } = result;
      if (result.created) {
        await audit('room_joined', {
          actor: actorOf(caller, participant.role),
          roomId: caller.room.id,
          payload: {
            participantId: participant.id,
            displayName: participant.displayName,
            role: participant.role,
          },
        });
      }
      // The media token comes with the answer: the client connects to LiveKit without a second
      // request (one round trip less before the first frame, bench `media.join`).
      const { media } = context;
      const token =
        media &&
        (await mediaTokenFor({ media, options: context.options }, caller.room, participant));
      return reply
        .status(200)
        .send({ status: 'joined', participant, ...(token && { media: token }) });
    },
  );

  app.post(
    '/rooms/:id/leave',
    { schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const caller = await access(request);
      const participant = await leaveRoom(deps(request), caller);
      await audit('room_left', {
        actor: actorOf(caller),
        roomId: caller.room.id,
        payload: { participantId: participant.id },
      });
      return reply.status(204).send(null);
    },
  );
}
