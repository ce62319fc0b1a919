/**
 * The HTTP baselines: a bare `Fastify()` (no plugins, no hooks, no schemas, no auth) with one
 * route, from the same fastify the server uses. A handler returns an object, which Fastify
 * serialises with JSON.stringify on every request.
 *
 * BENCH_ROUTE  me           GET  /api/v1/users/me               returns the configured body
 *              media-token  POST /api/v1/rooms/:id/media/token  returns the configured body
 *              chat-pg      POST /api/v1/rooms/:id/chat/messages: one raw `pg` INSERT of the
 *                           row our storage writes (the seq bumped on the room in the same
 *                           statement), then a Redis PUBLISH of the same event envelope
 * BENCH_BODY   the JSON to answer (me, media-token), or later by `{"cmd":"configure","body":…}`
 * For chat-pg: DATABASE_URL, BENCH_REDIS_URL, BENCH_PG_POOL (default 10, as sequelizeStorage),
 * and the sender's participant (`{id, userId, displayName}`) in BENCH_PARTICIPANT or by
 * `{"cmd":"configure","participant":…}`.
 */
import { randomUUID } from 'node:crypto';
import { importFromServer } from '../lib/deps';
import { intEnv, serve } from '../lib/serve';

// biome-ignore lint/suspicious/noExplicitAny: fastify is loaded from packages/server untyped
type Any = any;

const env = process.env;
const Fastify = await importFromServer<Any>('fastify');
const app = Fastify({ logger: false });
const closers: Array<() => Promise<unknown>> = [];
/** Set before the load by `{"cmd":"configure",...}` (so the server can start with ours). */
const config: {
  body: unknown;
  participant: { id: string; userId: string; displayName: string };
} = {
  body: env.BENCH_BODY ? JSON.parse(env.BENCH_BODY) : {},
  participant: env.BENCH_PARTICIPANT
    ? JSON.parse(env.BENCH_PARTICIPANT)
    : { id: '', userId: '', displayName: '' },
};

switch (env.BENCH_ROUTE) {
  case 'me': {
    app.get('/api/v1/users/me', async () => config.body);
    break;
  }
  case 'media-token': {
    app.post('/api/v1/rooms/:id/media/token', async () => config.body);
    break;
  }
  case 'chat-pg': {
    const pg = await importFromServer<Any>('pg');
    const ioredis = await importFromServer<Any>('ioredis');
    const Redis = ioredis.Redis ?? ioredis;
    const pool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: intEnv('BENCH_PG_POOL', 10),
    });
    const redis = new Redis(env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
    closers.push(
      () => pool.end(),
      async () => redis.disconnect(),
    );
    const insert = `WITH bumped AS (
        UPDATE rooms SET last_chat_seq = last_chat_seq + 1 WHERE id = $2 RETURNING last_chat_seq
      )
      INSERT INTO chat_messages (id, room_id, seq, sender_participant_id, sender_user_id,
        sender_display_name, message_type, content, client_message_id, created_at)
      SELECT $1, $2, bumped.last_chat_seq, $3, $4, $5, 'user', $6, $7, $8 FROM bumped
      RETURNING seq`;
    app.post('/api/v1/rooms/:id/chat/messages', async (request: Any, reply: Any) => {
      const sender = config.participant;
      const roomId = request.params.id as string;
      const { content, clientMessageId } = request.body as {
        content: string;
        clientMessageId?: string;
      };
      const id = randomUUID();
      const createdAt = new Date().toISOString();
      const result = await pool.query(insert, [
        id,
        roomId,
        sender.id,
        sender.userId,
        sender.displayName,
        content,
        clientMessageId ?? null,
        createdAt,
      ]);
      const message = {
        id,
        roomId,
        seq: result.rows[0].seq,
        senderParticipantId: sender.id,
        senderUserId: sender.userId,
        senderDisplayName: sender.displayName,
        messageType: 'user',
        content,
        createdAt,
        editedAt: null,
        deletedAt: null,
      };
      await redis.publish(
        `bench-baseline:room:${roomId}`,
        JSON.stringify({ type: 'chat.message', roomId, at: createdAt, data: { message } }),
      );
      return reply.status(201).send(message);
    });
    break;
  }
  default:
    throw new Error(`unknown BENCH_ROUTE ${env.BENCH_ROUTE}`);
}

await app.listen({ port: intEnv('PORT', 0), host: '127.0.0.1' });
serve({
  port: app.server.address().port,
  commands: {
    configure: (message) => {
      if (message.body !== undefined) config.body = message.body;
      if (message.participant !== undefined) config.participant = message.participant;
      return {};
    },
  },
  close: async () => {
    await app.close();
    for (const close of closers) await close();
  },
});
