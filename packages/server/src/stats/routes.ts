import {
  IdParams,
  ItemList,
  ParticipantParams,
  RoomStats,
  StatsReportBody,
  StatsSample,
} from '@videoconf/protocol';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import { roomAccess } from '../rooms/access';
import { participantSamples, reportStats, roomStats } from './service';

const tags = ['stats'];

/** `/rooms/:id/stats`: participants report connection quality; moderators and admins read it. */
export async function statsRoutes(app: App) {
  const { storage } = app.videoconf;

  app.post(
    '/rooms/:id/stats',
    {
      schema: {
        tags,
        params: IdParams,
        body: StatsReportBody,
        response: { 201: StatsSample, ...errorResponses },
      },
    },
    async (request, reply) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      return reply.status(201).send(await reportStats(storage, access, request.body));
    },
  );

  app.get(
    '/rooms/:id/stats',
    { schema: { tags, params: IdParams, response: { 200: RoomStats, ...errorResponses } } },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      return roomStats(storage, access);
    },
  );

  app.get(
    '/rooms/:id/stats/participants/:participantId',
    {
      schema: {
        tags,
        params: ParticipantParams,
        response: { 200: ItemList(StatsSample), ...errorResponses },
      },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      return {
        items: await participantSamples(storage, access, request.params.participantId),
      };
    },
  );
}
