import type { Participant as ContractParticipant } from '@videoconf/protocol';
import type { Participant, Room, TrackPublication } from 'livekit-client';

/** LiveKit's connection quality of a participant, as livekit-client names it. */
export type ConnectionQuality = 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';

/**
 * What the media layer knows of one person in the LiveKit room. Its key, the LiveKit identity,
 * is the contract participant's `userId` (our media tokens are issued with that identity).
 */
export interface LiveKitParticipantState {
  identity: string;
  isLocal: boolean;
  isSpeaking: boolean;
  /** No microphone published, or it is muted. */
  audioMuted: boolean;
  /** No camera published, or it is muted. */
  videoMuted: boolean;
  connectionQuality: ConnectionQuality;
  /** The camera track to show (`video.srcObject = new MediaStream([videoTrack])`), when there is one. */
  videoTrack: MediaStreamTrack | null;
  /** The screen share track, when there is one. */
  screenTrack: MediaStreamTrack | null;
  /**
   * The microphone track to play (`audio.srcObject = new MediaStream([audioTrack])`), when there
   * is one; always `null` for the local participant (never play your own microphone).
   */
  audioTrack: MediaStreamTrack | null;
  /** The sound of a screen share to play; `null` for the local participant. */
  screenAudioTrack: MediaStreamTrack | null;
}

/** A contract participant joined with its LiveKit state (what `setupParticipants` lists). */
export type ParticipantView = ContractParticipant & Omit<LiveKitParticipantState, 'identity'>;

/** The state of a participant that is not (or not yet) in the LiveKit room. */
export const ABSENT_MEDIA: Omit<LiveKitParticipantState, 'identity' | 'isLocal'> = {
  isSpeaking: false,
  audioMuted: true,
  videoMuted: true,
  connectionQuality: 'unknown',
  videoTrack: null,
  screenTrack: null,
  audioTrack: null,
  screenAudioTrack: null,
};

/**
 * Joins the contract's participants (in their order) with the LiveKit state of each, by
 * `userId` = identity. `selfUserId` marks the local one even before its media connects.
 */
export function joinParticipants(
  participants: readonly ContractParticipant[],
  media: ReadonlyMap<string, LiveKitParticipantState>,
  selfUserId?: string,
): ParticipantView[] {
  return participants.map((participant) => {
    const state = media.get(participant.userId);
    const { identity: _identity, ...rest } = state ?? {
      identity: participant.userId,
      ...ABSENT_MEDIA,
      isLocal: participant.userId === selfUserId,
    };
    return { ...participant, ...rest };
  });
}

const trackOf = (publication: TrackPublication | undefined): MediaStreamTrack | null =>
  publication?.track && !publication.isMuted ? publication.track.mediaStreamTrack : null;

/** One participant's state, read from livekit-client's objects. */
export function stateOf(participant: Participant, isLocal: boolean): LiveKitParticipantState {
  // `Track.Source` values, as strings: this module must not load livekit-client.
  const microphone = participant.getTrackPublication('microphone' as never);
  const camera = participant.getTrackPublication('camera' as never);
  const screen = participant.getTrackPublication('screen_share' as never);
  const screenAudio = participant.getTrackPublication('screen_share_audio' as never);
  return {
    identity: participant.identity,
    isLocal,
    isSpeaking: participant.isSpeaking,
    audioMuted: !microphone || microphone.isMuted,
    videoMuted: !camera || camera.isMuted,
    connectionQuality: participant.connectionQuality as ConnectionQuality,
    videoTrack: trackOf(camera),
    screenTrack: trackOf(screen),
    audioTrack: isLocal ? null : trackOf(microphone),
    screenAudioTrack: isLocal ? null : trackOf(screenAudio),
  };
}

/** Every participant of `room`, the local one first. */
export function participantsOf(room: Room): Map<string, LiveKitParticipantState> {
  const map = new Map<string, LiveKitParticipantState>();
  const local = room.localParticipant;
  if (local.identity) map.set(local.identity, stateOf(local, true));
  for (const remote of room.remoteParticipants.values()) {
    map.set(remote.identity, stateOf(remote, false));
  }
  return map;
}

/** Same entries with the same values (so the store does not notify for nothing). */
export function sameParticipants(
  a: ReadonlyMap<string, LiveKitParticipantState>,
  b: ReadonlyMap<string, LiveKitParticipantState>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [identity, x] of a) {
    const y = b.get(identity);
    if (!y) return false;
    for (const key of Object.keys(x) as (keyof LiveKitParticipantState)[]) {
      if (x[key] !== y[key]) return false;
    }
  }
  return true;
}
