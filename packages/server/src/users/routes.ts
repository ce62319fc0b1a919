import { Type } from '@sinclair/typebox';
import {
  CreateVideoProfileBody,
  ItemList,
  UpdateMeBody,
  UpdateSettingsBody,
  User,
  UserSettings,
  VideoProfile,
  VideoProfileParams,
} from '@videoconf/protocol';
import { ConferenceError } from '../errors';
import { errorResponses } from '../http/schemas';
import { toUser } from '../http/serialize';
import { type App, principalOf } from '../http/types';

/** Settings a user has before changing any. */
export const DEFAULT_USER_SETTINGS: UserSettings = {
  defaultCameraDeviceId: null,
  defaultMicrophoneDeviceId: null,
  defaultSpeakerDeviceId: null,
  preferredVideoQuality: 'auto',
  preferredTheme: 'system',
  muteMicOnJoin: false,
  disableCameraOnJoin: false,
  languageCode: 'en',
};

const tags = ['users'];

/** `/users/me`, its settings and video profiles. */
export async function userRoutes(app: App) {
  const { storage } = app.videoconf;

  app.get(
    '/users/me',
    { schema: { tags, response: { 200: User, ...errorResponses } } },
    async (request) => toUser(principalOf(request).user),
  );

  app.put(
    '/users/me',
    { schema: { tags, body: UpdateMeBody, response: { 200: User, ...errorResponses } } },
    async (request) => {
      const { user } = principalOf(request);
      const { displayName, avatarUrl } = request.body;
      const updated = await storage.updateUser(user.id, {
        ...(displayName !== undefined && { displayName: displayName.trim() }),
        ...(avatarUrl !== undefined && { avatarUrl }),
      });
      if (!updated) throw new ConferenceError('USER_NOT_FOUND');
      return toUser(updated);
    },
  );

  app.get(
    '/users/me/settings',
    { schema: { tags, response: { 200: UserSettings, ...errorResponses } } },
    async (request) =>
      storage.getOrCreateSettings(principalOf(request).user.id, DEFAULT_USER_SETTINGS),
  );

  app.put(
    '/users/me/settings',
    {
      schema: {
        tags,
        body: UpdateSettingsBody,
        response: { 200: UserSettings, ...errorResponses },
      },
    },
    async (request) =>
      storage.updateSettings(principalOf(request).user.id, request.body, DEFAULT_USER_SETTINGS),
  );

  app.get(
    '/users/me/video-profiles',
    { schema: { tags, response: { 200: ItemList(VideoProfile), ...errorResponses } } },
    async (request) => ({ items: await storage.listVideoProfiles(principalOf(request).user.id) }),
  );

  app.post(
    '/users/me/video-profiles',
    {
      schema: {
        tags,
        body: CreateVideoProfileBody,
        response: { 201: VideoProfile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const backgroundType = body.backgroundType ?? 'none';
      if (backgroundType === 'image' && !body.backgroundImageUrl) {
        throw new ConferenceError(
          'VALIDATION_ERROR',
          'backgroundImageUrl is required when backgroundType is "image"',
        );
      }
      const profile = await storage.createVideoProfile(principalOf(request).user.id, {
        name: body.name.trim(),
        backgroundType,
        backgroundImageUrl: body.backgroundImageUrl ?? null,
        noiseSuppressionLevel: body.noiseSuppressionLevel ?? 'medium',
        isDefault: body.isDefault ?? false,
      });
      return reply.status(201).send(profile);
    },
  );

  app.delete(
    '/users/me/video-profiles/:profileId',
    {
      schema: {
        tags,
        params: VideoProfileParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const deleted = await storage.deleteVideoProfile(
        principalOf(request).user.id,
        request.params.profileId,
      );
      if (!deleted) throw new ConferenceError('NOT_FOUND', 'Video profile not found');
      return reply.status(204).send(null);
    },
  );
}
