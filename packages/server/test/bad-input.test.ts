import { randomUUID } from 'node:crypto';
import { ERROR_CODES } from '@videoconf/protocol';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, signUp, type TestUser, testServer } from './support/app';
import { collectRoutes, type JsonSchema, type RouteInputs } from './support/schemas';

/**
 * Feeds a table of bad inputs to every route the server mounts (collected with an onRoute
 * hook, so routes added later are covered too) and asserts 4xx with a stable code, never 5xx.
 */

let app: App;
let user: TestUser;
let admin: TestUser;
const routes: RouteInputs[] = [];
/** Routes that answer without a token. */
const isPublic = (route: RouteInputs) => route.auth === 'none' || route.auth === 'optional';

beforeAll(async () => {
  app = testServer({ adminEmails: ['admin-bad-input@example.com'] });
  const mounted = collectRoutes(app);
  await app.ready();
  routes.push(
    ...mounted.filter((r) => !(r.url.startsWith('/docs') || r.url === '/metrics' || r.url === '*')),
  );
  user = await signUp(app);
  admin = await signUp(app, { email: 'admin-bad-input@example.com' });
});
afterAll(() => app.close());

const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, () => randomUUID());

function sample(schema: JsonSchema | undefined, text: string): unknown {
  if (!schema) return text;
  if (schema.anyOf)
    return sample(schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0], text);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sample(v, text)]),
      );
    case 'array':
      return [text];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return text;
  }
}

const hasStringField = (schema: JsonSchema | undefined): boolean =>
  !!schema &&
  (schema.type === 'string' ||
    (schema.anyOf ?? []).some(hasStringField) ||
    Object.values(schema.properties ?? {}).some(hasStringField));

