import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { memoryStorage } from '../src/storage/memory';
import { sequelizeStorage } from '../src/storage/sequelize/index';
import type { Storage } from '../src/storage/types';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';
import { createTestDatabase, RACE_POOL, RACE_TIMEOUTS } from './support/postgres';

/**
 * Races over HTTP: capacity under simultaneous joins, and kick against rejoin. On PostgreSQL
 * each race is repeated 20 times (the storage admits under a row lock on the room); the memory
 * adapter runs them a few times as a check of the same rules.
 */

const JOINERS = 200;
const PLACES = 50;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pg: Storage;
beforeAll(async () => {
  db = await createTestDatabase();
  // Correctness under load: the suite runs several files at once, and 200 joins queueing on one
  // row lock can wait past the production lock_timeout (5 s), which answers 503 by design.
  pg = sequelizeStorage({ url: db.url, pool: RACE_POOL, timeouts: RACE_TIMEOUTS });
  await pg.init();
});
afterAll(async () => {
  await pg?.close();
  await db?.drop();
});

describe.each([
  ['memory', () => memoryStorage(), 3],
  ['postgres', () => pg, 20],
])('room races over HTTP on %s storage', (_name, storage, rounds) => {
  let app: App;
  let host: QuickUser;
  let users: QuickUser[];
  beforeAll(async () => {
    app = testServer({ storage: storage() });
    host = await quickUser(app, { displayName: 'Host' });
    users = [];
    // Sequential creation keeps the pool free for the races; users are reused by every round.
    for (let i = 0; i < JOINERS; i += 1) users.push(await quickUser(app, { displayName: `U${i}` }));
  });
  afterAll(() => app?.close());

  const post = (user: QuickUser, url: string, payload?: object) =>
    app.inject({
      method: 'POST',
      url: `/api/v1${url}`,
      headers: user.auth,
      ...(payload !== undefined && { payload }),
    });
  const createRoom = async (body: object) => {
    const res = await post(host, '/rooms', { title: 'Race', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  it(`admits exactly ${PLACES} of ${JOINERS} simultaneous joins, ${rounds} times`, async () => {
    const started = Date.now();
    for (let round = 0; round < rounds; round += 1) {
      const roomId = await createRoom({ maxParticipants: PLACES });
      const answers = await Promise.all(users.map((user) => post(user, `/rooms/${roomId}/join`)));
      const admitted = answers.filter((res) => res.statusCode === 200);
      const refused = answers.filter((res) => res.statusCode !== 200);
      expect(admitted, `round ${round}`).toHaveLength(PLACES);
      expect(refused).toHaveLength(JOINERS - PLACES);
      for (const res of refused) {
        expect(res.statusCode).toBe(409);
        expect(errorCode(res)).toBe('ROOM_FULL');
      }
      const ids = new Set(admitted.map((res) => res.json().participant.id));
      expect(ids.size).toBe(PLACES);

      const list = await app.inject({
        method: 'GET',
        url: `/api/v1/rooms/${roomId}/participants`,
        headers: host.auth,
      });
      expect(list.json().items).toHaveLength(PLACES);
      expect(new Set(list.json().items.map((p: { id: string }) => p.id))).toEqual(ids);
      const room = await app.videoconf.storage.getRoom(roomId);
      expect(room?.status).toBe('active');
      // Everyone admitted once: the room_joined audit entries match.
      const joinedEvents = (await app.videoconf.storage.listAudit({ roomId, limit: 500 })).filter(
        (e) => e.eventType === 'room_joined',
      );
      expect(joinedEvents).toHaveLength(PLACES);
    }
    console.info(
      `[race] ${_name}: ${rounds} rounds of ${JOINERS} joins in ${Date.now() - started} ms`,
    );
  }, 120_000);

  it(`never leaves a kicked user active when kick and rejoin race, ${rounds} times`, async () => {
    const started = Date.now();
    const roomId = await createRoom({});
    for (let round = 0; round < rounds; round += 1) {
      const user = users[round] as QuickUser;
      const first = await post(user, `/rooms/${roomId}/join`);
      expect(first.statusCode, first.body).toBe(200);
      const participantId = first.json().participant.id;

      const [kick, rejoin] = await Promise.all([
        post(host, `/rooms/${roomId}/participants/${participantId}/kick`, { reason: 'race' }),
        post(user, `/rooms/${roomId}/join`),
      ]);
      expect(kick.statusCode, kick.body).toBe(204);
      // The rejoin either came first (the same, still active participant, kicked right after)
      // or after the kick (refused).
      if (rejoin.statusCode === 200) {
        expect(rejoin.json().participant.id).toBe(participantId);
      } else {
        expect(rejoin.statusCode).toBe(403);
        expect(errorCode(rejoin)).toBe('PARTICIPANT_KICKED');
      }
      expect(await app.videoconf.storage.findActiveParticipant(roomId, user.id)).toBeNull();
      const later = await post(user, `/rooms/${roomId}/join`);
      expect(later.statusCode).toBe(403);
      expect(errorCode(later)).toBe('PARTICIPANT_KICKED');
    }
    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/rooms/${roomId}/participants`,
      headers: host.auth,
    });
    expect(list.json().items).toEqual([]);
    console.info(`[race] ${_name}: ${rounds} kick/rejoin rounds in ${Date.now() - started} ms`);
  }, 60_000);

  it(`never leaves a kicked user active when kick races a leave-and-rejoin, ${rounds} times`, async () => {
    const roomId = await createRoom({});
    for (let round = 0; round < rounds; round += 1) {
      const user = users[JOINERS - 1 - round] as QuickUser;
      const first = await post(user, `/rooms/${roomId}/join`);
      const participantId = first.json().participant.id;
      // The user leaves and joins again while the host kicks the first participant.
      const [kick] = await Promise.all([
        post(host, `/rooms/${roomId}/participants/${participantId}/kick`),
        (async () => {
          await post(user, `/rooms/${roomId}/leave`);
          return post(user, `/rooms/${roomId}/join`);
        })(),
      ]);
      const active = await app.videoconf.storage.findActiveParticipant(roomId, user.id);
      if (kick.statusCode === 204) {
        // Kicked while still in: no way back.
        expect(active).toBeNull();
        expect(errorCode(await post(user, `/rooms/${roomId}/join`))).toBe('PARTICIPANT_KICKED');
      } else {
        // The participant had already left: the kick found nobody, the new one stays.
        expect(kick.statusCode).toBe(404);
        expect(errorCode(kick)).toBe('PARTICIPANT_NOT_FOUND');
        expect(active?.id).not.toBe(participantId);
      }
    }
  });
});
