import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorHandler } from '../src/http/errors';
import { SECURITY_HEADERS } from '../src/http/security-headers';
import type { App } from '../src/http/types';
import { conferencePlugin } from '../src/plugin';
import { expectError, quickUser, TEST_SECRET, testServer } from './support/app';
import { LIVEKIT_KEY, LIVEKIT_SECRET, livekitOptions } from './support/livekit';
import { rawRequest } from './support/raw-http';

// The edges of HTTP that no route handler sees: unknown routes, requests Node's parser or
// Fastify's router refuse, bodies of the wrong media type. Every answer is our error body with
// a code, and carries the security headers of every other answer.

const livekit = livekitOptions('http://127.0.0.1:1');

function expectSecurityHeaders(headers: Record<string, unknown>, label: string) {
  for (const [name, value] of SECURITY_HEADERS)
    expect(headers[name], `${label}: ${name}`).toBe(value);
}

/** Two ways to serve videoconf: our server, and a host app mounting the plugin under a prefix. */
const setups: [string, string, () => App][] = [
  ['createConferenceServer', '', () => testServer({ livekit })],
  [
    'conferencePlugin under a prefix',
    '/videoconf',
    () => {
      const host = Fastify({ logger: false });
      host.register(conferencePlugin, {
        prefix: '/videoconf',
        jwtSecret: TEST_SECRET,
        rateLimit: false,
        livekit,
      });
      host.get('/host-route', async () => ({ host: true }));
      return host as unknown as App;
    },
  ],
];

describe.each(setups)('HTTP edges with %s', (_name, prefix, make) => {
  let app: App;
  beforeAll(async () => {
    app = make();
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers unknown routes 404 NOT_FOUND with the security headers', async () => {
    for (const [method, url] of [
      ['GET', `${prefix}/nope`],
      ['GET', `${prefix}/api/v1/nope`],
      ['DELETE', `${prefix}/health`],
      ['POST', `${prefix}/api/v1/rooms/${randomUUID()}/nothing`],
    ] as const) {
      const res = await app.inject({ method, url });
      expectError(res, 404, 'NOT_FOUND');
      expectSecurityHeaders(res.headers, `${method} ${url}`);
    }
  });

  it('answers a text/plain body 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const user = await quickUser(app);
    for (const [url, headers] of [
      [`${prefix}/api/v1/auth/login`, {}],
      [`${prefix}/api/v1/rooms`, user.auth],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'text/plain' },
        payload: '{"title":"a room"}',
      });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('takes LiveKit webhooks as application/webhook+json or application/json only', async () => {
    const body = JSON.stringify({
      event: 'room_started',
      id: `EV_${randomUUID()}`,
      createdAt: String(Math.floor(Date.now() / 1000)),
      room: { sid: 'RM_unknown', name: `not-ours-${randomUUID()}` },
    });
    const token = new AccessToken(LIVEKIT_KEY, LIVEKIT_SECRET);
    token.sha256 = createHash('sha256').update(body).digest('base64');
    const authorization = await token.toJwt();
    const deliver = (contentType: string) =>
      app.inject({
        method: 'POST',
        url: `${prefix}/api/v1/livekit/webhook`,
        headers: { 'content-type': contentType, authorization },
        payload: body,
      });
    for (const accepted of ['application/webhook+json', 'application/json']) {
      expect((await deliver(accepted)).statusCode, accepted).toBe(204);
    }
    for (const refused of ['text/plain', 'application/x-www-form-urlencoded', 'text/json']) {
      expectError(await deliver(refused), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  if (prefix) {
    it("leaves the host's routes and not-found answers to the host", async () => {
      const own = await app.inject({ method: 'GET', url: '/host-route' });
      expect(own.json()).toEqual({ host: true });
      expect(own.headers['x-frame-options']).toBeUndefined();
      const text = await app.inject({
        method: 'POST',
        url: '/nope',
        headers: { 'content-type': 'text/plain' },
        payload: 'hi',
      });
      expect(text.statusCode).toBe(404);
      expect(text.json().code).toBeUndefined();
    });
  }
});

const parserCases: [string, string, number, string][] = [
  ['a method Node does not know', 'FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 405, 'METHOD_NOT_ALLOWED'],
  [
    'a 20 000-character URL',
    `GET /api/v1/rooms?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    431,
    'HEADERS_TOO_LARGE',
  ],
  ['a request line that is not HTTP', 'GET / HTTX/1.1\r\n\r\n', 400, 'VALIDATION_ERROR'],
  [
    'a bad header line',
    'GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
    400,
    'VALIDATION_ERROR',
  ],
  [
    'a URL with malformed percent-encoding',
    'GET /api/v1/rooms/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    400,
    'VALIDATION_ERROR',
  ],
  [
    'a path parameter over maxParamLength',
    `GET /api/v1/rooms/${'a'.repeat(200)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    400,
    'VALIDATION_ERROR',
  ],
];

describe('requests that Node or the router refuse, on a listening createConferenceServer', () => {
  let app: App;
  let port: number;
  beforeAll(async () => {
    app = testServer();
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it.each(parserCases)('%s answers our error body', async (_label, request, status, code) => {
    const res = await rawRequest(port, request);
    if (!res) throw new Error(`no answer to ${JSON.stringify(request)}`);
    expect(res.status, res.body).toBe(status);
    const body = JSON.parse(res.body);
    expect(body).toEqual({
      statusCode: status,
      code,
      error: expect.any(String),
      message: expect.any(String),
    });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectSecurityHeaders(res.headers, code);
  });
});

describe('clientErrorHandler for host apps', () => {
  it('gives a host Fastify app the same parser refusals', async () => {
    const host = Fastify({ logger: false, clientErrorHandler });
    host.register(conferencePlugin, { prefix: '/videoconf', jwtSecret: TEST_SECRET });
    await host.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = host.server.address() as { port: number };
      const res = await rawRequest(port, 'FOO /videoconf/health HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(res?.status).toBe(405);
      expect(JSON.parse(res?.body ?? '').code).toBe('METHOD_NOT_ALLOWED');
    } finally {
      await host.close();
    }
  });

  it('closes the connection of a client too slow to send its request, without an answer', async () => {
    const host = Fastify({
      logger: false,
      clientErrorHandler,
      serverFactory: (handler) =>
        createServer({ requestTimeout: 200, connectionsCheckingInterval: 50 }, handler),
    });
    host.get('/', async () => ({}));
    await host.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = host.server.address() as { port: number };
      // The request line and one header, then nothing more.
      const res = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\n');
      expect(res).toBeUndefined();
    } finally {
      await host.close();
    }
  });
});
