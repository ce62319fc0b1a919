import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../src/http/security-headers';
import { quickUser, testServer } from './support/app';

const app = testServer();
afterAll(() => app.close());

describe('security headers', () => {
  it("are exactly what @fastify/helmet's defaults send", async () => {
    const bare = Fastify();
    await bare.register(helmet, { global: true });
    bare.get('/', async () => ({}));
    const plain = Fastify();
    plain.get('/', async () => ({}));
    const [withHelmet, without] = await Promise.all([
      bare.inject({ method: 'GET', url: '/' }),
      plain.inject({ method: 'GET', url: '/' }),
    ]);
    await Promise.all([bare.close(), plain.close()]);
    const added = Object.fromEntries(
      Object.entries(withHelmet.headers).filter(([name]) => !(name in without.headers)),
    );
    expect(Object.fromEntries(SECURITY_HEADERS)).toEqual(added);
  });

  it('are set on API answers, successes and errors alike', async () => {
    const user = await quickUser(app);
    const ok = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
    const unauthorized = await app.inject({ method: 'GET', url: '/api/v1/users/me' });
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect([ok.statusCode, unauthorized.statusCode, health.statusCode]).toEqual([200, 401, 200]);
    for (const res of [ok, unauthorized, health]) {
      for (const [name, value] of SECURITY_HEADERS) expect(res.headers[name]).toBe(value);
    }
  });

  it('leave the docs UI its own content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).not.toBe(SECURITY_HEADERS[0]![1]);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
