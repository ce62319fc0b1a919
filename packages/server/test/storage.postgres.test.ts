import { randomUUID } from 'node:crypto';
import { DEFAULT_ROOM_SETTINGS } from '@videoconf/protocol';
import { type Model, type ModelStatic, QueryTypes, Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConferenceError } from '../src/errors';
import { sequelizeStorage } from '../src/storage/sequelize';
import { createMigrator, MIGRATIONS_TABLE } from '../src/storage/sequelize/migrations';
import { defineModels } from '../src/storage/sequelize/models';
import type { Storage } from '../src/storage/types';
import { runStorageConformance } from '../src/testing';
import { createTestDatabase, RACE_POOL, RACE_TIMEOUTS } from './support/postgres';

// One database for this file: created and migrated once, dropped at the end.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let shared: Storage;
/** A plain connection for looking at the catalog. */
let sql: Sequelize;

beforeAll(async () => {
  database = await createTestDatabase();
  // Correctness under load (the races of the conformance suite): see RACE_TIMEOUTS.
  shared = sequelizeStorage({ url: database.url, pool: RACE_POOL, timeouts: RACE_TIMEOUTS });
  await shared.init();
  sql = new Sequelize(database.url, { logging: false });
});

afterAll(async () => {
  await sql?.close();
  await shared?.close();
  await database?.drop();
});

const select = <T extends object>(query: string, bind: unknown[] = []) =>
  sql.query<T>(query, { bind, type: QueryTypes.SELECT });

// The suite asks for a storage before every test and closes it after: every test gets the one
// migrated instance, whose close is left to afterAll. Tests create their own rows, so nothing
// needs cleaning between them.
runStorageConformance(
  'sequelize (postgres)',
  async () => ({ storage: { ...shared, close: async () => {} } }),
  { raceRepeats: Number(process.env.RACE_REPEATS ?? 3) },
);

