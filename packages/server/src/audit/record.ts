import type { FastifyBaseLogger } from 'fastify';
import type { Storage } from '../storage/types';

/** The audit event types of the contract (docs/api.md "Audit"), and those this server adds. */
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
  | 'media_participant_removed'
  | 'invite_created'
  | 'invite_revoked'
  | 'invite_redeemed'
  | 'message_deleted_by_moderator';

const SECRET_KEYS = /pass(word)?|token|secret|hash/i;

/**
 * Drops secret-looking keys at any depth (nested objects and arrays too), so no payload ever
 * stores a password or token, and drops `undefined` values. Boolean values are kept whatever
 * their key (`hasPassword`).
 */
export function withoutSecrets(payload: Record<string, unknown>): Record<string, unknown> {
  return scrub(payload, 0) as Record<string, unknown>;
}

function scrub(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return depth > 8 ? [] : value.map((item) => scrub(item, depth + 1));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth > 8) return {};
  return Object.fromEntries(
    Object.entries(value)
      // A boolean is never a secret: `hasPassword: true` stays.
      .filter(
        ([key, item]) =>
          item !== undefined && (typeof item === 'boolean' || !SECRET_KEYS.test(key)),
      )
      .map(([key, item]) => [key, scrub(item, depth + 1)]),
  );
}

/**
 * Event times that strictly increase within this process: entries written in one millisecond
 * get distinct times, so paging with `before` (an exclusive bound on `eventTime`) skips none.
 */
function auditClock(): () => string {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last).toISOString();
  };
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
  const now = auditClock();
  return async (eventType, { actor, roomId, payload = {} }) => {
    try {
      await storage.appendAudit({
        actorUserId: actor.userId,
        actorRole: actor.role,
        roomId,
        eventType,
        payload: withoutSecrets(payload),
        now: now(),
      });
    } catch (error) {
      log.error({ err: error, eventType, roomId }, 'audit entry could not be written');
    }
  };
}
