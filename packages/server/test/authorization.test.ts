import { readFileSync, writeFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import {
  type Expected,
  ROLES,
  type Role,
  type Row,
  renderRolesMarkdown,
  TABLE,
} from './authorization/table';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';

const ROLES_DOC = new URL('../../../docs/roles.md', import.meta.url);

let app: App;
beforeAll(async () => {
  // LiveKit configured at a port where nothing listens: tokens are signed locally, and kick
  // and mute must still answer while the media server is unreachable.
  app = testServer({
    livekit: {
      url: 'http://127.0.0.1:9',
      apiKey: 'devkey',
      apiSecret: 'authorization-test-secret-32-bytes!',
    },
    adminEmails: [],
  });
  await app.ready();
});
afterAll(() => app.close());

interface Fixture {
  callers: Record<Exclude<Role, 'anonymous'>, QuickUser>;
  params: Record<string, string>;
}

async function call(
  caller: QuickUser | null,
  method: Row['method'],
  url: string,
  body?: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: caller ? caller.auth : {},
    ...(body !== undefined && { payload: body }),
  });
}

async function ok(response: Promise<LightMyRequestResponse>, what: string) {
  const res = await response;
  if (res.statusCode >= 300)
    throw new Error(`fixture: ${what} answered ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? null : res.json();
}

/** A room with one caller of every role, built through the public API. */
async function fixture(): Promise<Fixture> {
  const host = await quickUser(app, { displayName: 'Host' });
  const coHost = await quickUser(app, { displayName: 'Co-host' });
  const participant = await quickUser(app, { displayName: 'Participant' });
  const kicked = await quickUser(app, { displayName: 'Kicked' });
  const waiting = await quickUser(app, { displayName: 'Waiting' });
  const outsider = await quickUser(app, { displayName: 'Outsider' });
  const admin = await quickUser(app, { admin: true, displayName: 'Admin' });

  const room = await ok(
    call(host, 'POST', '/api/v1/rooms', { title: 'Authorization' }),
    'create room',
  );
  const id = room.id as string;
  const join = (who: QuickUser) => ok(call(who, 'POST', `/api/v1/rooms/${id}/join`, {}), 'join');
  await join(host);
  const co = await join(coHost);
  const p = await join(participant);
  const k = await join(kicked);
  const invite = await ok(
    call(host, 'POST', `/api/v1/rooms/${id}/invite`, { maxUses: 100 }),
    'invite',
  );
  const redeemed = await ok(
    call(null, 'POST', `/api/v1/invites/${invite.token}/redeem`, { displayName: 'Guest' }),
    'redeem',
  );
  const guest: QuickUser = {
    id: redeemed.user.id,
    email: redeemed.user.email,
    auth: { authorization: `Bearer ${redeemed.accessToken}` },
  };
  await join(guest);
  await ok(
    call(host, 'PUT', `/api/v1/rooms/${id}/participants/${co.participant.id}/role`, {
      role: 'co_host',
    }),
    'promote',
  );
  await ok(
    call(host, 'POST', `/api/v1/rooms/${id}/participants/${k.participant.id}/kick`, {}),
    'kick',
  );
  await ok(call(host, 'PUT', `/api/v1/rooms/${id}`, { waitingRoomEnabled: true }), 'lobby on');
  const knock = await ok(call(waiting, 'POST', `/api/v1/rooms/${id}/join`, {}), 'knock');
  const message = await ok(
    call(participant, 'POST', `/api/v1/rooms/${id}/chat/messages`, { content: 'Hi' }),
    'chat',
  );
  const rule = await ok(
    call(admin, 'POST', '/api/v1/admin/rate-limits', { scope: 'ip', perDay: 1_000_000 }),
    'rule',
  );

  return {
    callers: { host, co_host: coHost, participant, waiting, kicked, guest, outsider, admin },
    params: {
      id,
      participantId: p.participant.id,
      entryId: knock.entry.id,
      inviteId: invite.id,
      token: invite.token,
      messageId: message.id,
      ruleId: rule.id,
    },
  };
}

const outcome = (res: LightMyRequestResponse): Expected =>
  res.statusCode < 300 ? res.statusCode : errorCode(res);

describe('authorization: every route for every role', () => {
  for (const row of TABLE) {
    it(`${row.method} ${row.path}`, async () => {
      const observed: Partial<Record<Role, Expected>> = {};
      for (const role of ROLES) {
        const { callers, params } = await fixture();
        const url = row.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
          const value = params[name];
          if (!value) throw new Error(`no fixture value for :${name}`);
          return value;
        });
        const caller = role === 'anonymous' ? null : callers[role];
        observed[role] = outcome(await call(caller, row.method, url, row.body));
      }
      expect(observed).toEqual(row.expect);
    });
  }

  it('keeps a guest inside the room of its invite', async () => {
    const { callers } = await fixture();
    const other = await fixture();
    for (const [method, path, body] of [
      ['GET', `/api/v1/rooms/${other.params.id}`, undefined],
      ['POST', `/api/v1/rooms/${other.params.id}/join`, {}],
      ['GET', `/api/v1/rooms/${other.params.id}/chat/messages`, undefined],
    ] as const) {
      const res = await call(callers.guest, method, path, body);
      expect(res.statusCode, path).toBe(403);
      expect(errorCode(res)).toBe('FORBIDDEN');
    }
  });

  it('is the table rendered in docs/roles.md', () => {
    const rendered = renderRolesMarkdown();
    if (process.env.UPDATE_DOCS) writeFileSync(ROLES_DOC, rendered);
    expect(readFileSync(ROLES_DOC, 'utf8')).toBe(rendered);
  });
});
