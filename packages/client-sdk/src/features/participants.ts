import type { Conference } from '../conference/conference';
import { type ModerationActions, moderationOf } from '../conference/moderation';
import { joinParticipants, type ParticipantView } from '../conference/participants-view';
import type { Participant } from '../protocol-types';
import { derived, type Store } from '../store';

export interface ParticipantsFeature {
  /** The room's active participants, each joined with its LiveKit state, the local one marked. */
  participants: Store<ParticipantView[]>;
  /**
   * What this person may do to `target` now (mute, kick, a role change), by the server's rules
   * and this person's current role: what a UI offers as host controls.
   */
  moderationFor(target: Participant): ModerationActions;
}

/** The participant list a UI shows: the contract's participants with their media state. */
export function setupParticipants(conference: Conference): ParticipantsFeature {
  return {
    participants: derived(
      [conference.participants, conference.mediaParticipants, conference.self] as const,
      ([list, media, self]) => joinParticipants(list, media, self?.userId),
    ),
    moderationFor: (target) => moderationOf(conference.self.get(), target, conference.room.get()),
  };
}
