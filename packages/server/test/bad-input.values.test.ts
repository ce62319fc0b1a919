import { randomUUID } from 'node:crypto';
import type { HTTPMethods, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { validatorCompiler } from '../src/http/validation';
import { errorCode, signUp, type TestUser, testServer } from './support/app';
import {
  collectRoutes,
  type JsonSchema,
  kind,
  leaves,
  type RouteInputs,
  sample,
} from './support/schemas';
import { storages } from './support/storages';

/**
 * Values the schemas once accepted but the code, JavaScript dates or PostgreSQL could not handle
 * (500s) or kept altered (lone surrogates replaced by U+FFFD). Every route is walked (collected
 * with an onRoute hook), every field of its params, query string and body gets each bad value
 * of its kind, on real resources so that an accepted value would reach storage, on both
 * storages: the answer must be 400 VALIDATION_ERROR.
 */

/** Timestamps ajv-formats' `date-time` accepted that JavaScript or PostgreSQL cannot keep. */
const BAD_TIMESTAMPS = [
  '2026-06-30T23:59:60Z', // leap second: Invalid Date in JavaScript
  '2026-12-31T23:59:60.5+00:00',
  '2026-06-30T10:00:00+05', // offset without minutes: Invalid Date
  '0000-01-01T00:00:00Z', // year 0: PostgreSQL has none
  '0001-01-01T00:00:00+01:00', // year 0 in UTC
  '9999-12-31T23:59:59-01:00', // year 10000 in UTC: no RFC 3339 answer
  '2026-02-29T10:00:00Z',
  '2026-06-30T10:00:00.1234567890Z',
];

/** Integers in query strings: Ajv's coercion read these as numbers. */
const BAD_QUERY_INTEGERS = [
  'Infinity',
  '-Infinity',
  '1e400',
  '1e3',
  '0x10',
  '%205',
  '5%20',
  '1.5',
  'NaN',
  '99999999999999999999',
  '2147483648',
];

/** Raw JSON numbers for integer and number fields of bodies. */
const BAD_BODY_NUMBERS = ['1e400', '-1e400', '1e308', '2147483648', '9007199254740993'];

/** Strings with unpaired UTF-16 surrogates: UTF-8 cannot hold them. */
const BAD_TEXT = ['ab\ud800cd', '\udc00', 'x\ud83d'];

const badUuids = (id: string) => [
  `urn:uuid:${id}`, // ajv-formats accepted it, PostgreSQL does not
  id.toUpperCase(), // PostgreSQL found it, the memory storage did not
  `{${id}}`,
  id.replaceAll('-', ''),
];

const PLACEHOLDER = '__BAD_VALUE__';

/** The JSON text of `body` with the value at `path` replaced by raw JSON text. */
function withRaw(body: unknown, path: string[], raw: string): string {
  const copy = structuredClone(body) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1) as string] = PLACEHOLDER;
  return JSON.stringify(copy).replace(`"${PLACEHOLDER}"`, raw);
}

