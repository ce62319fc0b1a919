import { validate } from '@readme/openapi-parser';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { conferencePlugin } from '../src/plugin';
import { memoryStorage } from '../src/storage/memory';
import type { Storage } from '../src/storage/types';
import { errorCode, signUp, TEST_SECRET, testServer } from './support/app';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('operations', () => {
  it('answers /health with the storage check', async () => {
    app = testServer();
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { storage: 'ok' } });
  });

  it('answers 503 when storage is down', async () => {
    const storage: Storage = {
      ...memoryStorage(),
      ping: () => Promise.reject(new Error('connection refused')),
    };
    app = testServer({ storage });
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'error', checks: { storage: 'error' } });
    expect(res.body).not.toContain('connection refused');
  });

  it('reports Redis in /health when configured, and 503 when it is unreachable', async () => {
    app = testServer({ redis: { url: 'redis://127.0.0.1:6379' } });
    const ok = await app.inject('/health');
    expect(ok.json()).toEqual({ status: 'ok', checks: { storage: 'ok', redis: 'ok' } });
    await app.close();
    app = testServer({ redis: { url: 'redis://127.0.0.1:1' } });
    const started = Date.now();
    const down = await app.inject('/health');
    expect(down.statusCode).toBe(503);
    expect(down.json().checks.redis).toBe('error');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('serves a valid OpenAPI 3 document that lists the routes', async () => {
    app = testServer();
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/users/me',
        '/api/v1/users/me/video-profiles/{profileId}',
      ]),
    );
    await expect(validate(structuredClone(doc))).resolves.toMatchObject({ valid: true });
    // The serialiser's `unsafe` format of the media token is not documented: a plain string.
    const mediaToken =
      doc.paths['/api/v1/rooms/{id}/media/token'].post.responses['200'].content['application/json']
        .schema;
    expect(mediaToken.properties.token).toEqual({ type: 'string' });
    expect(JSON.stringify(doc)).not.toContain('unsafe');
    const ui = await app.inject('/docs');
    expect(ui.statusCode).toBeLessThan(400);
  });

  it('exports Prometheus metrics with request latency by route and status', async () => {
    app = testServer();
    await app.inject('/health');
    await app.inject('/api/v1/users/me');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(
      /videoconf_http_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} 1/,
    );
    expect(res.body).toMatch(/route="\/api\/v1\/users\/me",status_code="401"/);
    expect(res.body).toContain('videoconf_ws_connections');
    expect(res.body).toContain('videoconf_events_fanned_out_total');
  });

  it('sets security headers and no CORS headers for unknown origins', async () => {
    app = testServer({ cors: { origins: ['https://embed.example.com'] } });
    const res = await app.inject({
      url: '/health',
      headers: { origin: 'https://evil.example.com' },
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await app.inject({
      url: '/health',
      headers: { origin: 'https://embed.example.com' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://embed.example.com');
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users/me',
      headers: { origin: 'https://embed.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(204);
  });

  it('answers same-origin only without configured origins: no CORS headers, no preflight', async () => {
    app = testServer();
    const res = await app.inject({
      url: '/health',
      headers: { origin: 'https://embed.example.com' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users/me',
      headers: { origin: 'https://embed.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.statusCode).toBe(404);
    expect(preflight.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses to start in production without a JWT secret', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      app = testServer({ jwtSecret: undefined });
      await expect(app.ready()).rejects.toThrow(/JWT_SECRET/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('redacts credentials from logs', async () => {
    const lines: string[] = [];
    app = testServer({
      logger: {
        level: 'trace',
        stream: { write: (line: string) => lines.push(line) },
        redact: {
          paths: ['req.headers.authorization', '*.password', '*.refreshToken'],
          censor: '[redacted]',
        },
      },
    });
    const user = await signUp(app);
    await app.inject({ url: '/api/v1/users/me', headers: user.auth });
    const log = lines.join('\n');
    expect(log).not.toContain(user.accessToken);
    expect(log).not.toContain(user.password);
    expect(log).not.toContain(user.refreshToken);
  });
});

describe('conferencePlugin in a host application', () => {
  it('mounts under a prefix without touching the host routes or error handling', async () => {
    const host = Fastify({ logger: false });
    host.setErrorHandler((_error, _request, reply) => reply.status(418).send({ host: true }));
    host.get('/host/boom', async () => {
      throw new Error('host error');
    });
    host.get('/host/hello', async (request) => ({ hello: 'world', query: request.query }));
    await host.register(conferencePlugin, {
      prefix: '/vc',
      jwtSecret: TEST_SECRET,
      rateLimit: false,
    });
    try {
      expect((await host.inject('/host/hello?x=1')).json()).toEqual({
        hello: 'world',
        query: { x: '1' },
      });
      const boom = await host.inject('/host/boom');
      expect(boom.statusCode).toBe(418);
      expect((await host.inject('/vc/health')).statusCode).toBe(200);
      const me = await host.inject('/vc/api/v1/users/me');
      expect(me.statusCode).toBe(401);
      expect(errorCode(me)).toBe('UNAUTHORIZED');
      expect(host.videoconf.storage.name).toBe('memory');
      // The host app's own responses carry no videoconf security headers or hooks.
      expect((await host.inject('/host/hello')).headers['x-content-type-options']).toBeUndefined();
    } finally {
      await host.close();
    }
  });

  it('mounts without a prefix next to a host that has its own not-found handler', async () => {
    const host = Fastify({ logger: false });
    host.setNotFoundHandler((_request, reply) => reply.status(404).send({ host404: true }));
    await host.register(conferencePlugin, { jwtSecret: TEST_SECRET, rateLimit: false });
    try {
      expect((await host.inject('/health')).statusCode).toBe(200);
      expect((await host.inject('/nowhere')).json()).toEqual({ host404: true });
      expect(errorCode(await host.inject('/api/v1/users/me'))).toBe('UNAUTHORIZED');
    } finally {
      await host.close();
    }
  });
});
