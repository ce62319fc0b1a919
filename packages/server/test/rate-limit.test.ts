import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import type { ConferenceServerOptions } from '../src/options';
import { memoryStorage } from '../src/storage/memory';
import { errorCode, signUp, testServer } from './support/app';
import { redisNamespace } from './support/redis';

const apps: App[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server with rate limits on (testServer turns them off by default). */
async function server(options: ConferenceServerOptions = {}): Promise<App> {
  const app = testServer({ rateLimit: {}, ...options });
  apps.push(app);
  await app.ready();
  return app;
}

const health = (app: App, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'GET', url: '/health', remoteAddress });

const me = (app: App, auth: { authorization: string }) =>
  app.inject({ method: 'GET', url: '/api/v1/users/me', headers: auth });

const badLogin = (app: App, remoteAddress: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    payload: { email: 'nobody@example.com', password: 'not the password' },
  });

async function times(n: number, send: () => Promise<LightMyRequestResponse>) {
  const responses: LightMyRequestResponse[] = [];
  for (let i = 0; i < n; i++) responses.push(await send());
  return responses;
}

const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode);

function expectRateLimited(res: LightMyRequestResponse, limit: number) {
  expect(res.statusCode).toBe(429);
  expect(errorCode(res)).toBe('RATE_LIMITED');
  expect(res.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  expect(res.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
  expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('rate limits (memory store)', () => {
  it('limits anonymous requests per IP and answers 429 RATE_LIMITED with the headers', async () => {
    const app = await server({ rateLimit: { anonymousPerMinute: 3 } });
    const [first, ...rest] = await times(3, () => health(app));
    expect(first?.statusCode).toBe(200);
    expect(first?.headers['x-ratelimit-limit']).toBe('3');
    expect(first?.headers['x-ratelimit-remaining']).toBe('2');
    expect(Number(first?.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    expect(statuses(rest)).toEqual([200, 200]);

    expectRateLimited(await health(app), 3);
    // Another IP has its own budget.
    expect((await health(app, '10.0.0.2')).statusCode).toBe(200);
  });

  it('counts requests with missing or bad tokens against the IP budget', async () => {
    const app = await server({ rateLimit: { anonymousPerMinute: 3 } });
    const junk = { authorization: 'Bearer junk' };
    const responses = await times(3, () =>
      app.inject({ url: '/api/v1/users/me', headers: junk, remoteAddress: '10.9.9.9' }),
    );
    expect(statuses(responses)).toEqual([401, 401, 401]);
    expectRateLimited(await app.inject({ url: '/api/v1/users/me', remoteAddress: '10.9.9.9' }), 3);
  });

  it('exempts loopback callers from per-IP budgets when asked (videoconf serve in development)', async () => {
    const app = await server({
      rateLimit: { anonymousPerMinute: 2, authPerMinute: 2, exemptLoopback: true },
    });
    expect(statuses(await times(5, () => health(app, '127.0.0.1')))).toEqual([
      200, 200, 200, 200, 200,
    ]);
    expect(statuses(await times(4, () => badLogin(app, '::1')))).toEqual([401, 401, 401, 401]);
    expect(statuses(await times(3, () => health(app, '192.0.2.7')))).toEqual([200, 200, 429]);
    expect(statuses(await times(3, () => badLogin(app, '192.0.2.7')))).toEqual([401, 401, 429]);
  });

  it('limits authenticated requests per user, not per IP', async () => {
    const app = await server({ rateLimit: { userPerMinute: 3, anonymousPerMinute: 100 } });
    const alice = await signUp(app);
    const bob = await signUp(app);
    expect(statuses(await times(3, () => me(app, alice.auth)))).toEqual([200, 200, 200]);
    expectRateLimited(await me(app, alice.auth), 3);
    // Same IP, another user: a budget of its own; anonymous callers are unaffected too.
    const bobs = await me(app, bob.auth);
    expect(bobs.statusCode).toBe(200);
    expect(bobs.headers['x-ratelimit-limit']).toBe('3');
    expect((await health(app)).headers['x-ratelimit-limit']).toBe('100');
  });

  it('gives credential routes a stricter per-IP budget of their own', async () => {
    const app = await server({ rateLimit: { authPerMinute: 2, anonymousPerMinute: 100 } });
    expect(statuses(await times(2, () => badLogin(app, '10.0.0.7')))).toEqual([401, 401]);
    const refused = await badLogin(app, '10.0.0.7');
    expectRateLimited(refused, 2);
    // Other IPs and the other routes of this IP are not affected.
    expect((await badLogin(app, '10.0.0.8')).statusCode).toBe(401);
    const other = await health(app, '10.0.0.7');
    expect(other.statusCode).toBe(200);
    expect(other.headers['x-ratelimit-limit']).toBe('100');
    // An access token does not lift the per-IP limit of a credential route.
    const user = await signUp(app);
    const login = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: user.auth,
        remoteAddress: '10.0.0.7',
        payload: { email: user.email, password: user.password },
      });
    expect((await login()).statusCode).toBe(429);
  });

  it('is off with rateLimit: false', async () => {
    const app = await server({ rateLimit: false });
    const responses = await times(40, () => health(app));
    expect(new Set(statuses(responses))).toEqual(new Set([200]));
    expect(responses[0]?.headers['x-ratelimit-limit']).toBeUndefined();
    expect(statuses(await times(30, () => badLogin(app, '10.0.0.9')))).not.toContain(429);
  });
});

describe('/api/v1/admin/rate-limits', () => {
  const url = '/api/v1/admin/rate-limits';

  async function setup() {
    const app = await server({ adminEmails: ['admin@example.com'] });
    const admin = await signUp(app, { email: 'admin@example.com' });
    const user = await signUp(app);
    const call = (
      who: { authorization: string } | null,
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      path: string,
      payload?: object,
    ) => app.inject({ method, url: path, headers: who ?? {}, ...(payload && { payload }) });
    return { app, admin, user, call };
  }

  it('is for technical admins only', async () => {
    const { user, call } = await setup();
    const anonymous = await call(null, 'GET', url);
    expect(anonymous.statusCode).toBe(401);
    expect(errorCode(anonymous)).toBe('UNAUTHORIZED');
    for (const [method, path, payload] of [
      ['GET', url],
      ['POST', url, { scope: 'ip', perMinute: 5 }],
      ['GET', `${url}/${randomUUID()}`],
      ['PUT', `${url}/${randomUUID()}`, { perMinute: 5 }],
      ['DELETE', `${url}/${randomUUID()}`],
    ] as const) {
      const res = await call(user.auth, method, path, payload);
      expect(res.statusCode, `${method} ${path}`).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
  });

  it('creates, reads, updates and deletes rules', async () => {
    const { admin, call } = await setup();
    expect((await call(admin.auth, 'GET', url)).json()).toEqual({ items: [] });

    const noLimit = await call(admin.auth, 'POST', url, { scope: 'ip', perMinute: null });
    expect(noLimit.statusCode).toBe(400);
    expect(errorCode(noLimit)).toBe('VALIDATION_ERROR');
    const badScope = await call(admin.auth, 'POST', url, { scope: 'planet', perMinute: 1 });
    expect(errorCode(badScope)).toBe('VALIDATION_ERROR');
    const badLimit = await call(admin.auth, 'POST', url, { scope: 'ip', perMinute: 0 });
    expect(errorCode(badLimit)).toBe('VALIDATION_ERROR');

    const created = await call(admin.auth, 'POST', url, {
      scope: 'ip',
      routePattern: '/api/v1/rooms',
      perHour: 100,
    });
    expect(created.statusCode).toBe(201);
    const rule = created.json();
    expect(rule).toMatchObject({
      scope: 'ip',
      routePattern: '/api/v1/rooms',
      perMinute: null,
      perHour: 100,
      perDay: null,
      enabled: true,
    });
    expect(rule.id).toMatch(/^[0-9a-f-]{36}$/);

    expect((await call(admin.auth, 'GET', url)).json().items).toEqual([rule]);
    expect((await call(admin.auth, 'GET', `${url}/${rule.id}`)).json()).toEqual(rule);

    const updated = await call(admin.auth, 'PUT', `${url}/${rule.id}`, {
      perDay: 1000,
      enabled: false,
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ perHour: 100, perDay: 1000, enabled: false });
    const emptied = await call(admin.auth, 'PUT', `${url}/${rule.id}`, {
      perHour: null,
      perDay: null,
    });
    expect(emptied.statusCode).toBe(400);
    expect(errorCode(emptied)).toBe('VALIDATION_ERROR');

    const deleted = await call(admin.auth, 'DELETE', `${url}/${rule.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await call(admin.auth, method, `${url}/${rule.id}`);
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('RULE_NOT_FOUND');
    }
    const missing = await call(admin.auth, 'PUT', `${url}/${randomUUID()}`, { perMinute: 1 });
    expect(errorCode(missing)).toBe('RULE_NOT_FOUND');
    expect(errorCode(await call(admin.auth, 'GET', `${url}/not-a-uuid`))).toBe('VALIDATION_ERROR');
  });

  it('enforces a rule as soon as it is created, and no longer once deleted', async () => {
    const { app, admin, user, call } = await setup();
    const created = await call(admin.auth, 'POST', url, {
      scope: 'user',
      routePattern: '/api/v1/users/me',
      perMinute: 2,
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();

    expect(statuses(await times(2, () => me(app, user.auth)))).toEqual([200, 200]);
    expectRateLimited(await me(app, user.auth), 2);
    // Per user: the admin still has its own budget; other routes are not affected.
    expect((await me(app, admin.auth)).statusCode).toBe(200);
    expect((await call(user.auth, 'GET', '/api/v1/users/me/settings')).statusCode).toBe(200);

    // Disabled: not enforced; enabled again: enforced (the counter lives on).
    await call(admin.auth, 'PUT', `${url}/${id}`, { enabled: false });
    expect((await me(app, user.auth)).statusCode).toBe(200);
    await call(admin.auth, 'PUT', `${url}/${id}`, { enabled: true });
    expect((await me(app, user.auth)).statusCode).toBe(429);
    // A new scope counts anew: one budget for everyone.
    await call(admin.auth, 'PUT', `${url}/${id}`, { scope: 'global' });
    expect((await me(app, user.auth)).statusCode).toBe(200);
    expect((await me(app, admin.auth)).statusCode).toBe(200);
    expect((await me(app, admin.auth)).statusCode).toBe(429);

    expect((await call(admin.auth, 'DELETE', `${url}/${id}`)).statusCode).toBe(204);
    expect(statuses(await times(3, () => me(app, user.auth)))).toEqual([200, 200, 200]);
  });

  it('enforces global and ip scopes, on one route or on all of them', async () => {
    const { app, admin, call } = await setup();
    await call(admin.auth, 'POST', url, { scope: 'global', routePattern: '/health', perMinute: 2 });
    expect((await health(app, '10.1.0.1')).statusCode).toBe(200);
    expect((await health(app, '10.1.0.2')).statusCode).toBe(200);
    expectRateLimited(await health(app, '10.1.0.3'), 2);

    await call(admin.auth, 'POST', url, { scope: 'ip', perHour: 3 });
    // Every route counts for the IP rule; anonymous requests to /users/me stop at auth (401).
    expect((await me(app, admin.auth)).statusCode).toBe(200);
    const ip = '10.2.0.1';
    const meFrom = () =>
      app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: admin.auth,
        remoteAddress: ip,
      });
    expect(statuses(await times(3, meFrom))).toEqual([200, 200, 200]);
    expectRateLimited(await meFrom(), 3);
  });
});

describe('rate limits on Redis', () => {
  it('shares the counters of every instance on one Redis', async () => {
    const { prefix, admin, client, close } = await redisNamespace();
    cleanups.push(close);
    const rateLimit = { anonymousPerMinute: 4, authPerMinute: 2 };
    const a = await server({ rateLimit, redis: { client: await client() } });
    const b = await server({ rateLimit, redis: { client: await client() } });

    expect((await health(a)).headers['x-ratelimit-remaining']).toBe('3');
    expect((await health(b)).headers['x-ratelimit-remaining']).toBe('2');
    expect((await health(a)).statusCode).toBe(200);
    expect((await health(b)).statusCode).toBe(200);
    expectRateLimited(await health(a), 4);
    expectRateLimited(await health(b), 4);

    expect((await badLogin(a, '10.3.0.1')).statusCode).toBe(401);
    expect((await badLogin(b, '10.3.0.1')).statusCode).toBe(401);
    expectRateLimited(await badLogin(a, '10.3.0.1'), 2);

    const keys = await admin.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.startsWith(`${prefix}videoconf-rl:`)).toBe(true);
      expect(await admin.pttl(key)).toBeGreaterThan(0);
    }
  });

  it('with Redis unreachable: credential routes fail closed fast, others fail open', async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    // Two instances on one storage: one without Redis to sign up, one with a dead Redis.
    const storage = memoryStorage();
    await storage.init();
    cleanups.push(() => storage.close());
    const healthy = await server({ storage, rateLimit: false });
    const user = await signUp(healthy);
    const broken = await server({
      storage,
      rateLimit: { userPerMinute: 1, anonymousPerMinute: 1 },
      redis: { url: `redis://127.0.0.1:${port}` },
    });

    for (const route of ['login', 'refresh']) {
      const started = performance.now();
      const res = await broken.inject({
        method: 'POST',
        url: `/api/v1/auth/${route}`,
        payload:
          route === 'login'
            ? { email: user.email, password: user.password }
            : { refreshToken: user.refreshToken },
      });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(res.statusCode).toBe(503);
      expect(errorCode(res)).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('5');
    }

    // Not limited at all (the limit of 1 a minute would refuse the second one).
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await me(broken, user.auth);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: user.id });
    }
  });
});
