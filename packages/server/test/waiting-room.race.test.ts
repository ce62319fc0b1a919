import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { sequelizeStorage } from '../src/storage/sequelize/index';
import type { Storage } from '../src/storage/types';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';
import { createTestDatabase } from './support/postgres';

/**
 * Concurrent lobby decisions over HTTP on PostgreSQL: one atomic storage call decides an entry
 * (row lock on the room), so racing decisions end in exactly one outcome.
 */

const ROUNDS = 20;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let storage: Storage;
let app: App;
let host: QuickUser;
let coHost: QuickUser;

beforeAll(async () => {
  db = await createTestDatabase();
  storage = sequelizeStorage({ url: db.url, pool: { max: 20 } });
  await storage.init();
  app = testServer({ storage });
  host = await quickUser(app);
  coHost = await quickUser(app);
});
afterAll(async () => {
  await app?.close();
  await storage?.close();
  await db?.drop();
});

const api = (who: QuickUser, method: 'POST' | 'PUT', url: string, payload: object = {}) =>
  app.inject({ method, url: `/api/v1${url}`, headers: who.auth, payload });

/** A room with a waiting room, and a co-host admitted through it. */
async function lobby(maxParticipants = 100) {
  const created = await api(host, 'POST', '/rooms', {
    title: 'Race',
    waitingRoomEnabled: true,
    maxParticipants,
  });
  expect(created.statusCode).toBe(201);
  const roomId: string = created.json().id;
  const entry = await knock(roomId, coHost);
  const approved = await api(host, 'POST', `/rooms/${roomId}/waiting-room/${entry.id}/approve`);
  const { participant } = approved.json();
  const promoted = await api(host, 'PUT', `/rooms/${roomId}/participants/${participant.id}/role`, {
    role: 'co_host',
  });
  expect(promoted.statusCode).toBe(200);
  return roomId;
}

/** `who` (a new user by default) knocks through the join route. */
async function knock(roomId: string, who?: QuickUser) {
  const user = who ?? (await quickUser(app));
  const res = await api(user, 'POST', `/rooms/${roomId}/join`, { displayName: 'Knocker' });
  expect(res.statusCode).toBe(202);
  return res.json().entry as { id: string };
}

async function knocker(roomId: string) {
  const user = await quickUser(app);
  return { user, entry: await knock(roomId, user) };
}

const decide = (who: QuickUser, roomId: string, entryId: string, action: 'approve' | 'reject') =>
  app.inject({
    method: 'POST',
    url: `/api/v1/rooms/${roomId}/waiting-room/${entryId}/${action}`,
    headers: who.auth,
    payload: action === 'reject' ? { reason: 'race' } : {},
  });

describe('waiting-room decision races on PostgreSQL', () => {
  it(`approve versus reject of one entry: exactly one decision, ${ROUNDS} rounds`, async () => {
    const winners = { approved: 0, rejected: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const roomId = await lobby();
      const { user, entry } = await knocker(roomId);
      // Alternate who approves so both moderators race from both sides.
      const [approver, rejecter] = round % 2 ? [host, coHost] : [coHost, host];
      const [approve, reject] = await Promise.all([
        decide(approver, roomId, entry.id, 'approve'),
        decide(rejecter, roomId, entry.id, 'reject'),
      ]);
      const codes = [approve.statusCode, reject.statusCode].sort();
      expect(codes, `round ${round}: ${approve.body} ${reject.body}`).toEqual([200, 409]);
      const loser = approve.statusCode === 409 ? approve : reject;
      expect(errorCode(loser)).toBe('ENTRY_NOT_PENDING');

      const final = await storage.getWaitingEntry(entry.id);
      const active = await storage.findActiveParticipant(roomId, user.id);
      const audit = (await storage.listAudit({ roomId, limit: 50 })).filter(
        (e) =>
          e.payload.entryId === entry.id &&
          ['waiting_room_approved', 'waiting_room_rejected'].includes(e.eventType),
      );
      if (approve.statusCode === 200) {
        winners.approved++;
        expect(final).toMatchObject({ status: 'approved', decidedByUserId: approver.id });
        expect(active?.id).toBe(approve.json().participant.id);
        expect(audit.map((e) => e.eventType)).toEqual(['waiting_room_approved']);
      } else {
        winners.rejected++;
        expect(final).toMatchObject({
          status: 'rejected',
          decidedByUserId: rejecter.id,
          reason: 'race',
        });
        expect(reject.json().entry.status).toBe('rejected');
        expect(active).toBeNull();
        expect(audit.map((e) => e.eventType)).toEqual(['waiting_room_rejected']);
      }
    }
    expect(winners.approved + winners.rejected).toBe(ROUNDS);
  }, 60_000);

  it(`approving 6 knockers into one free place admits one, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // The co-host holds one of two places.
      const roomId = await lobby(2);
      const knockers = await Promise.all(Array.from({ length: 6 }, () => knocker(roomId)));
      const results = await Promise.all(
        knockers.map(({ entry }, n) => decide(n % 2 ? host : coHost, roomId, entry.id, 'approve')),
      );
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok, `round ${round}`).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) {
        expect(r.statusCode).toBe(409);
        expect(errorCode(r)).toBe('ROOM_FULL');
      }
      expect(await storage.countActiveParticipants(roomId)).toBe(2);
      // Everyone refused is still waiting, oldest first.
      const pending = await storage.listPendingEntries(roomId);
      expect(pending).toHaveLength(5);
      expect(pending.map((e) => e.id)).not.toContain(ok[0]?.json().entry.id);
    }
  }, 60_000);
});
