import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import type { ConferenceServerOptions, RateLimitSettings } from '../src/options';
import { memoryStorage } from '../src/storage/memory';
import { errorCode, signUp, type TestUser, testServer } from './support/app';
import { freePort, redisNamespace } from './support/redis';

const BUDGET = 5;

const apps: App[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server with rate limits on and a per-account budget of BUDGET failed logins. */
async function server(
  options: ConferenceServerOptions = {},
  rateLimit: RateLimitSettings = {},
): Promise<App> {
  const app = testServer({
    rateLimit: { loginFailuresPerAccount: BUDGET, ...rateLimit },
    ...options,
  });
  apps.push(app);
  await app.ready();
  return app;
}

const login = (app: App, email: string, password: string, remoteAddress: string) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    payload: { email, password },
  });

/** An attacker address: each guess comes from another IP (and another IPv6 /64). */
let next = 0;
const attackerIp = () => {
  next++;
  return next % 2 ? `10.66.${(next >> 8) & 255}.${next & 255}` : `2001:db8:${next.toString(16)}::1`;
};

const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode);

function expectThrottled(res: LightMyRequestResponse) {
  expect(res.statusCode).toBe(429);
  expect(errorCode(res)).toBe('RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(900);
  expect(res.headers['x-ratelimit-limit']).toBe(String(BUDGET));
  expect(res.headers['x-ratelimit-remaining']).toBe('0');
}

/** BUDGET wrong guesses from BUDGET different IPs, one after the other. */
async function spendBudget(app: App, email: string) {
  const responses: LightMyRequestResponse[] = [];
  for (let i = 0; i < BUDGET; i++) {
    responses.push(await login(app, email, `wrong guess ${i}`, attackerIp()));
  }
  expect(statuses(responses)).toEqual(Array(BUDGET).fill(401));
}

/** signUp logs in from 127.0.0.1 (inject's default): the owner's own client. */
const OWNER_IP = '127.0.0.1';

describe('per-account login throttling (memory store)', () => {
  it('throttles wrong passwords spread over many IPs against one account', async () => {
    const app = await server();
    const owner = await signUp(app);
    await spendBudget(app, owner.email);

    // The next guess, from yet another IP, is refused without checking the password...
    expectThrottled(await login(app, owner.email, 'another guess', attackerIp()));
    // ...even when it is right: a throttled attacker learns nothing from the answer.
    expectThrottled(await login(app, owner.email, owner.password, attackerIp()));
    // The email is matched as stored (case, spaces), not as typed.
    expectThrottled(
      await login(app, `  ${owner.email.toUpperCase()} `, owner.password, attackerIp()),
    );
    // Other accounts are not affected.
    const other = await signUp(app);
    expect((await login(app, other.email, other.password, attackerIp())).statusCode).toBe(200);
  });

  it('lets the owner log in from a client that logged in before, during the attack', async () => {
    const app = await server();
    const owner = await signUp(app);
    await spendBudget(app, owner.email);
    expectThrottled(await login(app, owner.email, owner.password, attackerIp()));

    const res = await login(app, owner.email, owner.password, OWNER_IP);
    expect(res.statusCode).toBe(200);
    expect(res.json().user.email).toBe(owner.email);

    // The owner's client has a budget of its own, which wrong passwords spend too.
    for (let i = 0; i < BUDGET; i++) {
      expect((await login(app, owner.email, 'typo', OWNER_IP)).statusCode).toBe(401);
    }
    expectThrottled(await login(app, owner.email, owner.password, OWNER_IP));
  });

  it('throttles unknown emails exactly like accounts that exist', async () => {
    const app = await server();
    const owner = await signUp(app);
    const unknown = `nobody-${randomUUID()}@example.com`;
    const answers = async (email: string) => {
      const responses: LightMyRequestResponse[] = [];
      for (let i = 0; i <= BUDGET; i++) {
        responses.push(await login(app, email, `wrong guess ${i}`, attackerIp()));
      }
      return responses.map((r) => ({
        status: r.statusCode,
        body: r.json(),
        retryAfter: r.headers['retry-after'] !== undefined,
      }));
    };
    const known = await answers(owner.email);
    expect(known.map((a) => a.status)).toEqual([...Array(BUDGET).fill(401), 429]);
    expect(await answers(unknown)).toEqual(known);
  });

  it('counts only failures: successful logins from new clients do not spend the budget', async () => {
    const app = await server();
    const owner = await signUp(app);
    for (let i = 0; i < BUDGET * 2; i++) {
      expect((await login(app, owner.email, owner.password, attackerIp())).statusCode).toBe(200);
    }
    // Those clients are now known to the account: each has a budget of its own. A new one
    // shares the budget of strangers, still whole.
    await spendBudget(app, owner.email);
    expectThrottled(await login(app, owner.email, 'guess', attackerIp()));
  });

  it('never lets concurrent failed logins exceed the budget', async () => {
    const app = await server();
    const owner = await signUp(app);
    const responses = await Promise.all(
      Array.from({ length: BUDGET * 4 }, (_, i) =>
        login(app, owner.email, `wrong guess ${i}`, attackerIp()),
      ),
    );
    const codes = statuses(responses).sort();
    expect(codes).toEqual([...Array(BUDGET).fill(401), ...Array(BUDGET * 3).fill(429)]);
    for (const res of responses.filter((r) => r.statusCode === 429)) expectThrottled(res);
  });

  it('behind a proxy, counts the client of X-Forwarded-For', async () => {
    const app = await server({ trustProxy: true });
    const owner = await signUp(app);
    const viaProxy = (password: string, client: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.0.0.1',
        headers: { 'x-forwarded-for': client },
        payload: { email: owner.email, password },
      });
    expect((await viaProxy(owner.password, '198.51.100.7')).statusCode).toBe(200);
    for (let i = 0; i < BUDGET; i++) {
      expect((await viaProxy('wrong', `203.0.113.${i + 1}`)).statusCode).toBe(401);
    }
    expectThrottled(await viaProxy(owner.password, '203.0.113.200'));
    expect((await viaProxy(owner.password, '198.51.100.7')).statusCode).toBe(200);
  });

  it('is off with rateLimit: false', async () => {
    const app = testServer();
    apps.push(app);
    const owner = await signUp(app);
    for (let i = 0; i < BUDGET * 2; i++) {
      expect((await login(app, owner.email, 'wrong', attackerIp())).statusCode).toBe(401);
    }
    expect((await login(app, owner.email, owner.password, attackerIp())).statusCode).toBe(200);
  });

  it('refuses budgets that are not positive integers', async () => {
    for (const rateLimit of [
      { loginFailuresPerAccount: 0 },
      { loginFailuresPerAccount: 2.5 },
      { loginFailureWindowSeconds: 0 },
    ]) {
      const app = testServer({ rateLimit });
      await expect(app.ready()).rejects.toThrow(/loginFailure/);
      await app.close().catch(() => undefined);
    }
  });
});

