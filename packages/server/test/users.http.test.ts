import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, signUp, type TestUser, testServer } from './support/app';
import { storages } from './support/storages';

describe.each(storages())('users over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let user: TestUser;
  beforeEach(async () => {
    app = testServer({ storage: storage() });
    user = await signUp(app, { displayName: 'Grace' });
  });
  afterEach(() => app.close());

  const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: user.auth, ...(payload && { payload }) });

  it('reads and updates the profile', async () => {
    const me = await call('GET', '/api/v1/users/me');
    expect(me.json()).toMatchObject({
      id: user.id,
      email: user.email,
      displayName: 'Grace',
      avatarUrl: null,
    });
    const put = await call('PUT', '/api/v1/users/me', {
      displayName: '  Grace H.  ',
      avatarUrl: 'https://cdn.example.com/a.png',
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      displayName: 'Grace H.',
      avatarUrl: 'https://cdn.example.com/a.png',
    });
    expect((await call('GET', '/api/v1/users/me')).json().displayName).toBe('Grace H.');
    const cleared = await call('PUT', '/api/v1/users/me', { avatarUrl: null });
    expect(cleared.json().avatarUrl).toBeNull();
  });

  it('ignores fields a user may not set', async () => {
    const put = await call('PUT', '/api/v1/users/me', {
      globalRole: 'technical_admin',
      email: 'x@y.z',
      displayName: 'G',
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ globalRole: 'user', email: user.email, displayName: 'G' });
  });

  it('creates settings with defaults on first read and updates them partially', async () => {
    const first = await call('GET', '/api/v1/users/me/settings');
    expect(first.json()).toEqual({
      defaultCameraDeviceId: null,
      defaultMicrophoneDeviceId: null,
      defaultSpeakerDeviceId: null,
      preferredVideoQuality: 'auto',
      preferredTheme: 'system',
      muteMicOnJoin: false,
      disableCameraOnJoin: false,
      languageCode: 'en',
    });
    const put = await call('PUT', '/api/v1/users/me/settings', {
      preferredTheme: 'dark',
      muteMicOnJoin: true,
      languageCode: 'ru',
    });
    expect(put.json()).toMatchObject({
      preferredTheme: 'dark',
      muteMicOnJoin: true,
      languageCode: 'ru',
      preferredVideoQuality: 'auto',
    });
    expect((await call('GET', '/api/v1/users/me/settings')).json().preferredTheme).toBe('dark');
    const bad = await call('PUT', '/api/v1/users/me/settings', { preferredVideoQuality: '4k' });
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('VALIDATION_ERROR');
  });

  it('creates, lists and deletes video profiles with one default', async () => {
    const a = await call('POST', '/api/v1/users/me/video-profiles', {
      name: 'Office',
      backgroundType: 'blur',
      isDefault: true,
    });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({
      name: 'Office',
      backgroundType: 'blur',
      backgroundImageUrl: null,
      isDefault: true,
    });
    const b = await call('POST', '/api/v1/users/me/video-profiles', {
      name: 'Beach',
      backgroundType: 'image',
      backgroundImageUrl: 'https://cdn.example.com/beach.jpg',
      noiseSuppressionLevel: 'high',
      isDefault: true,
    });
    expect(b.statusCode).toBe(201);
    const list = (await call('GET', '/api/v1/users/me/video-profiles')).json().items;
    expect(list).toHaveLength(2);
    expect(
      list.filter((p: { isDefault: boolean }) => p.isDefault).map((p: { name: string }) => p.name),
    ).toEqual(['Beach']);
    const noImage = await call('POST', '/api/v1/users/me/video-profiles', {
      name: 'X',
      backgroundType: 'image',
    });
    expect(errorCode(noImage)).toBe('VALIDATION_ERROR');

    const other = await signUp(app);
    const foreign = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/video-profiles/${a.json().id}`,
      headers: other.auth,
    });
    expect(foreign.statusCode).toBe(404);
    const del = await call('DELETE', `/api/v1/users/me/video-profiles/${a.json().id}`);
    expect(del.statusCode).toBe(204);
    expect((await call('GET', '/api/v1/users/me/video-profiles')).json().items).toHaveLength(1);
    const again = await call('DELETE', `/api/v1/users/me/video-profiles/${a.json().id}`);
    expect(again.statusCode).toBe(404);
  });
});
