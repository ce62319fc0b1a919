import { type Static, Type } from '@sinclair/typebox';
import { Nullable, NullableTimestamp, Timestamp, Uuid } from './common';
import { DisplayName, VisibleName } from './names';

export const GlobalRole = Type.Union([
  Type.Literal('user'),
  Type.Literal('technical_admin'),
  Type.Literal('guest'),
]);
export type GlobalRole = Static<typeof GlobalRole>;

export const User = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  avatarUrl: Nullable(Type.String()),
  globalRole: GlobalRole,
  isGuest: Type.Boolean(),
  isActive: Type.Boolean(),
  isEmailVerified: Type.Boolean(),
  lastLoginAt: NullableTimestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = Static<typeof User>;

export const AvatarUrl = Type.String({ maxLength: 2048, pattern: '^https?://[^\\s]+$' });

export const UpdateMeBody = Type.Object({
  displayName: Type.Optional(DisplayName),
  avatarUrl: Type.Optional(Nullable(AvatarUrl)),
});
export type UpdateMeBody = Static<typeof UpdateMeBody>;

export const VideoQuality = Type.Union([
  Type.Literal('1080p'),
  Type.Literal('720p'),
  Type.Literal('480p'),
  Type.Literal('360p'),
  Type.Literal('auto'),
]);
export type VideoQuality = Static<typeof VideoQuality>;

export const Theme = Type.Union([
  Type.Literal('light'),
  Type.Literal('dark'),
  Type.Literal('system'),
]);
export type Theme = Static<typeof Theme>;

const DeviceId = Nullable(Type.String({ maxLength: 512 }));

export const UserSettings = Type.Object({
  defaultCameraDeviceId: DeviceId,
  defaultMicrophoneDeviceId: DeviceId,
  defaultSpeakerDeviceId: DeviceId,
  preferredVideoQuality: VideoQuality,
  preferredTheme: Theme,
  muteMicOnJoin: Type.Boolean(),
  disableCameraOnJoin: Type.Boolean(),
  languageCode: Type.String({
    minLength: 2,
    maxLength: 16,
    pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
  }),
});
export type UserSettings = Static<typeof UserSettings>;

export const UpdateSettingsBody = Type.Partial(UserSettings);
export type UpdateSettingsBody = Static<typeof UpdateSettingsBody>;

export const BackgroundType = Type.Union([
  Type.Literal('none'),
  Type.Literal('blur'),
  Type.Literal('image'),
]);
export const NoiseSuppressionLevel = Type.Union([
  Type.Literal('off'),
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
]);

export const VideoProfile = Type.Object({
  id: Uuid,
  name: Type.String(),
  backgroundType: BackgroundType,
  backgroundImageUrl: Nullable(Type.String()),
  noiseSuppressionLevel: NoiseSuppressionLevel,
  isDefault: Type.Boolean(),
});
export type VideoProfile = Static<typeof VideoProfile>;

export const CreateVideoProfileBody = Type.Object({
  name: VisibleName(100),
  backgroundType: Type.Optional(BackgroundType),
  backgroundImageUrl: Type.Optional(Nullable(AvatarUrl)),
  noiseSuppressionLevel: Type.Optional(NoiseSuppressionLevel),
  isDefault: Type.Optional(Type.Boolean()),
});
export type CreateVideoProfileBody = Static<typeof CreateVideoProfileBody>;

export const VideoProfileParams = Type.Object({ profileId: Uuid });
