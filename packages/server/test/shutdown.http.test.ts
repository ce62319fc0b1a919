import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../src/http/security-headers';
import type { App } from '../src/http/types';
import { conferencePlugin } from '../src/plugin';
import { quickUser, TEST_SECRET, testServer } from './support/app';
import { rawConnection } from './support/raw-http';

// Requests that reach a listening server after `app.close()` began: they come on connections
// that were busy when the close started (idle ones are closed), here pipelined behind a request
// still in flight. Each answers 503 in the contract's shape, never Fastify's bare 503.

const get = (path: string, headers: Record<string, string> = {}) =>
  `GET ${path} HTTP/1.1\r\nhost: localhost\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;

const setups: [string, string, () => App][] = [
  ['createConferenceServer', '', () => testServer()],
  [
    'conferencePlugin under a prefix (host with return503OnClosing: false)',
    '/videoconf',
    () => {
      const host = Fastify({ logger: false, return503OnClosing: false });
      host.register(conferencePlugin, { prefix: '/videoconf', jwtSecret: TEST_SECRET });
      return host as unknown as App;
    },
  ],
];

describe.each(setups)('graceful shutdown of %s', (_name, prefix, make) => {
  it('answers requests during close with 503 SERVICE_UNAVAILABLE, and /health "shutting_down"', async () => {
    const app = make();
    // A request in flight keeps the server draining while the requests behind it arrive.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inFlight = 0;
    app.get('/slow', async () => {
      inFlight += 1;
      await gate;
      return { slow: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const user = await quickUser(app);
    expect((await app.inject({ method: 'GET', url: `${prefix}/health` })).statusCode).toBe(200);

    const behind = [
      get(`${prefix}/health`),
      get(`${prefix}/api/v1/users/me`, user.auth),
      get(`${prefix}/api/v1/rooms`),
      get(`${prefix}/no-such-route`),
    ];
    // Each connection is busy with /slow when the close begins, so it stays open.
    const connections = behind.map(() => rawConnection(port, get('/slow')));
    while (inFlight < behind.length) await new Promise((resolve) => setTimeout(resolve, 5));

    const closed = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const [index, request] of behind.entries()) connections[index]?.send(request);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const answers = await Promise.all(connections.map((c) => c.answers));
    await closed;

    for (const [index, [slow, answer]] of answers.entries()) {
      expect(slow?.status).toBe(200);
      const label = behind[index]?.split('\r\n')[0];
      expect(answer, label).toBeDefined();
      if (!answer) continue;
      expect(answer.status, label).toBe(503);
      expect(Number(answer.headers['retry-after']), label).toBeGreaterThan(0);
      expect(answer.headers.connection, label).toBe('close');
      for (const [name, value] of SECURITY_HEADERS) expect(answer.headers[name], label).toBe(value);
      const body = JSON.parse(answer.body);
      if (index === 0) {
        expect(body).toEqual({ status: 'shutting_down', checks: { storage: 'ok' } });
      } else {
        expect(body, label).toEqual({
          statusCode: 503,
          code: 'SERVICE_UNAVAILABLE',
          error: 'Service Unavailable',
          message: expect.any(String),
        });
      }
    }
  });
});
