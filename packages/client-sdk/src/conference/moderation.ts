import type { Participant, Room } from '@videoconf/protocol';

/** What one person may do to another participant (the server's rules, for a UI to offer). */
export interface ModerationActions {
  /** Mute their microphone or camera (host, co-host; anyone but oneself). */
  mute: boolean;
  /** Remove them (host: anyone but the host; co-host: participants only). */
  kick: boolean;
  /**
   * The role the host may give them: `co_host` for a participant, `participant` for a co-host;
   * `null` when none (not the host, oneself, or the host).
   */
  setRole: 'co_host' | 'participant' | null;
}

const NONE: ModerationActions = { mute: false, kick: false, setRole: null };

/**
 * The moderation actions `self` may take on `target`, as the server decides them: mute for hosts
 * and co-hosts; kick for them too, but never the room's host and, for a co-host, only
 * participants; a role change for the host only, between `participant` and `co_host`. Nothing on
 * oneself. `room` (when known) identifies the host by `hostUserId` too.
 */
export function moderationOf(
  self: Participant | null,
  target: Participant,
  room?: Room | null,
): ModerationActions {
  if (!self || self.id === target.id || self.userId === target.userId) return NONE;
  const isHost = (p: Participant) => p.role === 'host' || p.userId === room?.hostUserId;
  const selfIsHost = isHost(self);
  if (!selfIsHost && self.role !== 'co_host') return NONE;
  const targetIsHost = isHost(target);
  return {
    mute: true,
    kick: !targetIsHost && (selfIsHost || target.role === 'participant'),
    setRole:
      selfIsHost && !targetIsHost ? (target.role === 'co_host' ? 'participant' : 'co_host') : null,
  };
}
