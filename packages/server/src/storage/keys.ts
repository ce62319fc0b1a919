import type { UserSettings } from '@videoconf/protocol';
import type { NewRateLimitRule, RoomPatch, UserPatch } from './types';

// Keys a patch may set, shared by every adapter: anything else a caller passes is ignored,
// never stored.

export const USER_PATCH_KEYS = [
  'displayName',
  'avatarUrl',
  'globalRole',
  'isActive',
  'lastLoginAt',
] as const satisfies readonly (keyof UserPatch)[];

export const SETTINGS_KEYS = [
  'defaultCameraDeviceId',
  'defaultMicrophoneDeviceId',
  'defaultSpeakerDeviceId',
  'preferredVideoQuality',
  'preferredTheme',
  'muteMicOnJoin',
  'disableCameraOnJoin',
  'languageCode',
] as const satisfies readonly (keyof UserSettings)[];

export const ROOM_PATCH_KEYS = [
  'title',
  'description',
  'maxParticipants',
  'waitingRoomEnabled',
  'passwordHash',
  'scheduledStartAt',
  'scheduledEndAt',
  'isLocked',
  'status',
  'settings',
] as const satisfies readonly (keyof RoomPatch)[];

export const RULE_KEYS = [
  'scope',
  'routePattern',
  'perMinute',
  'perHour',
  'perDay',
  'enabled',
] as const satisfies readonly (keyof NewRateLimitRule)[];