describe('per-account login throttling on Redis', () => {
  /** Two instances on one storage and one Redis (keys under a prefix of this test). */
  async function cluster(): Promise<{
    a: App;
    b: App;
    owner: TestUser;
    admin: Redis;
    prefix: string;
  }> {
    const { prefix, admin, client, close } = await redisNamespace();
    cleanups.push(close);
    const storage = memoryStorage();
    await storage.init();
    cleanups.push(() => storage.close());
    const a = await server({ storage, redis: { client: await client() } });
    const b = await server({ storage, redis: { client: await client() } });
    const owner = await signUp(a);
    return { a, b, owner, admin, prefix };
  }

  it('shares the per-account budget between instances, and the owner’s own client', async () => {
    const { a, b, owner, admin, prefix } = await cluster();
    for (let i = 0; i < BUDGET; i++) {
      const app = i % 2 ? a : b;
      expect((await login(app, owner.email, `guess ${i}`, attackerIp())).statusCode).toBe(401);
    }
    expectThrottled(await login(a, owner.email, owner.password, attackerIp()));
    expectThrottled(await login(b, owner.email, owner.password, attackerIp()));
    // The owner logged in through `a`; `b` knows that client too.
    expect((await login(b, owner.email, owner.password, OWNER_IP)).statusCode).toBe(200);

    // Keys expire and never contain the email.
    const keys = await admin.keys(`${prefix}videoconf-rl:login-*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).not.toContain(owner.email);
      expect(await admin.pttl(key)).toBeGreaterThan(0);
    }
  });

  it('fails closed: with Redis unreachable, logins answer 503 even where per-IP limits are lifted', async () => {
    const port = await freePort();
    const storage = memoryStorage();
    await storage.init();
    cleanups.push(() => storage.close());
    const owner = await signUp(await server({ storage }));
    // Loopback callers skip the per-IP store: the per-account budget is what answers here.
    const broken = await server(
      { storage, redis: { url: `redis://127.0.0.1:${port}` } },
      { exemptLoopback: true },
    );
    for (const password of [owner.password, 'wrong']) {
      const res = await login(broken, owner.email, password, OWNER_IP);
      expect(res.statusCode, res.body).toBe(503);
      expect(errorCode(res)).toBe('SERVICE_UNAVAILABLE');
    }
  });

  it('never lets concurrent failed logins on two instances exceed the budget', async () => {
    const { a, b, owner } = await cluster();
    const responses = await Promise.all(
      Array.from({ length: BUDGET * 4 }, (_, i) =>
        login(i % 2 ? a : b, owner.email, `wrong guess ${i}`, attackerIp()),
      ),
    );
    const codes = statuses(responses).sort();
    expect(codes).toEqual([...Array(BUDGET).fill(401), ...Array(BUDGET * 3).fill(429)]);
    // Successful logins gave back what they took: the owner's client is unaffected.
    expect((await login(a, owner.email, owner.password, OWNER_IP)).statusCode).toBe(200);
  });
});
