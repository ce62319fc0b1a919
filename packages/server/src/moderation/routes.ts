import { Type } from '@sinclair/typebox';
import {
  ChangeRoleBody,
  IdParams,
  KickBody,
  MuteBody,
  Participant,
  ParticipantList,
  ParticipantParams,
} from '@videoconf/protocol';
import { emptyBodyAsObject } from '../http/json-body';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import type { MediaLog } from '../media/livekit';
import {
  actorOf,
  type RequestForRoom,
  requireHost,
  requireModerator,
  roomAccess,
} from '../rooms/access';
import type { RoomDeps } from '../rooms/service';
import {
  changeParticipantRole,
  kickParticipant,
  listParticipants,
  muteParticipant,
} from './service';

const tags = ['moderation'];

/** Participants of a room and what the host and co-hosts may do to them. */
export async function moderationRoutes(app: App) {
  const context = app.videoconf;
  const { storage, audit } = context;
  const deps = (request: { log: MediaLog }): RoomDeps => ({ ...context, log: request.log });
  const access = (request: RequestForRoom) =>
    roomAccess(storage, principalOf(request), request.params.id);

  app.get(
    '/rooms/:id/participants',
    {
      schema: { tags, params: IdParams, response: { 200: ParticipantList, ...errorResponses } },
    },
    async (request) => {
      const caller = await access(request);
      return { items: await listParticipants(deps(request), caller) };
    },
  );

  app.post(
    '/rooms/:id/participants/:participantId/kick',
    {
      schema: {
        tags,
        params: ParticipantParams,
        body: KickBody,
        response: { 204: Type.Null(), ...errorResponses },
      },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const caller = await access(request);
      requireModerator(caller);
      const reason = request.body.reason?.trim() || null;
      const kicked = await kickParticipant(
        deps(request),
        caller,
        request.params.participantId,
        reason,
      );
      await audit('user_kicked', {
        actor: actorOf(caller),
        roomId: caller.room.id,
        payload: {
          participantId: kicked.id,
          userId: kicked.userId,
          displayName: kicked.displayName,
          reason,
        },
      });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/rooms/:id/participants/:participantId/role',
    {
      schema: {
        tags,
        params: ParticipantParams,
        body: ChangeRoleBody,
        response: { 200: Participant, ...errorResponses },
      },
    },
    async (request) => {
      const caller = await access(request);
      requireHost(caller);
      const { participant, from } = await changeParticipantRole(
        deps(request),
        caller,
        request.params.participantId,
        request.body.role,
      );
      if (from !== participant.role) {
        await audit('role_changed', {
          actor: actorOf(caller),
          roomId: caller.room.id,
          payload: {
            participantId: participant.id,
            userId: participant.userId,
            from,
            to: participant.role,
          },
        });
      }
      return participant;
    },
  );

  app.post(
    '/rooms/:id/participants/:participantId/mute',
    {
      schema: {
        tags,
        params: ParticipantParams,
        body: MuteBody,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = await access(request);
      requireModerator(caller);
      const { kind } = request.body;
      const { participant, tracks } = await muteParticipant(
        deps(request),
        caller,
        request.params.participantId,
        kind,
      );
      await audit('participant_muted', {
        actor: actorOf(caller),
        roomId: caller.room.id,
        payload: { participantId: participant.id, userId: participant.userId, kind, tracks },
      });
      return reply.status(204).send(null);
    },
  );
}
