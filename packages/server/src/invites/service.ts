import { randomBytes, randomUUID } from 'node:crypto';
import type { CreateInviteBody, Invite } from '@videoconf/protocol';
import type { Principal } from '../auth/types';
import { ConferenceError } from '../errors';
import type { RoomAccess } from '../rooms/access';
import { requireNotOver } from '../rooms/service';
import type { RoomRecord, Storage, UserRecord } from '../storage/types';

/** Random bytes of an invite token: 192 bits, 32 base64url characters. */
export const INVITE_TOKEN_BYTES = 24;

/** Lifetime of a guest access token in seconds when `guestTokenTtl` is not set: 4 hours. */
export const DEFAULT_GUEST_TOKEN_TTL = 4 * 60 * 60;

/** The domain of guest email addresses; `.invalid` never resolves (RFC 2606). */
export const GUEST_EMAIL_DOMAIN = 'guests.invalid';

/** A new unguessable invite token. */
export const generateInviteToken = (): string =>
  randomBytes(INVITE_TOKEN_BYTES).toString('base64url');

/**
 * Creates an invite of the room. The caller is the host or a co-host (checked by the route).
 * `expiresAt` must lie in the future; a blank label is stored as none.
 */
export async function createInvite(
  storage: Storage,
  access: RoomAccess,
  body: CreateInviteBody,
  now: Date = new Date(),
): Promise<Invite> {
  requireNotOver(access.room);
  let expiresAt: string | null = null;
  if (body.expiresAt != null) {
    const at = new Date(body.expiresAt);
    if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) {
      throw new ConferenceError('VALIDATION_ERROR', 'expiresAt must be in the future');
    }
    expiresAt = at.toISOString();
  }
  const label = body.label?.trim() || null;
  return storage.createInvite({
    roomId: access.room.id,
    token: generateInviteToken(),
    label,
    expiresAt,
    maxUses: body.maxUses ?? null,
    createdByUserId: access.principal.user.id,
  });
}

/** Live (not revoked) invites of the room, newest first. */
export async function listInvites(storage: Storage, access: RoomAccess): Promise<Invite[]> {
  return storage.listInvites(access.room.id);
}

/**
 * Revokes an invite of the room: its token stops working at once. `INVITE_NOT_FOUND` for an
 * unknown invite, one already revoked, or one of another room. Allowed on an ended room.
 */
export async function revokeInvite(
  storage: Storage,
  access: RoomAccess,
  inviteId: string,
  now: Date = new Date(),
): Promise<Invite> {
  const invite = await storage.getInvite(inviteId);
  if (!invite || invite.roomId !== access.room.id) throw new ConferenceError('INVITE_NOT_FOUND');
  if (!(await storage.revokeInvite(invite.id, now.toISOString()))) {
    throw new ConferenceError('INVITE_NOT_FOUND');
  }
  return invite;
}

export interface RedeemRequest {
  token: string;
  /** Display name of the guest to create; an authenticated caller keeps its own. */
  displayName: string;
  /** The authenticated caller, or null for an anonymous one (a guest is created). */
  principal: Principal | null;
  now?: Date;
}

export interface Redemption {
  invite: Invite;
  room: RoomRecord;
  user: UserRecord;
  /** True when this call used one of the invite's uses (not a repeat by the same user). */
  firstUse: boolean;
  /** True when a guest user was created by this call. */
  guestCreated: boolean;
}

/**
 * Redeems an invite. Anonymous callers get a new guest user, created in the same atomic
 * storage call as the use is counted, so a refused redemption creates nobody. The same user
 * redeeming again uses it once. A guest token may redeem only invites of its own room.
 */
export async function redeemInvite(storage: Storage, request: RedeemRequest): Promise<Redemption> {
  const { token, principal } = request;
  const now = (request.now ?? new Date()).toISOString();

  if (principal?.roomId) {
    // A guest token acts on its room only: it may redeem (again) only that room's invites.
    // The look-up happens before any use is counted.
    const own = await storage.listInvites(principal.roomId);
    if (!own.some((invite) => invite.token === token)) {
      throw new ConferenceError('FORBIDDEN', 'Guests may only act on the room of their invite');
    }
  }

  const result = await storage.redeemInvite(
    principal
      ? { token, now, userId: principal.user.id }
      : {
          token,
          now,
          guest: {
            email: `guest-${randomUUID()}@${GUEST_EMAIL_DOMAIN}`,
            displayName: request.displayName.trim(),
            globalRole: 'guest',
            isGuest: true,
            passwordHash: null,
          },
        },
  );

  // The redemption itself refuses an ended room (410 ROOM_ENDED, no use counted, no guest).
  const room = await storage.getRoom(result.invite.roomId);
  if (!room) throw new ConferenceError('INVITE_NOT_FOUND');

  return {
    invite: result.invite,
    room,
    user: result.user,
    firstUse: result.firstUse,
    guestCreated: principal === null,
  };
}