function expectClientError(res: LightMyRequestResponse, label: string) {
  expect(res.statusCode, `${label}: ${res.body}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(500);
  expect(ERROR_CODES as string[], label).toContain(errorCode(res));
}

const as = (who: TestUser | null, options: InjectOptions): InjectOptions => ({
  ...options,
  headers: { ...(who ? who.auth : {}), ...(options.headers ?? {}) },
});

describe('bad input on every route', () => {
  it('collected the routes of the server', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    expect(names).toEqual(
      expect.arrayContaining(['POST /api/v1/auth/register', 'GET /api/v1/users/me', 'GET /health']),
    );
  });

  it('answers junk tokens with 401 INVALID_TOKEN on every protected route', async () => {
    for (const route of routes.filter((r) => !isPublic(r))) {
      for (const authorization of [
        'Bearer junk',
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
        'Basic Zm9vOmJhcg==',
      ]) {
        const res = await app.inject({
          method: route.method,
          url: concrete(route.url),
          headers: { authorization },
          payload: route.body ? {} : undefined,
        });
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(errorCode(res)).toBe('INVALID_TOKEN');
      }
    }
  });

  it('answers malformed JSON, wrong types and missing fields with 400 VALIDATION_ERROR', async () => {
    for (const route of routes.filter((r) => r.body)) {
      for (const who of [user, admin]) {
        const label = `${route.method} ${route.url}`;
        const url = concrete(route.url);
        const cases: Array<[string, string]> = [
          ['malformed', '{"email": "a@b.c", '],
          ['not an object', '[1,2,3]'],
          ['a number', '42'],
          ['null', 'null'],
          [
            'wrong types',
            JSON.stringify(sample(route.body, 'x') as object, (_k, v) =>
              typeof v === 'string' ? 12345 : typeof v === 'number' ? 'NaN' : v,
            ),
          ],
        ];
        for (const [name, payload] of cases) {
          const res = await app.inject(
            as(who, {
              method: route.method,
              url,
              payload,
              headers: { 'content-type': 'application/json' },
            }),
          );
          expectClientError(res, `${label} ${name}`);
          if (name === 'malformed') expect(errorCode(res), label).toBe('VALIDATION_ERROR');
        }
        if (route.body?.required?.length) {
          const res = await app.inject(as(who, { method: route.method, url, payload: {} }));
          expectClientError(res, `${label} missing fields`);
        }
        const wrongType = await app.inject(
          as(who, {
            method: route.method,
            url,
            payload: 'text',
            headers: { 'content-type': 'text/plain' },
          }),
        );
        expectClientError(wrongType, `${label} text/plain`);
      }
    }
  });

  it('refuses NUL characters anywhere in a body', async () => {
    for (const route of routes.filter((r) => hasStringField(r.body))) {
      const payload = sample(route.body, 'ab\u0000cd') as object;
      const res = await app.inject(
        as(user, { method: route.method, url: concrete(route.url), payload }),
      );
      expect(res.statusCode, `${route.method} ${route.url}: ${res.body}`).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_ERROR');
    }
  });

  it('refuses prototype-pollution keys and leaves Object.prototype alone', async () => {
    for (const route of routes.filter((r) => r.body)) {
      for (const payload of [
        '{"__proto__": {"polluted": true}}',
        '{"constructor": {"prototype": {"polluted": true}}}',
      ]) {
        const res = await app.inject(
          as(user, {
            method: route.method,
            url: concrete(route.url),
            payload,
            headers: { 'content-type': 'application/json' },
          }),
        );
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_ERROR');
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses bodies over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const huge = JSON.stringify({ content: 'x'.repeat(1024 * 1024 + 10) });
    for (const route of routes.filter((r) => r.body)) {
      const res = await app.inject(
        as(user, {
          method: route.method,
          url: concrete(route.url),
          payload: huge,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(413);
      expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('refuses malformed path parameters and query strings with 4xx', async () => {
    for (const route of routes) {
      if (route.url.includes(':')) {
        for (const junk of ['not-a-uuid', '%00', "1'%20OR%20'1'='1", '..%2F..%2Fetc']) {
          const url = route.url.replace(/:[A-Za-z]+/g, junk);
          const res = await app.inject(
            as(admin, { method: route.method, url, payload: route.body ? {} : undefined }),
          );
          expectClientError(res, `${route.method} ${url}`);
        }
      }
      if (route.method === 'GET') {
        const res = await app.inject(
          as(admin, {
            method: 'GET',
            url: `${concrete(route.url)}?limit=abc&offset=-1&before=x&after=%00`,
          }),
        );
        expect(res.statusCode, `${route.url} query`).toBeLessThan(500);
      }
    }
  });

  it('bounds every input field: strings by length or format, numbers by both ends', () => {
    // Unbounded fields let values through that PostgreSQL's integer or a JavaScript Date cannot
    // hold (a 500), so each field of every body, query string and path names its limits.
    const unbounded: string[] = [];
    const walk = (schema: JsonSchema, where: string) => {
      if (schema.anyOf) {
        for (const branch of schema.anyOf) walk(branch, where);
        return;
      }
      if (schema.properties) {
        for (const [key, value] of Object.entries(schema.properties))
          walk(value, `${where}.${key}`);
        return;
      }
      const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
      if (
        type === 'string' &&
        schema.maxLength === undefined &&
        !schema.format &&
        !('const' in schema)
      )
        unbounded.push(`${where} (string without maxLength)`);
      if (
        (type === 'integer' || type === 'number') &&
        (schema.minimum === undefined || schema.maximum === undefined)
      )
        unbounded.push(`${where} (${type} without minimum and maximum)`);
    };
    const inputs = routes.filter((r) => r.body || r.querystring || r.params);
    for (const route of inputs) {
      for (const part of ['body', 'querystring', 'params'] as const) {
        const schema = route[part];
        if (schema) walk(schema, `${route.method} ${route.url} ${part}`);
      }
    }
    expect(inputs.length).toBeGreaterThan(20);
    expect(unbounded).toEqual([]);
  });

  it('answers unknown routes with 404 NOT_FOUND', async () => {
    for (const url of ['/api/v1/nope', '/nope', '/api/v2/users/me']) {
      const res = await app.inject({ url, headers: user.auth });
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('NOT_FOUND');
    }
  });
});
