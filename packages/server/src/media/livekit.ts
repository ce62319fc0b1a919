import type { Participant } from '@videoconf/protocol';
import { AccessToken, RoomServiceClient, TrackSource, TrackType } from 'livekit-server-sdk';
import type { LivekitOptions } from '../options';

/** What the room domain asks of the media server. */
export interface MediaBackend {
  /** The URL clients connect to. */
  readonly url: string;
  createToken(input: MediaTokenInput): Promise<{ token: string; expiresAt: string }>;
  /** Disconnects a participant from the media room. */
  removeParticipant(roomName: string, identity: string): Promise<void>;
  /** Mutes every published track of one kind; returns how many were muted. */
  muteTracks(roomName: string, identity: string, kind: 'audio' | 'video'): Promise<number>;
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

const DEFAULT_TTL_SECONDS = 600;

/** The LiveKit media backend: access tokens and RoomService calls. */
export function livekitMedia(options: LivekitOptions): MediaBackend {
  const ttl = options.tokenTtl ?? DEFAULT_TTL_SECONDS;
  const rooms = new RoomServiceClient(options.url, options.apiKey, options.apiSecret, {
    requestTimeout: 5,
    failover: false,
  });
  return {
    url: options.url,
    async createToken({ roomName, participant, canShareScreen, roomAdmin }) {
      const token = new AccessToken(options.apiKey, options.apiSecret, {
        identity: participant.userId,
        name: participant.displayName,
        ttl,
        metadata: JSON.stringify({ participantId: participant.id, role: participant.role }),
      });
      const sources = [TrackSource.CAMERA, TrackSource.MICROPHONE];
      if (canShareScreen) sources.push(TrackSource.SCREEN_SHARE, TrackSource.SCREEN_SHARE_AUDIO);
      token.addGrant({
        room: roomName,
        roomJoin: true,
        canPublish: true,
        canSubscribe: true,
        canPublishData: true,
        canPublishSources: sources,
        hidden: false,
        roomAdmin,
      });
      const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
      return { token: await token.toJwt(), expiresAt };
    },
    async removeParticipant(roomName, identity) {
      await rooms.removeParticipant(roomName, identity);
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
    async deleteRoom(roomName) {
      await rooms.deleteRoom(roomName);
    },
  };
}
