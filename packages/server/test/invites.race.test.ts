import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { sequelizeStorage } from '../src/storage/sequelize/index';
import type { Storage } from '../src/storage/types';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';
import { createTestDatabase } from './support/postgres';

/**
 * Concurrent redemptions over HTTP on PostgreSQL: the use count is enforced by one atomic
 * storage call (row lock on the invite), so N racing callers of a k-use invite get exactly k
 * successes and no refused caller leaves a guest user behind.
 */

const ROUNDS = 20;
const CALLERS = 12;
const USES = 3;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let storage: Storage;
let sql: pg.Client;
let app: App;
let host: QuickUser;

beforeAll(async () => {
  db = await createTestDatabase();
  storage = sequelizeStorage({ url: db.url, pool: { max: 20 } });
  await storage.init();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  app = testServer({ storage });
  host = await quickUser(app);
});
afterAll(async () => {
  await app?.close();
  await sql?.end();
  await storage?.close();
  await db?.drop();
});

async function roomWithInvite(maxUses: number) {
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/rooms',
    headers: host.auth,
    payload: { title: 'Race' },
  });
  expect(created.statusCode).toBe(201);
  const room = created.json() as { id: string };
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/rooms/${room.id}/invite`,
    headers: host.auth,
    payload: { maxUses },
  });
  expect(res.statusCode).toBe(201);
  return { roomId: room.id, invite: res.json() as { id: string; token: string } };
}

const redeem = (token: string, displayName: string, who?: QuickUser) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/invites/${token}/redeem`,
    headers: who ? who.auth : {},
    payload: { displayName },
  });

const usedCount = async (roomId: string, inviteId: string) => {
  const list = await app.inject({
    method: 'GET',
    url: `/api/v1/rooms/${roomId}/invites`,
    headers: host.auth,
  });
  return list.json().items.find((i: { id: string }) => i.id === inviteId)?.usedCount;
};

describe('invite redemption races on PostgreSQL', () => {
  it(`${CALLERS} anonymous callers, ${USES} uses: exactly ${USES} guests, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { roomId, invite } = await roomWithInvite(USES);
      const tag = `race-${randomUUID()}`;
      const results = await Promise.all(
        Array.from({ length: CALLERS }, (_, n) => redeem(invite.token, `${tag}-${n}`)),
      );
      const ok = results.filter((r) => r.statusCode === 200);
      const refused = results.filter((r) => r.statusCode !== 200);
      expect(ok, `round ${round}`).toHaveLength(USES);
      expect(refused.map((r) => [r.statusCode, errorCode(r)])).toEqual(
        Array.from({ length: CALLERS - USES }, () => [410, 'INVITE_EXHAUSTED']),
      );
      for (const r of refused) expect(r.json().accessToken).toBeUndefined();

      const ids = ok.map((r) => r.json().user.id as string);
      expect(new Set(ids).size).toBe(USES);
      for (const r of ok) {
        const { user, room, accessToken } = r.json();
        expect(room.id).toBe(roomId);
        expect(accessToken).toEqual(expect.any(String));
        expect(await storage.getUser(user.id)).toMatchObject({ isGuest: true });
        expect(await storage.hasRedeemedInvite(roomId, user.id)).toBe(true);
      }
      // No refused caller left a guest behind: only the winners' names exist.
      const rows = await sql.query<{ id: string }>(
        'SELECT id FROM users WHERE display_name LIKE $1',
        [`${tag}-%`],
      );
      expect(rows.rows.map((row) => row.id).sort()).toEqual([...ids].sort());
      expect(await usedCount(roomId, invite.id)).toBe(USES);
    }
  }, 60_000);

  it(`${CALLERS} signed-in users and one user racing itself, ${ROUNDS} rounds`, async () => {
    const users = await Promise.all(Array.from({ length: CALLERS }, () => quickUser(app)));
    for (let round = 0; round < ROUNDS; round++) {
      const { roomId, invite } = await roomWithInvite(USES);
      const [self, ...others] = users;
      const results = await Promise.all([
        ...Array.from({ length: 4 }, () => redeem(invite.token, 'Self', self)),
        ...others.map((u) => redeem(invite.token, 'Other', u)),
      ]);
      const selfResults = results.slice(0, 4);
      const otherResults = results.slice(4);
      // The repeated user counts once: either all of its calls win or all are refused.
      const selfWon = selfResults.every((r) => r.statusCode === 200);
      expect(selfWon || selfResults.every((r) => r.statusCode === 410), `round ${round}`).toBe(
        true,
      );
      const winners = (selfWon ? 1 : 0) + otherResults.filter((r) => r.statusCode === 200).length;
      expect(winners).toBe(USES);
      for (const r of results.filter((x) => x.statusCode !== 200)) {
        expect(errorCode(r)).toBe('INVITE_EXHAUSTED');
      }
      otherResults.forEach((r, n) => {
        if (r.statusCode === 200) expect(r.json().user.id).toBe(others[n]?.id);
      });
      expect(await usedCount(roomId, invite.id)).toBe(USES);
    }
  }, 60_000);
});
