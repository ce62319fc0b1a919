import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, signUp, type TestUser, testServer } from './support/app';
import {
  collectRoutes,
  type JsonSchema,
  leaves,
  type RouteInputs,
  sample,
} from './support/schemas';

/** Small edges of the contract: bodies that may be omitted, and validation messages. */

let app: App;
let host: TestUser;
let roomId: string;
/** The routes whose body has properties. */
const routes: RouteInputs[] = [];

const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  app = testServer();
  const mounted = collectRoutes(app);
  await app.ready();
  routes.push(...mounted.filter((route) => route.body?.properties));
  host = await signUp(app);
  const room = await app.inject({
    method: 'POST',
    url: '/api/v1/rooms',
    headers: host.auth,
    payload: { title: 'Edges', waitingRoomEnabled: true },
  });
  roomId = room.json().id;
  await app.inject({ method: 'POST', url: `/api/v1/rooms/${roomId}/join`, headers: host.auth });
});
afterAll(() => app.close());

/** A user waiting in the lobby of the room, and the entry's id. */
async function waitingUser(): Promise<{ entryId: string }> {
  const user = await signUp(app);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/rooms/${roomId}/join`,
    headers: { ...user.auth, ...json },
  });
  expect(res.statusCode, res.body).toBe(202);
  return { entryId: res.json().entry.id };
}

describe('a body the docs say may be omitted', () => {
  it('may be an empty body with content-type: application/json (join, kick, reject)', async () => {
    // join: the waiting user above joined with an empty JSON body (202).
    const { entryId } = await waitingUser();
    const approve = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/waiting-room/${entryId}/approve`,
      headers: host.auth,
    });
    const participantId = approve.json().participant.id;
    const kick = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/participants/${participantId}/kick`,
      headers: { ...host.auth, ...json },
      payload: '',
    });
    expect(kick.statusCode, kick.body).toBe(204);

    const other = await waitingUser();
    const reject = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/waiting-room/${other.entryId}/reject`,
      headers: { ...host.auth, ...json },
      payload: '',
    });
    expect(reject.statusCode, reject.body).toBe(200);
    expect(reject.json().entry).toMatchObject({ status: 'rejected', reason: null });
  });

  it('is still required, with 400 VALIDATION_ERROR, where the body is not optional', async () => {
    for (const [method, url] of [
      ['POST', `/api/v1/rooms/${roomId}/chat/messages`],
      ['PUT', `/api/v1/rooms/${roomId}/participants/${randomUUID()}/role`],
      ['POST', '/api/v1/rooms'],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: { ...host.auth, ...json },
        payload: '',
      });
      expect(res.statusCode, `${method} ${url}`).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_ERROR');
      expect(res.json().message).toBe('body must be an object');
    }
  });
});

describe('validation messages', () => {
  it('name the allowed values of a union once: role "host"', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: `/api/v1/rooms/${roomId}/participants/${randomUUID()}/role`,
      headers: host.auth,
      payload: { role: 'host' },
    });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('VALIDATION_ERROR');
    expect(res.json().message).toBe('body/role must be one of "co_host", "participant"');
  });

  it('name a nullable field and what it allows', async () => {
    const cases: Array<[object, string]> = [
      [{ maxUses: 'ten' }, 'body/maxUses must be an integer or null'],
      [{ maxUses: 0 }, 'body/maxUses must be >= 1'],
      [
        { expiresAt: '2026-06-30T23:59:60Z' },
        'body/expiresAt must be an RFC 3339 timestamp in the years 1 to 9999, e.g. 2026-05-01T09:30:00Z',
      ],
    ];
    for (const [payload, message] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/invite`,
        headers: host.auth,
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe(message);
    }
  });

  it('are one sentence for every field of every body', async () => {
    let tried = 0;
    for (const route of routes) {
      const body = sample(route.body as JsonSchema) as Record<string, unknown>;
      for (const [path] of leaves(route.body as JsonSchema)) {
        for (const wrong of ['__not-allowed__', [], { nested: true }]) {
          const payload = structuredClone(body);
          let target = payload;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
          target[path.at(-1) as string] = wrong;
          const res = await app.inject({
            method: route.method,
            url: route.url.replace(/:[A-Za-z]+/g, () => randomUUID()),
            headers: host.auth,
            payload,
          });
          if (res.statusCode !== 400) continue; // a string the field allows
          tried += 1;
          const { message } = res.json() as { message: string };
          const label = `${route.method} ${route.url} ${path.join('.')}=${JSON.stringify(wrong)}`;
          expect(message.match(/ must /g), `${label}: ${message}`).toHaveLength(1);
          expect(message, label).not.toMatch(/anyOf|oneOf|equal to constant|, body/);
          expect(message, label).toMatch(new RegExp(`^body/${path.join('/')} must `));
        }
      }
    }
    expect(tried).toBeGreaterThan(50);
  });

  it('name the integer in a query string', async () => {
    const res = await app.inject({ url: '/api/v1/rooms?offset=Infinity', headers: host.auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('querystring/offset must be an integer');
  });
});
