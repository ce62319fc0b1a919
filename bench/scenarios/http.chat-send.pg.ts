import { autocannonPairs, configure, fetchJson } from '../lib/http';
import { createTempDatabase, REDIS_URL } from '../lib/pg';
import type { Scenario } from '../lib/types';

/**
 * `POST /api/v1/rooms/:id/chat/messages` on PostgreSQL (`sequelizeStorage`, a temporary
 * database) with Redis (`redis: {url}`: the event bus publishes every message), every request
 * a new message, vs a bare Fastify route doing one raw `pg` INSERT of the
 * same row (the room's seq bumped in the same statement) and a Redis PUBLISH of the same
 * event. Both write into the same database, room and table.
 */
export const scenario: Scenario = {
  name: 'http.chat-send.pg',
  unit: 'msgs/s',
  kind: 'throughput',
  minRatio: 0.6,
  async run(ctx) {
    const db = await createTempDatabase();
    try {
      const [ours, baseline] = await Promise.all([
        ctx.spawnServer('servers/ours.ts', {
          BENCH_STORAGE: 'pg',
          DATABASE_URL: db.url,
          BENCH_REDIS_URL: REDIS_URL,
          BENCH_USERS: '1',
          BENCH_ROOM: '1',
        }),
        ctx.spawnServer('servers/baseline-http.ts', {
          BENCH_ROUTE: 'chat-pg',
          DATABASE_URL: db.url,
          BENCH_REDIS_URL: REDIS_URL,
        }),
      ]);
      const token = ours.info.users[0].token as string;
      const path = `/api/v1/rooms/${ours.info.roomId}/chat/messages`;
      const { json } = await fetchJson(
        `${ours.url}${path}`,
        { method: 'POST', token, body: { content: 'first', clientMessageId: 'first' } },
        201,
      );
      const message = json as {
        senderParticipantId: string;
        senderUserId: string;
        senderDisplayName: string;
      };
      await configure(baseline, {
        participant: {
          id: message.senderParticipantId,
          userId: message.senderUserId,
          displayName: message.senderDisplayName,
        },
      });
      const load = (url: string) => ({
        url,
        method: 'POST' as const,
        headers: { authorization: `Bearer ${token}` },
        // No clientMessageId: every request is a new message. (autocannon's `[<id>]` body
        // replacement sends a wrong Content-Length when the id is shorter than 33 characters.)
        body: { content: 'Shall we start? A benchmark message.' },
        connections: 32,
      });
      return await autocannonPairs(
        ctx,
        'http.chat-send.pg',
        {
          ours: { server: ours, load: load(`${ours.url}${path}`) },
          baseline: { server: baseline, load: load(`${baseline.url}${path}`) },
        },
        // Longer than the other HTTP runs: a second of a database-bound run is mostly its
        // ramp-up (seen here: the first quick pair of one second each came out lowest).
        ctx.seconds(2, 3),
        // Longer than the other HTTP warm-ups: the connection pools fill, PostgreSQL plans.
        ctx.seconds(3, 3),
      );
    } finally {
      // The servers are stopped by the harness after `run`; drop (FORCE) disconnects them.
      await db.drop();
    }
  },
};
