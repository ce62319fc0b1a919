import { type Static, Type } from '@sinclair/typebox';
import { IdParams, MediaToken, type Participant } from '@videoconf/protocol';
import { noStore } from '../auth/no-store';
import type { Principal } from '../auth/types';
import { ConferenceError } from '../errors';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import { canShareScreen, type RoomDeps, requireNotOver } from '../rooms/service';
import type { RoomRecord } from '../storage/types';

/**
 * Issues a LiveKit access token for the caller's active participant. Checked in this order:
 * room not found (404) · room ended (410) · no media server configured (503) · the caller is
 * not an active participant (403 `NOT_A_PARTICIPANT`: waiting, left, rejected, kicked, never
 * joined). Identity is the user id, so a user has one media identity per room. The same rule
 * keeps the LiveKit room clean: whoever connects without it is removed again
 * (livekit/service.ts `removeUnadmitted`).
 */
export async function issueMediaToken(
  deps: Pick<RoomDeps, 'storage' | 'media' | 'options'>,
  principal: Principal,
  roomId: string,
): Promise<Static<typeof MediaToken>> {
  const found = await deps.storage.getRoomWithParticipant(roomId, principal.user.id);
  if (!found) throw new ConferenceError('ROOM_NOT_FOUND');
  const { room, participant } = found;
  requireNotOver(room);
  const { media } = deps;
  if (!media) throw new ConferenceError('MEDIA_UNAVAILABLE');
  if (!participant) throw new ConferenceError('NOT_A_PARTICIPANT');
  return mediaTokenFor({ media, options: deps.options }, room, participant);
}

/**
 * The media token of an active participant of a room that is not over (checked by the caller):
 * the answer of `POST /rooms/:id/media/token`, and the `media` of a join's answer.
 */
export async function mediaTokenFor(
  deps: Pick<RoomDeps, 'options'> & { media: NonNullable<RoomDeps['media']> },
  room: Pick<RoomRecord, 'livekitRoomName' | 'settings'>,
  participant: Participant,
): Promise<Static<typeof MediaToken>> {
  const moderator = participant.role === 'host' || participant.role === 'co_host';
  const { token, expiresAt } = await deps.media.createToken({
    roomName: room.livekitRoomName,
    participant,
    canShareScreen: canShareScreen(room, participant),
    roomAdmin: moderator && deps.options.livekit?.roomAdminForHosts === true,
  });
  return { token, url: deps.media.url, identity: participant.userId, expiresAt };
}

/**
 * The answer as serialised: the token (base64url and dots, nothing to escape) is written as
 * is, fast-json-stringify's `unsafe` format, instead of being scanned for characters to
 * escape: 9% of the route's CPU time for a 700-character token (bench `http.media-token`,
 * docs/benchmarks.md). The documentation shows `MediaToken` (see `documentedSchema`).
 */
const MediaTokenAnswer = Type.Object({
  ...MediaToken.properties,
  token: Type.String({ format: 'unsafe' }),
});

/** `POST /rooms/:id/media/token`. */
export async function mediaRoutes(app: App) {
  const context = app.videoconf;
  app.post(
    '/rooms/:id/media/token',
    {
      onSend: noStore,
      schema: {
        tags: ['media'],
        params: IdParams,
        response: { 200: MediaTokenAnswer, ...errorResponses },
      },
    },
    async (request) => issueMediaToken(context, principalOf(request), request.params.id),
  );
}
