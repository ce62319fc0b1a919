import {
  ApproveEntryResponse,
  EntryParams,
  IdParams,
  ItemList,
  RejectBody,
  RejectEntryResponse,
  WaitingEntry,
} from '@videoconf/protocol';
import { ConferenceError } from '../errors';
import { emptyBodyAsObject } from '../http/json-body';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import { actorOf, requireModerator, roomAccess } from '../rooms/access';
import { decideEntry, listWaiting, readEntry } from './service';

const tags = ['waiting room'];

/** The lobby: hosts and co-hosts list, approve and reject; a knocking user reads its entry. */
export async function waitingRoomRoutes(app: App) {
  const context = app.videoconf;
  const { storage, audit } = context;

  app.get(
    '/rooms/:id/waiting-room',
    {
      schema: {
        tags,
        params: IdParams,
        response: { 200: ItemList(WaitingEntry), ...errorResponses },
      },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      requireModerator(access);
      return { items: await listWaiting(storage, access) };
    },
  );

  app.get(
    '/rooms/:id/waiting-room/:entryId',
    { schema: { tags, params: EntryParams, response: { 200: WaitingEntry, ...errorResponses } } },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      return readEntry(storage, access, request.params.entryId);
    },
  );

  app.post(
    '/rooms/:id/waiting-room/:entryId/approve',
    {
      schema: {
        tags,
        params: EntryParams,
        response: { 200: ApproveEntryResponse, ...errorResponses },
      },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      requireModerator(access);
      const { entry, participant } = await decideEntry(context, access, {
        entryId: request.params.entryId,
        decision: 'approved',
      });
      if (!participant) throw new ConferenceError('INTERNAL', 'approval admitted nobody');
      await audit('waiting_room_approved', {
        actor: actorOf(access),
        roomId: access.room.id,
        payload: { entryId: entry.id, userId: entry.userId, participantId: participant.id },
      });
      return { entry, participant };
    },
  );

  app.post(
    '/rooms/:id/waiting-room/:entryId/reject',
    {
      schema: {
        tags,
        params: EntryParams,
        body: RejectBody,
        response: { 200: RejectEntryResponse, ...errorResponses },
      },
      // The reason is optional, and so is the body: `POST …/reject` alone is a valid request.
      preValidation: emptyBodyAsObject,
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      requireModerator(access);
      const { entry } = await decideEntry(context, access, {
        entryId: request.params.entryId,
        decision: 'rejected',
        reason: request.body?.reason ?? null,
      });
      await audit('waiting_room_rejected', {
        actor: actorOf(access),
        roomId: access.room.id,
        payload: { entryId: entry.id, userId: entry.userId, reason: entry.reason },
      });
      return { entry };
    },
  );
}
