import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customAuth } from '../src/auth/custom';
import type { App } from '../src/http/types';
import { errorCode, testServer } from './support/app';

// The host application's sessions: a cookie naming a user it already knows.
const sessions = new Map([
  ['s-alice', { id: 'crm-17', email: 'Alice@Corp.example', displayName: 'Alice', isAdmin: false }],
  ['s-root', { id: 'crm-1', email: 'root@corp.example', displayName: 'Root', isAdmin: true }],
]);

describe('customAuth over HTTP', () => {
  let app: App;
  beforeEach(() => {
    app = testServer({
      auth: customAuth({
        authenticate(request) {
          const cookie = request.headers.cookie ?? '';
          const sid = /(?:^|;\s*)sid=([^;]+)/.exec(cookie)?.[1];
          if (!sid) return null;
          const identity = sessions.get(sid);
          if (!identity) throw new Error('unknown session');
          return identity;
        },
      }),
    });
  });
  afterEach(() => app.close());

  it('upserts the host identity as a user, once', async () => {
    const first = await app.inject({ url: '/api/v1/users/me', headers: { cookie: 'sid=s-alice' } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      email: 'alice@corp.example',
      displayName: 'Alice',
      globalRole: 'user',
      isGuest: false,
    });
    const second = await app.inject({
      url: '/api/v1/users/me',
      headers: { cookie: 'sid=s-alice' },
    });
    expect(second.json().id).toBe(first.json().id);
    const root = await app.inject({ url: '/api/v1/users/me', headers: { cookie: 'sid=s-root' } });
    expect(root.json().globalRole).toBe('technical_admin');
  });

  it('does not mount the password routes', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'a@b.c', password: 'x' },
    });
    expect(res.statusCode).toBe(404);
  });

  it('answers 401 without a session and for a session the host refuses', async () => {
    const none = await app.inject({ url: '/api/v1/users/me' });
    expect(errorCode(none)).toBe('UNAUTHORIZED');
    const refused = await app.inject({
      url: '/api/v1/users/me',
      headers: { cookie: 'sid=forged' },
    });
    expect(refused.statusCode).toBe(401);
    expect(errorCode(refused)).toBe('INVALID_TOKEN');
  });
});
