import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCli, serveCli } from './support/cli';
import { createTestDatabase } from './support/postgres';

type Running = RunningCli;

/** Starts `videoconf serve` from source on a free port and waits for its address. */
const serve = (env: Record<string, string>): Promise<Running> => serveCli({ env });

async function stop(running: Running) {
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

const json = async (url: string, init?: { method?: string; body?: unknown; token?: string }) => {
  const res = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: {
      ...(init?.body !== undefined && { 'content-type': 'application/json' }),
      ...(init?.token && { authorization: `Bearer ${init.token}` }),
    },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON bodies
  return { status: res.status, body: (res.status === 204 ? null : await res.json()) as any };
};

describe('videoconf serve', { timeout: 120_000 }, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('runs on PostgreSQL with DATABASE_URL and keeps users across a restart', async () => {
    const credentials = { email: 'persist@example.com', password: 'a long password' };
    const first = await serve({ DATABASE_URL: db.url, ADMIN_EMAILS: 'persist@example.com' });
    try {
      expect((await json(`${first.url}/health`)).body).toEqual({
        status: 'ok',
        checks: { storage: 'ok' },
      });
      const registered = await json(`${first.url}/api/v1/auth/register`, {
        method: 'POST',
        body: { ...credentials, displayName: 'Persist' },
      });
      expect(registered.status).toBe(201);
      expect(registered.body.user.globalRole).toBe('technical_admin');
    } finally {
      expect(await stop(first)).toBe(0);
    }
    expect(first.output()).toContain('shutting down');

    const second = await serve({ DATABASE_URL: db.url });
    try {
      const login = await json(`${second.url}/api/v1/auth/login`, {
        method: 'POST',
        body: credentials,
      });
      expect(login.status).toBe(200);
      expect(login.body.user.email).toBe(credentials.email);
      const me = await json(`${second.url}/api/v1/users/me`, { token: login.body.accessToken });
      expect(me.body.displayName).toBe('Persist');
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 60_000);

  it('runs on memory storage by default and serves OpenAPI', async () => {
    const running = await serve({ DATABASE_URL: '' });
    try {
      expect((await json(`${running.url}/health`)).status).toBe(200);
      const docs = await json(`${running.url}/docs/json`);
      expect(docs.body.openapi).toMatch(/^3\./);
      expect(running.output()).toContain('No JWT secret configured');
      // Invite tokens travel in the path: the request log masks them.
      const redeem = await json(`${running.url}/api/v1/invites/sEcReT-InViTe-ToKeN/redeem`, {
        method: 'POST',
        body: { displayName: 'Visitor' },
      });
      expect(redeem.status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(running.output()).toContain('/api/v1/invites/[redacted]/redeem');
      expect(running.output()).not.toContain('sEcReT-InViTe-ToKeN');
    } finally {
      expect(await stop(running)).toBe(0);
    }
  }, 30_000);
});

describe('optionsFromEnv', () => {
  it('reads the variables of docs/configuration.md', async () => {
    const { optionsFromEnv } = await import('../src/env');
    const { options, listen, databaseUrl } = optionsFromEnv({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://db/videoconf',
      REDIS_URL: 'redis://cache:6379',
      JWT_SECRET: 's'.repeat(40),
      CORS_ORIGINS: 'https://a.example, https://b.example',
      ADMIN_EMAILS: 'root@example.com',
      TRUST_PROXY: '10.0.0.0/8',
      LIVEKIT_URL: 'wss://lk.example',
      LIVEKIT_API_KEY: 'key',
      LIVEKIT_API_SECRET: 'secret',
    });
    expect(listen).toEqual({ port: 8080, host: '0.0.0.0' });
    expect(databaseUrl).toBe('postgres://db/videoconf');
    expect(options).toMatchObject({
      jwtSecret: 's'.repeat(40),
      redis: { url: 'redis://cache:6379' },
      cors: { origins: ['https://a.example', 'https://b.example'] },
      adminEmails: ['root@example.com'],
      trustProxy: ['10.0.0.0/8'],
      livekit: { url: 'wss://lk.example', apiKey: 'key', apiSecret: 'secret' },
      rateLimit: { exemptLoopback: true },
    });
    expect(optionsFromEnv({ RATE_LIMIT: 'OFF' }).options.rateLimit).toBe(false);
    expect(optionsFromEnv({ NODE_ENV: 'production' }).options.rateLimit).toEqual({
      exemptLoopback: false,
    });
    expect(() => optionsFromEnv({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => optionsFromEnv({ LIVEKIT_URL: 'wss://x' })).toThrow(/LIVEKIT_API_KEY/);
  });
});
