import { createHash, hash } from 'node:crypto';
import type { Participant, ParticipantRole } from '@videoconf/protocol';
import {
  RoomServiceClient,
  TrackSource,
  TrackType,
  TwirpError,
  trackSourceToString,
} from 'livekit-server-sdk';
import type { LivekitOptions } from '../options';

/** What the room domain asks of the media server. */
export interface MediaBackend {
  /** The URL clients connect to. */
  readonly url: string;
  /**
   * A media access token. `token` must be a JWT (base64url and dots only): the answer of
   * `POST /media/token` writes it without escaping (media/routes.ts).
   */
  createToken(input: MediaTokenInput): Promise<{ token: string; expiresAt: string }>;
  /**
   * Disconnects a participant from the media room. It also asks LiveKit to revoke the media
   * tokens issued to that identity before now (`revokeTokenTs`), which open-source LiveKit
   * (v1.13.5) ignores: there an old token can connect again, and the `participant_joined`
   * webhook removes it again (livekit/service.ts `removeUnadmitted`).
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

/**
 * The participant metadata LiveKit hands to every client: the JSON of `{participantId, role}`,
 * written directly (JSON.stringify of the object cost twice as much, bench `http.media-token`).
 */
export const mediaMetadata = (participant: { id: string; role: ParticipantRole }): string =>
  `{"participantId":${JSON.stringify(participant.id)},"role":${JSON.stringify(participant.role)}}`;

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

/** The JSON of the publish sources as LiveKit's claims name them (through the SDK, once). */
const SOURCES_JSON = {
  withScreen: JSON.stringify(publishSources(true).map(trackSourceToString)),
  withoutScreen: JSON.stringify(publishSources(false).map(trackSourceToString)),
};

/**
 * The claims of a media token as JSON: metadata, name and the video grant, every grant
 * explicit (nothing depends on LiveKit's defaults), in the order `AccessToken` gives them.
 * Written directly rather than as `JSON.stringify(claimsToJwtPayload(grants))`, which copies
 * the grants and converts the sources on every token: a third of the signing time (bench
 * `http.media-token`, docs/benchmarks.md). The bytes are the SDK's (test/media.token.test.ts).
 */
export function mediaTokenClaims({
  roomName,
  participant,
  canShareScreen,
  roomAdmin,
}: MediaTokenInput): string {
  const sources = canShareScreen ? SOURCES_JSON.withScreen : SOURCES_JSON.withoutScreen;
  return (
    `{"metadata":${JSON.stringify(mediaMetadata(participant))},` +
    `"name":${JSON.stringify(participant.displayName)},` +
    `"video":{"room":${JSON.stringify(roomName)},"roomJoin":true,"canPublish":true,` +
    `"canSubscribe":true,"canPublishData":true,"canPublishSources":${sources},` +
    `"canUpdateOwnMetadata":false,"hidden":false,"roomAdmin":${roomAdmin === true}}}`
  );
}

const SHA256_BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) of text, base64url: `H(key ^ opad, H(key ^ ipad, text))`, as two
 * one-shot `crypto.hash` calls over buffers that hold the padded keys from the start. A
 * `createHmac` per token creates a Hash object (a native object the garbage collector must
 * finalise) and keys three digests (each an OpenSSL 3 fetch): with it, signing was a fifth of
 * the CPU time of `POST /media/token` (bench `http.media-token`, docs/benchmarks.md). The same
 * bytes as `createHmac` (test/media.token.test.ts).
 */
export function hmacSha256(secret: Buffer): (text: string) => string {
  const key = secret.length > SHA256_BLOCK ? createHash('sha256').update(secret).digest() : secret;
  const padded = (pad: number, room: number) => {
    const buffer = Buffer.alloc(SHA256_BLOCK + room);
    for (let i = 0; i < SHA256_BLOCK; i++) buffer[i] = (key[i] ?? 0) ^ pad;
    return buffer;
  };
  // The inner input: the key ^ ipad, then the text (UTF-8: at most 3 bytes a UTF-16 unit).
  let inner = padded(0x36, 2048);
  // The outer input: the key ^ opad, then the inner digest.
  const outer = padded(0x5c, 32);
  return (text) => {
    if (SHA256_BLOCK + text.length * 3 > inner.length) {
      const grown = Buffer.alloc(SHA256_BLOCK + text.length * 3);
      inner.copy(grown, 0, 0, SHA256_BLOCK);
      inner = grown;
    }
    const length = SHA256_BLOCK + inner.write(text, SHA256_BLOCK, 'utf8');
    outer.write(hash('sha256', inner.subarray(0, length), 'binary'), SHA256_BLOCK, 'binary');
    return hash('sha256', outer, 'base64url');
  };
}

/** Signs media tokens for one API key and secret. */
export type MediaTokenSigner = (
  identity: string,
  claims: string,
  ttlSeconds: number,
) => { jwt: string; exp: number };

/**
 * Signs a media token as the SDK's `AccessToken.toJwt()` does — the claims (JSON of an
 * object, see `mediaTokenClaims`), then `iss` (the API key), `exp` (now + ttl), `nbf` (now) and
 * `sub` (the identity), HS256 — to the byte (test/media.token.test.ts). `toJwt()` signs through
 * jose, which builds a key and a signer for every token: most of the CPU time of
 * `POST /media/token` (bench `http.media-token`, docs/benchmarks.md). Returns `exp` too, so
 * nobody decodes the token again to learn it.
 */
export function mediaTokenSigner(apiKey: string, apiSecret: string): MediaTokenSigner {
  const sign = hmacSha256(Buffer.from(apiSecret, 'utf8'));
  const issuer = JSON.stringify(apiKey);
  return (identity, claims, ttlSeconds) => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlSeconds;
    // The JSON of `{...claims, iss, exp, nbf, sub}`, written as the claims' JSON followed by
    // the registered claims (no grant is named like one): JSON.stringify of the merged object
    // took four times as long as that of the claims alone.
    const registered = `"iss":${issuer},"exp":${exp},"nbf":${now},"sub":${JSON.stringify(identity)}}`;
    const payload = claims === '{}' ? `{${registered}` : `${claims.slice(0, -1)},${registered}`;
    const input = `${JWT_HEADER}.${Buffer.from(payload).toString('base64url')}`;
    return { jwt: `${input}.${sign(input)}`, exp };
  };
}

let lastExpiry = { seconds: Number.NaN, iso: '' };

/**
 * `new Date(seconds * 1000).toISOString()`, kept for the last second asked: the tokens of one
 * second all expire in the same second, and formatting the date was a tenth of the signing time.
 */
function isoSeconds(seconds: number): string {
  if (lastExpiry.seconds !== seconds) {
    lastExpiry = { seconds, iso: new Date(seconds * 1000).toISOString() };
  }
  return lastExpiry.iso;
}

/** The LiveKit media backend: access tokens and RoomService calls. */
export function livekitMedia(options: LivekitOptions): MediaBackend {
  const ttl = options.tokenTtl ?? DEFAULT_MEDIA_TOKEN_TTL;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new Error('livekit.tokenTtl must be a positive integer (seconds)');
  }
  const sign = mediaTokenSigner(options.apiKey, options.apiSecret);
  const rooms = new RoomServiceClient(options.url, options.apiKey, options.apiSecret, {
    requestTimeout: MEDIA_REQUEST_TIMEOUT,
    failover: false,
  });
  return {
    url: options.url,
    async createToken(input) {
      const { jwt, exp } = sign(input.participant.userId, mediaTokenClaims(input), ttl);
      return { token: jwt, expiresAt: isoSeconds(exp) };
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