describe.each(storages())('values no storage can keep are refused (%s)', (_name, storage) => {
  let app: App;
  let admin: TestUser;
  const routes: RouteInputs[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const adminEmail = `admin-${randomUUID()}@example.com`;
    app = testServer({ storage: storage(), adminEmails: [adminEmail] });
    const mounted = collectRoutes(app);
    await app.ready();
    routes.push(...mounted);
    admin = await signUp(app, { email: adminEmail });
    const guest = await signUp(app);
    const call = async (
      who: TestUser,
      method: HTTPMethods,
      url: string,
      payload?: object,
    ): Promise<Record<string, unknown>> => {
      const res = await app.inject({ method, url, headers: who.auth, payload });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const room = await call(admin, 'POST', '/api/v1/rooms', {
      title: 'Fixture',
      waitingRoomEnabled: true,
    });
    ids.id = room.id as string;
    const joined = await call(admin, 'POST', `/api/v1/rooms/${ids.id}/join`, {});
    ids.participantId = (joined.participant as { id: string }).id;
    const waiting = await call(guest, 'POST', `/api/v1/rooms/${ids.id}/join`, {});
    ids.entryId = (waiting.entry as { id: string }).id;
    const message = await call(admin, 'POST', `/api/v1/rooms/${ids.id}/chat/messages`, {
      content: 'hello',
    });
    ids.messageId = message.id as string;
    const invite = await call(admin, 'POST', `/api/v1/rooms/${ids.id}/invite`, {});
    ids.inviteId = invite.id as string;
    ids.token = invite.token as string;
    const profile = await call(admin, 'POST', '/api/v1/users/me/video-profiles', { name: 'P' });
    ids.profileId = profile.id as string;
    const rule = await call(admin, 'POST', '/api/v1/admin/rate-limits', {
      scope: 'room',
      perMinute: 10_000,
    });
    ids.ruleId = rule.id as string;
  });
  afterAll(() => app?.close());

  const url = (route: RouteInputs, params: Record<string, string> = {}) =>
    route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      const value = params[name] ?? ids[name];
      if (value === undefined) throw new Error(`no fixture for :${name} of ${route.url}`);
      return value;
    });

  /** Every answer that is not 400 VALIDATION_ERROR, so one run lists the whole class. */
  let wrong: string[] = [];
  async function expectRefused(label: string, request: InjectOptions) {
    const res = await app.inject(request);
    if (res.statusCode !== 400 || errorCode(res) !== 'VALIDATION_ERROR') {
      wrong.push(`${label} -> ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
  }
  beforeEach(() => {
    wrong = [];
  });
  afterEach(() => {
    expect(wrong).toEqual([]);
  });

  it('found the fields to try', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/v1/rooms',
        'GET /api/v1/rooms',
        'GET /api/v1/rooms/:id/chat/messages',
        'POST /api/v1/rooms/:id/invite',
        'GET /api/v1/admin/audit',
      ]),
    );
  });

  it('refuses bad uuids and NUL characters in path parameters', async () => {
    for (const route of routes.filter((r) => r.params?.properties)) {
      for (const [name, schema] of Object.entries(route.params?.properties ?? {})) {
        // (Undecodable percent-encodings never reach validation: Fastify's router refuses them.)
        const values = kind(schema) === 'uuid' ? badUuids(ids[name] as string) : ['a%00b'];
        for (const value of values) {
          const target = url(route, { [name]: value });
          await expectRefused(`${route.method} ${target}`, {
            method: route.method,
            url: target,
            headers: admin.auth,
            ...(route.body && {
              payload: sample(route.body) as object,
            }),
          });
        }
      }
    }
  });

  it('refuses integers that are not decimal or not finite, bad timestamps and uuids in query strings', async () => {
    const tried: string[] = [];
    for (const route of routes.filter((r) => r.querystring?.properties)) {
      for (const [name, schema] of Object.entries(route.querystring?.properties ?? {})) {
        const values =
          kind(schema) === 'integer'
            ? BAD_QUERY_INTEGERS
            : kind(schema) === 'date-time'
              ? BAD_TIMESTAMPS.map(encodeURIComponent)
              : kind(schema) === 'uuid'
                ? badUuids(ids.id as string).map(encodeURIComponent)
                : [];
        for (const value of values) {
          const target = `${url(route)}?${name}=${value}`;
          tried.push(`${route.url}?${name}`);
          await expectRefused(`${route.method} ${target}`, {
            method: route.method,
            url: target,
            headers: admin.auth,
          });
        }
      }
    }
    expect(tried).toEqual(
      expect.arrayContaining([
        '/api/v1/rooms?offset',
        '/api/v1/rooms/:id/chat/messages?before',
        '/api/v1/rooms/:id/chat/messages?after',
        '/api/v1/admin/audit?before',
        '/api/v1/admin/audit?roomId',
      ]),
    );
  });

  it('refuses bad timestamps, uuids, numbers and unpaired surrogates in bodies', async () => {
    const tried = new Set<string>();
    for (const route of routes.filter((r) => r.body?.properties)) {
      const body = sample(route.body as JsonSchema);
      // The control: the sample passes the route's schema, so only the bad value is refused.
      const validate = validatorCompiler({
        schema: structuredClone(route.body),
        method: route.method,
        url: route.url,
        httpPart: 'body',
      }) as (data: unknown) => boolean;
      expect(validate(structuredClone(body)), `sample of ${route.method} ${route.url}`).toBe(true);
      for (const [path, schema] of leaves(route.body as JsonSchema)) {
        const raws = (() => {
          switch (kind(schema)) {
            case 'date-time':
              return BAD_TIMESTAMPS.map((value) => JSON.stringify(value));
            case 'uuid':
              return badUuids(randomUUID()).map((value) => JSON.stringify(value));
            case 'integer':
            case 'number':
              return BAD_BODY_NUMBERS;
            case 'string':
              return BAD_TEXT.map((value) => JSON.stringify(value));
            default:
              return [];
          }
        })();
        for (const raw of raws) {
          tried.add(`${route.method} ${route.url} ${path.join('.')}`);
          await expectRefused(`${route.method} ${route.url} ${path.join('.')}=${raw}`, {
            method: route.method,
            url: url(route),
            headers: { ...admin.auth, 'content-type': 'application/json' },
            payload: withRaw(body, path, raw),
          });
        }
      }
    }
    expect([...tried]).toEqual(
      expect.arrayContaining([
        'POST /api/v1/rooms scheduledStartAt',
        'PUT /api/v1/rooms/:id scheduledEndAt',
        'POST /api/v1/rooms/:id/invite expiresAt',
        'POST /api/v1/rooms/:id/chat/messages content',
        'PUT /api/v1/users/me/settings languageCode',
        'POST /api/v1/rooms/:id/stats networkScore',
      ]),
    );
  });

  it('keeps the edges of every format exactly', async () => {
    const cases: Array<[string, string]> = [
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
      ['2031-06-30T10:00:00.123456+05:30', '2031-06-30T04:30:00.123Z'],
      ['2031-06-30t10:00:00z', '2031-06-30T10:00:00.000Z'],
      ['2031-06-30 10:00:00-0230', '2031-06-30T12:30:00.000Z'],
    ];
    for (const [sent, kept] of cases) {
      const title = `Edge 😀 ${sent}`;
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/rooms',
        headers: admin.auth,
        payload: { title, scheduledStartAt: sent, scheduledEndAt: '9999-12-31T23:59:59.999Z' },
      });
      expect(created.statusCode, `${sent}: ${created.body}`).toBe(201);
      const read = await app.inject({
        url: `/api/v1/rooms/${created.json().id}`,
        headers: admin.auth,
      });
      expect(read.json()).toMatchObject({ title, scheduledStartAt: kept });
    }
    // Doubles at the edges of their ranges: the smallest subnormal, and the largest allowed.
    const stats = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${ids.id}/stats`,
      headers: admin.auth,
      payload: {
        avgRttMs: 5e-324,
        maxRttMs: 1e9,
        avgJitterMs: 0,
        packetLossUpPercent: 100,
        packetLossDownPercent: 1e-300,
        avgBitrateKbps: 2.2250738585072014e-308,
        networkScore: 5,
      },
    });
    expect(stats.statusCode, stats.body).toBe(201);
    expect(stats.json()).toMatchObject({ avgRttMs: 5e-324, maxRttMs: 1e9 });
    const page = await app.inject({
      url: '/api/v1/rooms?limit=1&offset=2147483647',
      headers: admin.auth,
    });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json().items).toEqual([]);
    const history = await app.inject({
      url: `/api/v1/rooms/${ids.id}/chat/messages?before=2147483647&after=-0`,
      headers: admin.auth,
    });
    expect(history.statusCode, history.body).toBe(200);
  });
});
