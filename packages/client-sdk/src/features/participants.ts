import type { Conference } from '../conference/conference';
import { joinParticipants, type ParticipantView } from '../conference/participants-view';
import { derived, type Store } from '../store';

export interface ParticipantsFeature {
  /** The room's active participants, each joined with its LiveKit state, the local one marked. */
  participants: Store<ParticipantView[]>;
}

/** The participant list a UI shows: the contract's participants with their media state. */
export function setupParticipants(conference: Conference): ParticipantsFeature {
  return {
    participants: derived(
      [conference.participants, conference.mediaParticipants, conference.self] as const,
      ([list, media, self]) => joinParticipants(list, media, self?.userId),
    ),
  };
}