describe('sequelize storage on PostgreSQL', () => {
  const TABLES = [
    'audit_log',
    'chat_messages',
    'invite_redemptions',
    'invites',
    'livekit_webhook_events',
    'participant_stats',
    'participants',
    'rate_limit_rules',
    'rooms',
    'sessions',
    'user_settings',
    'users',
    'video_profiles',
    'waiting_entries',
  ];

  it('migrations create the tables, and the models match their columns', async () => {
    const tables = await select<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.map((t) => t.name)).toEqual([...TABLES, MIGRATIONS_TABLE].sort());

    const columns = await select<{ table_name: string; column_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public'`,
    );
    const models: ModelStatic<Model>[] = Object.values(defineModels(sql));
    expect(models.map((model) => model.getTableName()).sort()).toEqual(TABLES);
    for (const model of models) {
      const table = model.getTableName() as string;
      const inDatabase = columns
        .filter((c) => c.table_name === table)
        .map((c) => `${c.column_name} ${c.is_nullable === 'YES' ? 'null' : 'not null'}`)
        .sort();
      const inModel = Object.values(model.getAttributes())
        .map((a) => `${a.field} ${a.allowNull === false || a.primaryKey ? 'not null' : 'null'}`)
        .sort();
      expect({ table, columns: inModel }).toEqual({ table, columns: inDatabase });
    }
  });

  it('migrations create the unique constraints and lookup indexes', async () => {
    const indexes = await select<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    );
    const definition = (name: string) => indexes.find((i) => i.indexname === name)?.indexdef;
    const expected: Record<string, RegExp> = {
      users_email_key: /UNIQUE INDEX .* ON public\.users .*lower\(btrim\(email\)\)/,
      users_external_id_key: /UNIQUE INDEX .*\(external_id\) WHERE \(external_id IS NOT NULL\)/,
      sessions_token_hash_key: /UNIQUE INDEX .* ON public\.sessions .*\(token_hash\)/,
      sessions_family_id_idx: /ON public\.sessions .*\(family_id\)/,
      sessions_user_id_idx: /ON public\.sessions .*\(user_id\)/,
      rooms_livekit_room_name_key: /UNIQUE INDEX .*\(livekit_room_name\)/,
      rooms_host_user_id_idx: /ON public\.rooms .*\(host_user_id, created_at DESC, id DESC\)/,
      participants_room_id_user_id_idx: /ON public\.participants .*\(room_id, user_id\)$/,
      participants_active_key: /UNIQUE INDEX .*\(room_id, user_id\) WHERE \(left_at IS NULL\)/,
      waiting_entries_pending_key:
        /UNIQUE INDEX .*\(room_id, user_id\) WHERE \(status = 'pending'::text\)/,
      invites_token_key: /UNIQUE INDEX .* ON public\.invites .*\(token\)/,
      invite_redemptions_invite_id_user_id_key: /UNIQUE INDEX .*\(invite_id, user_id\)/,
      chat_messages_room_id_seq_key: /UNIQUE INDEX .*\(room_id, seq\)/,
      chat_messages_client_message_id_key:
        /UNIQUE INDEX .*\(room_id, sender_user_id, client_message_id\) WHERE \(client_message_id IS NOT NULL\)/,
      audit_log_room_id_event_time_idx:
        /ON public\.audit_log .*\(room_id, event_time DESC, id DESC\)/,
      video_profiles_one_default_key: /UNIQUE INDEX .*\(user_id\) WHERE is_default/,
      livekit_webhook_events_pkey: /UNIQUE INDEX .* ON public\.livekit_webhook_events .*\(id\)/,
      livekit_webhook_events_participant_sid_idx:
        /\(participant_sid, event, created_at DESC\) WHERE \(participant_sid IS NOT NULL\)/,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      expect(definition(name), name).toMatch(pattern);
    }

    const foreignKeys = await select<{ table_name: string; column_name: string; rule: string }>(
      `SELECT kcu.table_name, kcu.column_name, rc.delete_rule AS rule
         FROM information_schema.referential_constraints rc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
        WHERE kcu.table_schema = 'public'`,
    );
    const cascades = foreignKeys
      .map((fk) => `${fk.table_name}.${fk.column_name} ${fk.rule}`)
      .sort();
    expect(cascades).toEqual(
      [
        'chat_messages.room_id CASCADE',
        'invite_redemptions.invite_id CASCADE',
        'invite_redemptions.room_id CASCADE',
        'invite_redemptions.user_id CASCADE',
        'invites.room_id CASCADE',
        'participant_stats.room_id CASCADE',
        'participants.room_id CASCADE',
        'participants.user_id CASCADE',
        'rooms.host_user_id CASCADE',
        'sessions.user_id CASCADE',
        'user_settings.user_id CASCADE',
        'video_profiles.user_id CASCADE',
        'waiting_entries.room_id CASCADE',
        'waiting_entries.user_id CASCADE',
      ].sort(),
    );
    // The audit trail outlives rooms: no foreign key on audit_log.
    expect(foreignKeys.some((fk) => fk.table_name === 'audit_log')).toBe(false);
  });

  it('running init again, on this or another instance, is a no-op', async () => {
    const before = await select<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    expect(before.map((r) => r.name)).toEqual([
      '001-initial',
      '002-livekit-webhooks',
      '003-chat-append',
      '004-chat-post',
    ]);
    await shared.init();
    const second = sequelizeStorage({ url: database.url });
    try {
      await Promise.all([second.init(), second.init()]);
      await second.init();
      await second.ping();
    } finally {
      await second.close();
    }
    expect(await select(`SELECT name FROM ${MIGRATIONS_TABLE}`)).toEqual(before);
  });

  it('migrates a fresh database once when several instances start together', async () => {
    const fresh = await createTestDatabase();
    const instances = Array.from({ length: 4 }, () => sequelizeStorage({ url: fresh.url }));
    try {
      await Promise.all(instances.map((instance) => instance.init()));
      const check = new Sequelize(fresh.url, { logging: false });
      try {
        const applied = await check.query<{ name: string }>(
          `SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY name`,
          { type: QueryTypes.SELECT },
        );
        expect(applied.map((row) => row.name)).toEqual([
          '001-initial',
          '002-livekit-webhooks',
          '003-chat-append',
          '004-chat-post',
        ]);
      } finally {
        await check.close();
      }
      const user = await instances[3]!.createUser({ email: 'a@example.com', displayName: 'A' });
      expect((await instances[0]!.getUser(user.id))?.email).toBe('a@example.com');
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await fresh.drop();
    }
  });

  it('reverts every migration and applies them again', async () => {
    const fresh = await createTestDatabase();
    const db = new Sequelize(fresh.url, { logging: false });
    try {
      const migrator = createMigrator(db);
      await migrator.up();
      const functions = () =>
        db.query<{ proname: string }>(
          "SELECT proname FROM pg_proc WHERE proname LIKE 'videoconf_%' ORDER BY proname",
          { type: QueryTypes.SELECT },
        );
      expect(await functions()).toEqual([{ proname: 'videoconf_post_chat_message' }]);
      // 004 down: 003's function is back, and 003 down then drops it.
      await migrator.down();
      expect((await migrator.executed()).map((m) => m.name).at(-1)).toBe('003-chat-append');
      expect(await functions()).toEqual([{ proname: 'videoconf_append_chat_message' }]);
      await migrator.down({ to: 0 });
      expect(await migrator.executed()).toEqual([]);
      expect(await functions()).toEqual([]);
      await migrator.up();
      const storage = sequelizeStorage({ sequelize: db });
      const user = await storage.createUser({ email: 'again@example.com', displayName: 'Again' });
      expect(await storage.getUser(user.id)).toMatchObject({ email: 'again@example.com' });
    } finally {
      await db.close();
      await fresh.drop();
    }
  });

  it('keeps data across closing and re-opening a storage on the same database', async () => {
    const first = sequelizeStorage({ url: database.url });
    await first.init();
    const user = await first.createUser({
      email: `persist-${randomUUID()}@example.test`,
      displayName: 'Persisted',
    });
    const room = await first.createRoom({
      title: 'Persisted room',
      description: null,
      hostUserId: user.id,
      maxParticipants: 10,
      waitingRoomEnabled: false,
      passwordHash: null,
      scheduledStartAt: null,
      scheduledEndAt: null,
      livekitRoomName: `vc-${randomUUID()}`,
      settings: { ...DEFAULT_ROOM_SETTINGS, chatEnabled: false },
    });
    const posted = {
      roomId: room.id,
      messageType: 'system',
      senderDisplayName: 'Persisted',
      content: 'still here',
      now: '2030-01-01T00:00:00.000Z',
    } as const;
    const { message } = await first.appendMessage({ ...posted, clientMessageId: 'c-1' });
    await first.close();
    await expect(first.ping()).rejects.toThrow();

    const reopened = sequelizeStorage({ url: database.url });
    try {
      await reopened.init();
      expect(await reopened.getUser(user.id)).toEqual(user);
      expect(await reopened.getRoom(room.id)).toEqual(room);
      expect(await reopened.getMessage(message.id)).toEqual(message);
      expect(await reopened.lastSeq(room.id)).toBe(1);
      const next = await reopened.appendMessage({ ...posted, clientMessageId: 'c-2' });
      expect(next.message.seq).toBe(2);
    } finally {
      await reopened.close();
    }
  });

  it('leaves a Sequelize instance it was given open', async () => {
    const given = new Sequelize(database.url, { logging: false });
    try {
      const storage = sequelizeStorage({ sequelize: given });
      await storage.init();
      await storage.ping();
      expect(storage.name).toBe('sequelize');
      await storage.close();
      expect(await given.query('SELECT 1 AS one', { type: QueryTypes.SELECT })).toEqual([
        { one: 1 },
      ]);
    } finally {
      await given.close();
    }
  });

  it('turns bad input into ConferenceError codes, never a raw database error', async () => {
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (isConferenceError(error) ? error.code : `raw: ${String(error)}`),
      );
    const host = await shared.createUser({
      email: `bad-${randomUUID()}@example.test`,
      displayName: 'Host',
    });
    const roomInput = {
      title: 'Bad input',
      description: null,
      maxParticipants: 10,
      waitingRoomEnabled: false,
      passwordHash: null,
      scheduledStartAt: null,
      scheduledEndAt: null,
      settings: { ...DEFAULT_ROOM_SETTINGS },
    };
    // Ids that are not UUIDs cannot exist: reads answer as for an unknown id.
    expect(await shared.getUser('not-a-uuid')).toBeNull();
    expect(await shared.getRoom('42')).toBeNull();
    expect(await shared.listActiveParticipants('x')).toEqual([]);
    expect(await shared.lastSeq('x')).toBe(0);
    expect(
      await codeOf(
        shared.admitParticipant({
          roomId: 'x',
          userId: host.id,
          displayName: 'A',
          role: 'participant',
          enforceCapacity: true,
          now: '2030-01-01T00:00:00.000Z',
        }),
      ),
    ).toBe('ROOM_NOT_FOUND');
    expect(
      await codeOf(
        shared.decideWaitingEntry({
          entryId: 'x',
          decision: 'approved',
          decidedByUserId: host.id,
          reason: null,
          now: '2030-01-01T00:00:00.000Z',
        }),
      ),
    ).toBe('ENTRY_NOT_FOUND');
    // Missing rows behind a foreign key.
    expect(
      await codeOf(
        shared.createRoom({
          ...roomInput,
          hostUserId: randomUUID(),
          livekitRoomName: `vc-${randomUUID()}`,
        }),
      ),
    ).toBe('USER_NOT_FOUND');
    expect(
      await codeOf(
        shared.createInvite({
          roomId: randomUUID(),
          token: `tok_${randomUUID()}`,
          label: null,
          expiresAt: null,
          maxUses: null,
          createdByUserId: host.id,
        }),
      ),
    ).toBe('ROOM_NOT_FOUND');
    expect(
      await codeOf(
        shared.requestWaitingEntry({
          roomId: randomUUID(),
          userId: host.id,
          displayName: 'W',
          now: '2030-01-01T00:00:00.000Z',
        }),
      ),
    ).toBe('ROOM_NOT_FOUND');
    expect(
      await codeOf(
        shared.appendMessage({
          roomId: randomUUID(),
          messageType: 'system',
          senderDisplayName: 'A',
          content: 'x',
          clientMessageId: null,
          now: '2030-01-01T00:00:00.000Z',
        }),
      ),
    ).toBe('ROOM_NOT_FOUND');
    // Values the columns cannot hold.
    const room = await shared.createRoom({
      ...roomInput,
      hostUserId: host.id,
      livekitRoomName: `vc-${randomUUID()}`,
    });
    expect(await codeOf(shared.updateRoom(room.id, { maxParticipants: 2 ** 40 }))).toBe(
      'VALIDATION_ERROR',
    );
    expect(
      await codeOf(
        shared.createSession({
          userId: 'not-a-uuid',
          familyId: 'f',
          tokenHash: `h-${randomUUID()}`,
          ipAddress: null,
          userAgent: null,
          expiresAt: '2030-01-01T00:00:00.000Z',
        }),
      ),
    ).toBe('VALIDATION_ERROR');
    expect(await codeOf(shared.updateRoom(room.id, { scheduledStartAt: 'not a date' }))).toBe(
      'VALIDATION_ERROR',
    );
    // A room name LiveKit already knows is a conflict, not a 500.
    expect(
      await codeOf(
        shared.createRoom({
          ...roomInput,
          hostUserId: host.id,
          livekitRoomName: room.livekitRoomName,
        }),
      ),
    ).toBe('CONFLICT');
  });
});
