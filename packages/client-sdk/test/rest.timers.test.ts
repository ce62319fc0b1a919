// No timer is left behind: the refresh timer of a password session is cleared by logout() and
// close(). Fake timers count them, so the server's answers come from an injected fetch here;
// the refresh itself is tested against a real server in rest.auth.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../src/index';

const user = {
  id: '00000000-0000-4000-8000-000000000001',
  email: 'timer@example.com',
  displayName: 'Tim Er',
  avatarUrl: null,
  globalRole: 'user',
  isGuest: false,
  isActive: true,
  isEmailVerified: false,
  lastLoginAt: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
};

/** Answers login and logout as the server does. */
const serverAnswers: typeof fetch = async (input) => {
  const url = String(input);
  if (url.endsWith('/auth/login')) {
    return Response.json({ user, accessToken: 'a.b.c', refreshToken: 'r', expiresIn: 900 });
  }
  if (url.endsWith('/auth/logout')) return new Response(null, { status: 204 });
  return Response.json({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: 'x' });
};

describe('refresh timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is armed by a login and cleared by logout()', async () => {
    vi.useFakeTimers();
    const client = createClient({ server: 'http://videoconf.test', fetch: serverAnswers });
    expect(vi.getTimerCount()).toBe(0);
    await client.auth.login({ email: user.email, password: 'a good long password' });
    expect(vi.getTimerCount()).toBe(1);
    await client.auth.logout();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is cleared by close() and not armed again', async () => {
    vi.useFakeTimers();
    const client = createClient({ server: 'http://videoconf.test', fetch: serverAnswers });
    await client.auth.login({ email: user.email, password: 'a good long password' });
    client.close();
    expect(vi.getTimerCount()).toBe(0);
    await client.auth.login({ email: user.email, password: 'a good long password' });
    expect(vi.getTimerCount()).toBe(0);
  });
});
