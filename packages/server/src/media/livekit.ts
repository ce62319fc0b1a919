import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Participant, ParticipantRole } from '@videoconf/protocol';
import {
  type ClaimGrants,
  claimsToJwtPayload,
  RoomServiceClient,
  TrackSource,
  TrackType,
  TwirpError,
} from 'livekit-server-sdk';
import type { LivekitOptions } from '../options';

/** What the room domain asks of the media server. */
export interface MediaBackend {
  /** The URL clients connect to. */
  readonly url: string;
  createToken(input: MediaTokenInput): Promise<{ token: string; expiresAt: string }>;
  /**
   * Disconnects a participant from the media room and revokes the media tokens issued to that
   * identity before now, so an old token cannot reconnect.
   */
  removeParticipant(roomName: string, identity: string): Promise<void>;
  /** Mutes every published track of one kind; returns how many were muted. */
  muteTracks(roomName: string, identity: string, kind: 'audio' | 'video'): Promise<number>;
  /**
   * Applies a connected participant's new role: its metadata `{participantId, role}` and which
   * sources it may publish (screen share).
   */
  updateParticipant(roomName: string, input: MediaParticipantUpdate): Promise<void>;
  /** Ends the media room for everyone. */
  deleteRoom(roomName: string): Promise<void>;
}

export interface MediaTokenInput {
  roomName: string;
  participant: Participant;
  /** May publish screen share (room setting `screenShare`). */
  canShareScreen: boolean;
  /** Grant `roomAdmin` (only when an option asks for it). */
  roomAdmin: boolean;
}

export interface MediaParticipantUpdate {
  participant: Participant;
  canShareScreen: boolean;
}

/** Default lifetime of media tokens: they only gate connecting. */
export const DEFAULT_MEDIA_TOKEN_TTL = 600;
/**
 * Seconds a RoomService call may take. Moderation waits for it (then logs and goes on), so it
 * stays short: an unreachable media server must not hold a kick or an end for long.
 */
export const MEDIA_REQUEST_TIMEOUT = 3;

/** The participant metadata LiveKit hands to every client: `{participantId, role}`. */
export const mediaMetadata = (participant: { id: string; role: ParticipantRole }): string =>
  JSON.stringify({ participantId: participant.id, role: participant.role });

/** The sources a participant may publish. */
const publishSources = (canShareScreen: boolean): TrackSource[] =>
  canShareScreen
    ? [
        TrackSource.CAMERA,
        TrackSource.MICROPHONE,
        TrackSource.SCREEN_SHARE,
        TrackSource.SCREEN_SHARE_AUDIO,
      ]
    : [TrackSource.CAMERA, TrackSource.MICROPHONE];

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/**
 * Signs a media token as the SDK's `AccessToken.toJwt()` does — the claims (through the SDK's
 * `claimsToJwtPayload`), then `iss` (the API key), `exp` (now + ttl), `nbf` (now) and `sub`
 * (the identity), HS256 — to the byte (test/media.token.test.ts), with a key made once.
 * `toJwt()` signs through jose, which builds a key and a signer for every token: most of the
 * CPU time of `POST /media/token` (bench `http.media-token`, docs/benchmarks.md). Returns
 * `exp` too, so nobody decodes the token again to learn it.
 */
export function signMediaToken(
  identity: string,
  grants: ClaimGrants,
  apiKey: string,
  key: KeyObject,
  ttlSeconds: number,
): { jwt: string; exp: number } {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttlSeconds;
  // The JSON of `{...claims, iss, exp, nbf, sub}`, written as the claims' JSON followed by the
  // registered claims (no grant is named like one): JSON.stringify of the merged object took
  // four times as long as that of the claims alone (5 µs against 1 µs a token, bench
  // `http.media-token`, docs/benchmarks.md).
  const claims = JSON.stringify(claimsToJwtPayload(grants));
  const registered = `"iss":${JSON.stringify(apiKey)},"exp":${exp},"nbf":${now},"sub":${JSON.stringify(identity)}}`;
  const payload = claims === '{}' ? `{${registered}` : `${claims.slice(0, -1)},${registered}`;
  const input = `${JWT_HEADER}.${Buffer.from(payload).toString('base64url')}`;
  const signature = createHmac('sha256', key).update(input).digest('base64url');
  return { jwt: `${input}.${signature}`, exp };
}

/** The LiveKit media backend: access tokens and RoomService calls. */
export function livekitMedia(options: LivekitOptions): MediaBackend {
  const ttl = options.tokenTtl ?? DEFAULT_MEDIA_TOKEN_TTL;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new Error('livekit.tokenTtl must be a positive integer (seconds)');
  }
  const key = createSecretKey(Buffer.from(options.apiSecret, 'utf8'));
  const rooms = new RoomServiceClient(options.url, options.apiKey, options.apiSecret, {
    requestTimeout: MEDIA_REQUEST_TIMEOUT,
    failover: false,
  });
  return {
    url: options.url,
    async createToken({ roomName, participant, canShareScreen, roomAdmin }) {
      // The claims in the order AccessToken gives them: metadata, name, then the grant.
      const grants: ClaimGrants = {
        metadata: mediaMetadata(participant),
        name: participant.displayName,
        // Every grant is explicit: nothing depends on LiveKit's defaults.
        video: {
          room: roomName,
          roomJoin: true,
          canPublish: true,
          canSubscribe: true,
          canPublishData: true,
          canPublishSources: publishSources(canShareScreen),
          canUpdateOwnMetadata: false,
          hidden: false,
          roomAdmin,
        },
      };
      const { jwt, exp } = signMediaToken(participant.userId, grants, options.apiKey, key, ttl);
      return { token: jwt, expiresAt: new Date(exp * 1000).toISOString() };
    },
    async removeParticipant(roomName, identity) {
      await rooms.removeParticipant(roomName, identity, {
        revokeTokenTs: BigInt(Math.floor(Date.now() / 1000)),
      });
    },
    async muteTracks(roomName, identity, kind) {
      const info = await rooms.getParticipant(roomName, identity);
      const type = kind === 'audio' ? TrackType.AUDIO : TrackType.VIDEO;
      const tracks = info.tracks.filter((track) => track.type === type && !track.muted);
      await Promise.all(
        tracks.map((track) => rooms.mutePublishedTrack(roomName, identity, track.sid, true)),
      );
      return tracks.length;
    },
    async updateParticipant(roomName, { participant, canShareScreen }) {
      await rooms.updateParticipant(roomName, participant.userId, {
        metadata: mediaMetadata(participant),
        // LiveKit replaces the permission as a whole: every field is set.
        permission: {
          canSubscribe: true,
          canPublish: true,
          canPublishData: true,
          canPublishSources: publishSources(canShareScreen),
          hidden: false,
          canUpdateMetadata: false,
        },
      });
    },
    async deleteRoom(roomName) {
      await rooms.deleteRoom(roomName);
    },
  };
}

/** The little of a pino logger that media calls need. */
export interface MediaLog {
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

/**
 * Runs a media server call whose failure must not undo or fail a change already made (kick,
 * end, delete, mute): an error is logged and `undefined` returned. "Not found" (the room or the
 * participant is not connected to the media server) is normal and logged at debug level only.
 */
export async function bestEffort<T>(
  log: MediaLog,
  action: string,
  context: Record<string, unknown>,
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const notFound = error instanceof TwirpError && error.status === 404;
    const detail = {
      ...context,
      action,
      error: error instanceof Error ? error.message : String(error),
    };
    if (notFound) log.debug(detail, 'media server: nothing to act on');
    else log.warn(detail, 'media server call failed; the change stands');
    return undefined;
  }
}
