import type { FastifyBaseLogger } from 'fastify';
import type { Storage } from '../storage/types';

/** The audit event types of API.md, and those this server adds. */
export type AuditEventType =
  | 'room_created'
  | 'room_updated'
  | 'room_deleted'
  | 'room_ended'
  | 'room_joined'
  | 'room_left'
  | 'user_kicked'
  | 'room_locked'
  | 'room_unlocked'
  | 'waiting_room_requested'
  | 'waiting_room_approved'
  | 'waiting_room_rejected'
  | 'role_changed'
  | 'participant_muted'
  | 'invite_created'
  | 'invite_revoked'
  | 'invite_redeemed'
  | 'message_deleted_by_moderator';

const SECRET_KEYS = /pass(word)?|token|secret|hash/i;

/** Drops secret-looking keys, so no payload ever stores a password or token. */
export function withoutSecrets(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(payload).filter(([key, value]) => value !== undefined && !SECRET_KEYS.test(key)),
  );
}

export interface AuditActor {
  userId: string | null;
  role: string | null;
}

export type AuditRecorder = (
  eventType: AuditEventType,
  entry: { actor: AuditActor; roomId: string | null; payload?: Record<string, unknown> },
) => Promise<void>;

/**
 * Writes audit entries. The state change has already happened when this runs: a failed write
 * is logged loudly and does not turn a done change into an error answer.
 */
export function createAuditRecorder(storage: Storage, log: FastifyBaseLogger): AuditRecorder {
  return async (eventType, { actor, roomId, payload = {} }) => {
    try {
      await storage.appendAudit({
        actorUserId: actor.userId,
        actorRole: actor.role,
        roomId,
        eventType,
        payload: withoutSecrets(payload),
        now: new Date().toISOString(),
      });
    } catch (error) {
      log.error({ err: error, eventType, roomId }, 'audit entry could not be written');
    }
  };
}
