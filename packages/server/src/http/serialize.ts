import type { Room, User } from '@videoconf/protocol';
import type { RoomRecord, UserRecord } from '../storage/types';

/** The public view of a user: never the password hash or the external id. */
export function toUser(record: UserRecord): User {
  return {
    id: record.id,
    email: record.email,
    displayName: record.displayName,
    avatarUrl: record.avatarUrl,
    globalRole: record.globalRole,
    isGuest: record.isGuest,
    isActive: record.isActive,
    isEmailVerified: record.isEmailVerified,
    lastLoginAt: record.lastLoginAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The public view of a room: `hasPassword`, never the hash. */
export function toRoom(record: RoomRecord): Room {
  const { passwordHash, ...room } = record;
  return { ...room, hasPassword: passwordHash !== null };
}
