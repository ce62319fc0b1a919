import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, signUp, testServer } from './support/app';
import { storages } from './support/storages';

describe.each(storages())('auth over HTTP on %s storage', (_name, storage) => {
  let app: App;
  beforeEach(async () => {
    app = testServer({ storage: storage(), adminEmails: ['Boss@Example.com'] });
    await app.ready();
  });
  afterEach(() => app.close());

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });

  it('registers with a normalised email and never returns the password hash', async () => {
    const email = `New.${Date.now()}@Example.COM`;
    const res = await post('/api/v1/auth/register', {
      email: `  ${email} `,
      password: 'password123',
      displayName: 'Neo',
    });
    expect(res.statusCode).toBe(201);
    const { user } = res.json();
    expect(user).toMatchObject({
      email: email.toLowerCase(),
      displayName: 'Neo',
      globalRole: 'user',
      isGuest: false,
      isActive: true,
    });
    expect(res.body).not.toMatch(/passwordHash|\$2[aby]\$/);
    const again = await post('/api/v1/auth/register', {
      email: email.toUpperCase(),
      password: 'password123',
      displayName: 'Neo',
    });
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('EMAIL_TAKEN');
  });

  it('enforces password length 8..256', async () => {
    for (const password of ['short', 'x'.repeat(257)]) {
      const res = await post('/api/v1/auth/register', {
        email: `p${password.length}@example.com`,
        password,
        displayName: 'P',
      });
      expect(res.statusCode).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_ERROR');
    }
  });

  it('logs in, and answers unknown email and wrong password with the same body', async () => {
    const user = await signUp(app);
    const wrong = await post('/api/v1/auth/login', {
      email: user.email,
      password: 'not the password',
    });
    const unknown = await post('/api/v1/auth/login', {
      email: `x${user.email}`,
      password: 'not the password',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    const me = await app.inject({ url: '/api/v1/users/me', headers: user.auth });
    expect(me.statusCode).toBe(200);
    expect(me.json().lastLoginAt).not.toBeNull();
  });

  it('rotates refresh tokens; a spent one revokes the family', async () => {
    const user = await signUp(app);
    const first = await post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    const reused = await post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(reused.statusCode).toBe(401);
    expect(errorCode(reused)).toBe('TOKEN_REUSED');
    const successor = await post('/api/v1/auth/refresh', {
      refreshToken: first.json().refreshToken,
    });
    expect(errorCode(successor)).toBe('TOKEN_REUSED');
  });

  it('leaves at most one live successor when one token is refreshed concurrently', async () => {
    const user = await signUp(app);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        post('/api/v1/auth/refresh', { refreshToken: user.refreshToken }),
      ),
    );
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const r of results.filter((r) => r.statusCode !== 200))
      expect(errorCode(r)).toBe('TOKEN_REUSED');
    let live = 0;
    for (const r of ok) {
      const next = await post('/api/v1/auth/refresh', { refreshToken: r.json().refreshToken });
      if (next.statusCode === 200) live += 1;
    }
    expect(live).toBeLessThanOrEqual(1);
  });

  it('logs out: 204, then the refresh token is refused', async () => {
    const user = await signUp(app);
    const out = await post('/api/v1/auth/logout', { refreshToken: user.refreshToken });
    expect(out.statusCode).toBe(204);
    const after = await post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(after.statusCode).toBe(401);
    const junk = await post('/api/v1/auth/logout', { refreshToken: 'junk' });
    expect(junk.statusCode).toBe(401);
    expect(errorCode(junk)).toBe('INVALID_TOKEN');
  });

  it('makes ADMIN_EMAILS users technical admins', async () => {
    const admin = await signUp(app, { email: 'boss@example.com' });
    const me = await app.inject({ url: '/api/v1/users/me', headers: admin.auth });
    expect(me.json().globalRole).toBe('technical_admin');
  });

  it('refuses protected routes without, or with a bad, token', async () => {
    const none = await app.inject({ url: '/api/v1/users/me' });
    expect(none.statusCode).toBe(401);
    expect(errorCode(none)).toBe('UNAUTHORIZED');
    for (const authorization of ['Bearer junk', 'Bearer a.b.c', 'Token abc', 'Bearer ']) {
      const res = await app.inject({ url: '/api/v1/users/me', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('INVALID_TOKEN');
    }
  });
});
