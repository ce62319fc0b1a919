import { randomUUID } from 'node:crypto';
import type {
  AuditEntry,
  ChatMessage,
  Invite,
  Participant,
  RateLimitRule,
  StatsSample,
  UserSettings,
  VideoProfile,
  WaitingEntry,
} from '@videoconf/protocol';
import {
  type Attributes,
  col,
  DatabaseError,
  ForeignKeyConstraintError,
  fn,
  type Model,
  type ModelStatic,
  Op,
  QueryTypes,
  Sequelize,
  where as sqlWhere,
  Transaction,
  UniqueConstraintError,
  ValidationError,
} from 'sequelize';
import { ConferenceError } from '../../errors';
import { ROOM_PATCH_KEYS, RULE_KEYS, SETTINGS_KEYS, USER_PATCH_KEYS } from '../keys';
import type {
  AdmitInput,
  AdmitResult,
  NewUser,
  ParticipantStatsRow,
  RoomRecord,
  SessionRecord,
  SessionSuccessor,
  Storage,
  UserRecord,
  WebhookEventRecord,
} from '../types';
import { migrate } from './migrations';
import {
  type AuditRow,
  type ChatMessageRow,
  defineModels,
  type InviteRow,
  type ParticipantRow,
  type RateLimitRuleRow,
  type RoomRow,
  type SessionRow,
  type SettingsRow,
  type StatsRow,
  type UserRow,
  type VideoProfileRow,
  type WaitingEntryRow,
  type WebhookEventRow,
} from './models';

export interface SequelizeStorageOptions {
  /** A `postgres://` URL; the adapter then owns its Sequelize instance and closes it. */
  url?: string;
  /** An existing Sequelize instance (PostgreSQL dialect) shared with the host application. */
  sequelize?: Sequelize;
  /** Logs every SQL statement (`true`: to the console). Off by default. */
  logging?: boolean | ((sql: string) => void);
  /** Connection pool of an instance the adapter creates. */
  pool?: { max?: number };
}

/**
 * The PostgreSQL storage, through Sequelize. `init()` runs the migrations of `./migrations`.
 *
 * The atomic methods of the port are transactions at READ COMMITTED that take explicit row
 * locks: the room row (`SELECT … FOR UPDATE`) serialises admissions, kicks, decisions and chat
 * sequence numbers of one room; the invite row serialises redemptions; a conditional
 * `UPDATE … RETURNING` spends a refresh token exactly once.
 */
export function sequelizeStorage(options: SequelizeStorageOptions): Storage {
  if (!options.sequelize && !options.url) {
    throw new TypeError('sequelizeStorage() needs a `url` or a `sequelize` instance');
  }
  const logging =
    options.logging === true ? (sql: string) => console.log(sql) : (options.logging ?? false);
  const owned = !options.sequelize;
  const sequelize =
    options.sequelize ??
    new Sequelize(options.url as string, {
      dialect: 'postgres',
      logging,
      pool: { max: options.pool?.max ?? 10 },
    });
  const m = defineModels(sequelize);
  let ready: Promise<void> | undefined;

  const tx = <T>(work: (t: Transaction) => Promise<T>): Promise<T> =>
    sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED }, work);

  /** Locks the room row for the rest of the transaction; null when there is no such room. */
  const lockRoom = async (t: Transaction, roomId: string): Promise<RoomRow | null> => {
    const room = await m.Room.findByPk(roomId, { transaction: t, lock: t.LOCK.UPDATE });
    return room && plain(room);
  };

  /** The checks and writes of `admitParticipant`, with the room row already locked. */
  async function admitLocked(
    t: Transaction,
    room: RoomRow,
    input: AdmitInput,
  ): Promise<AdmitResult> {
    const rows = (
      await m.Participant.findAll({
        where: { roomId: room.id, userId: input.userId },
        transaction: t,
      })
    ).map(plain);
    const active = rows.find((p) => p.leftAt === null);
    if (active) return { participant: toParticipant(active), created: false, roomStarted: false };
    if (room.status === 'ended' || room.status === 'cancelled') {
      throw new ConferenceError('ROOM_ENDED');
    }
    if (rows.some((p) => p.isKicked)) throw new ConferenceError('PARTICIPANT_KICKED');
    if (input.enforceCapacity) {
      const count = await m.Participant.count({
        where: { roomId: room.id, leftAt: null },
        transaction: t,
      });
      if (count >= room.maxParticipants) throw new ConferenceError('ROOM_FULL');
    }
    const participant = await m.Participant.create(
      {
        roomId: room.id,
        userId: input.userId,
        displayName: input.displayName,
        role: input.role,
        joinedAt: at(input.now),
      },
      { transaction: t },
    );
    let roomStarted = false;
    if (room.status === 'scheduled') {
      await m.Room.update(
        { status: 'active', actualStartAt: at(input.now), updatedAt: fn('now') },
        { where: { id: room.id }, transaction: t },
      );
      roomStarted = true;
    }
    return { participant: toParticipant(plain(participant)), created: true, roomStarted };
  }

  async function insertUser(input: NewUser, t?: Transaction): Promise<UserRecord> {
    const user = await m.User.create(
      {
        email: input.email,
        displayName: input.displayName,
        passwordHash: input.passwordHash ?? null,
        globalRole: input.globalRole ?? 'user',
        isGuest: input.isGuest ?? false,
        isEmailVerified: input.isEmailVerified ?? false,
        avatarUrl: input.avatarUrl ?? null,
        externalId: input.externalId ?? null,
      },
      { transaction: t },
    );
    return toUser(plain(user));
  }

  const insertSession = async (
    input: SessionSuccessor & Pick<SessionRecord, 'userId' | 'familyId'>,
    createdAt: string | null,
    t?: Transaction,
  ) =>
    toSession(
      plain(
        await m.Session.create(
          {
            userId: input.userId,
            familyId: input.familyId,
            tokenHash: input.tokenHash,
            ipAddress: input.ipAddress,
            userAgent: input.userAgent,
            expiresAt: at(input.expiresAt),
            ...(createdAt === null ? {} : { createdAt: at(createdAt) }),
          },
          { transaction: t },
        ),
      ),
    );

  const insertSettingsIfMissing = (userId: string, defaults: UserSettings, t?: Transaction) =>
    m.Settings.bulkCreate([{ ...pickSettings(defaults), userId }], {
      ignoreDuplicates: true,
      transaction: t,
    });

  /**
   * Every column of a model as its attribute (`"display_name" AS "displayName"`), as finders
   * select; with `alias`, of that table alias and named `alias.attribute`, for joins.
   */
  const columnLists = new Map<string, string>();
  const columnsOf = (model: ModelStatic<Model>, alias?: string): string => {
    const key = `${model.tableName} ${alias ?? ''}`;
    let list = columnLists.get(key);
    if (list === undefined) {
      list = Object.entries(model.getAttributes())
        .map(([name, attribute]) => {
          const field = (attribute as { field?: string }).field ?? name;
          return alias ? `${alias}."${field}" AS "${alias}.${name}"` : `"${field}" AS "${name}"`;
        })
        .join(', ');
      columnLists.set(key, list);
    }
    return list;
  };
  /** The attributes of `alias` in a joined row (see `columnsOf`), or null when they are all null. */
  const unprefix = <R extends object>(row: Record<string, unknown>, alias: string): R | null => {
    const out: Record<string, unknown> = {};
    const prefix = `${alias}.`;
    let found = false;
    for (const key in row) {
      if (!key.startsWith(prefix)) continue;
      const value = row[key];
      if (value !== null) found = true;
      out[key.slice(prefix.length)] = value;
    }
    return found ? (out as R) : null;
  };
  /**
   * One row as a finder's `plain()` gives it, by a raw query: for the reads of every request
   * (the caller, the room, the caller's participant). A `findByPk` costs about 0.3 ms of CPU
   * over the SQL it sends, building options and a model instance (bench `http.chat-send.pg`,
   * docs/benchmarks.md). `where` uses bind parameters only.
   */
  const findRow = async <R extends object>(
    model: ModelStatic<Model>,
    where: string,
    bind: unknown[],
  ): Promise<R | null> => {
    const rows = await sequelize.query<R>(
      `SELECT ${columnsOf(model)} FROM "${model.tableName}" WHERE ${where} LIMIT 1`,
      { bind, type: QueryTypes.SELECT },
    );
    return rows[0] ?? null;
  };

  const storage: Storage = {
    name: 'sequelize',

    init() {
      ready ??= migrate(sequelize).catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
      return ready;
    },

    async ping() {
      await sequelize.query('SELECT 1', { type: QueryTypes.SELECT });
    },

    async close() {
      if (owned) await sequelize.close();
    },

    // Users

    createUser: (input) => insertUser(input),

    async getUser(id) {
      if (!isUuid(id)) return null;
      const user = await findRow<UserRow>(m.User, 'id = $1', [id]);
      return user && toUser(user);
    },

    async getUserByEmail(email) {
      const user = await m.User.findOne({
        where: sqlWhere(fn('lower', fn('btrim', col('email'))), emailKey(email)),
      });
      return user && toUser(plain(user));
    },

    async upsertExternalUser(input) {
      for (let attempt = 0; ; attempt += 1) {
        const existing = await m.User.findOne({ where: { externalId: input.externalId } });
        if (existing) {
          const [, rows] = await m.User.update(
            {
              email: input.email,
              displayName: input.displayName,
              ...(input.avatarUrl === undefined ? {} : { avatarUrl: input.avatarUrl }),
              ...(input.globalRole === undefined ? {} : { globalRole: input.globalRole }),
              updatedAt: fn('now'),
            },
            { where: { id: plain(existing).id }, returning: true },
          );
          if (rows[0]) return toUser(plain(rows[0]));
          continue;
        }
        try {
          return await insertUser({
            email: input.email,
            displayName: input.displayName,
            avatarUrl: input.avatarUrl ?? null,
            globalRole: input.globalRole ?? 'user',
            externalId: input.externalId,
          });
        } catch (error) {
          // Another call created the same external user first: update that one instead.
          if (attempt === 0 && constraintOf(error) === 'users_external_id_key') continue;
          throw error;
        }
      }
    },

    async updateUser(id, patch) {
      if (!isUuid(id)) return null;
      const { lastLoginAt, ...values } = definedOf(patch, USER_PATCH_KEYS);
      const [, rows] = await m.User.update(
        {
          ...values,
          ...(lastLoginAt === undefined ? {} : { lastLoginAt: atOrNull(lastLoginAt) }),
          updatedAt: fn('now'),
        },
        { where: { id }, returning: true },
      );
      return rows[0] ? toUser(plain(rows[0])) : null;
    },

    // Sessions

    createSession: (input) => insertSession(input, null),

    async getSessionByHash(tokenHash) {
      const session = await m.Session.findOne({ where: { tokenHash } });
      return session && toSession(plain(session));
    },

    rotateSession(tokenHash, next, now) {
      return tx(async (t) => {
        // Exactly one concurrent caller matches: the others wait for its row lock, then see
        // rotated_at set and update nothing.
        const [, spent] = await m.Session.update(
          { rotatedAt: at(now) },
          {
            where: { tokenHash, rotatedAt: null, revokedAt: null, expiresAt: { [Op.gt]: at(now) } },
            returning: true,
            transaction: t,
          },
        );
        if (spent[0]) {
          const previous = toSession(plain(spent[0]));
          const session = await insertSession(
            { ...next, userId: previous.userId, familyId: previous.familyId },
            now,
            t,
          );
          return { status: 'rotated', previous, session };
        }
        const row = await m.Session.findOne({ where: { tokenHash }, transaction: t });
        if (!row) return { status: 'unknown' };
        const previous = toSession(plain(row));
        if (previous.revokedAt !== null || previous.rotatedAt !== null) {
          return { status: 'reused', previous };
        }
        return { status: 'expired', previous };
      });
    },

    async revokeSession(tokenHash, now) {
      const [count] = await m.Session.update(
        { revokedAt: at(now) },
        {
          where: { tokenHash, rotatedAt: null, revokedAt: null, expiresAt: { [Op.gt]: at(now) } },
        },
      );
      return count > 0;
    },

    async revokeSessionFamily(familyId, now) {
      const [count] = await m.Session.update(
        { revokedAt: at(now) },
        { where: { familyId, revokedAt: null } },
      );
      return count;
    },

    async revokeUserSessions(userId, now) {
      if (!isUuid(userId)) return 0;
      const [count] = await m.Session.update(
        { revokedAt: at(now) },
        { where: { userId, revokedAt: null } },
      );
      return count;
    },

    // Settings and video profiles

    async getOrCreateSettings(userId, defaults) {
      // ON CONFLICT DO NOTHING, then read: two first reads at once both end with one row.
      await insertSettingsIfMissing(userId, defaults);
      const row = await m.Settings.findByPk(userId);
      if (!row) throw new ConferenceError('USER_NOT_FOUND');
      return toSettings(plain(row));
    },

    updateSettings(userId, patch, defaults) {
      return tx(async (t) => {
        await insertSettingsIfMissing(userId, defaults, t);
        const [, rows] = await m.Settings.update(
          { ...definedOf(patch, SETTINGS_KEYS), updatedAt: fn('now') },
          { where: { userId }, returning: true, transaction: t },
        );
        if (!rows[0]) throw new ConferenceError('USER_NOT_FOUND');
        return toSettings(plain(rows[0]));
      });
    },

    async listVideoProfiles(userId) {
      if (!isUuid(userId)) return [];
      const rows = await m.VideoProfile.findAll({
        where: { userId },
        order: [
          ['createdAt', 'ASC'],
          ['id', 'ASC'],
        ],
      });
      return rows.map((row) => toProfile(plain(row)));
    },

    createVideoProfile(userId, input) {
      return tx(async (t) => {
        if (input.isDefault) {
          // Serialises default changes of one user (the partial unique index allows one default).
          await sequelize.query('SELECT pg_advisory_xact_lock(hashtext($1))', {
            bind: [`video_profiles:${userId}`],
            type: QueryTypes.SELECT,
            transaction: t,
          });
          await m.VideoProfile.update(
            { isDefault: false },
            { where: { userId, isDefault: true }, transaction: t },
          );
        }
        const row = await m.VideoProfile.create(
          {
            userId,
            name: input.name,
            backgroundType: input.backgroundType,
            backgroundImageUrl: input.backgroundImageUrl,
            noiseSuppressionLevel: input.noiseSuppressionLevel,
            isDefault: input.isDefault,
          },
          { transaction: t },
        );
        return toProfile(plain(row));
      });
    },

    async deleteVideoProfile(userId, profileId) {
      if (!isUuid(userId) || !isUuid(profileId)) return false;
      return (await m.VideoProfile.destroy({ where: { id: profileId, userId } })) > 0;
    },

    // Rooms

    async createRoom(input) {
      const room = await m.Room.create({
        title: input.title,
        description: input.description,
        hostUserId: input.hostUserId,
        maxParticipants: input.maxParticipants,
        waitingRoomEnabled: input.waitingRoomEnabled,
        passwordHash: input.passwordHash,
        scheduledStartAt: atOrNull(input.scheduledStartAt),
        scheduledEndAt: atOrNull(input.scheduledEndAt),
        livekitRoomName: input.livekitRoomName,
        settings: input.settings,
      });
      return toRoom(plain(room));
    },

    async getRoom(id) {
      if (!isUuid(id)) return null;
      const room = await findRow<RoomRow>(m.Room, 'id = $1', [id]);
      return room && toRoom(room);
    },

    async getRoomWithParticipant(roomId, userId) {
      if (!isUuid(roomId)) return null;
      if (!isUuid(userId)) {
        const room = await findRow<RoomRow>(m.Room, 'id = $1', [roomId]);
        return room && { room: toRoom(room), participant: null };
      }
      // At most one active participant per user and room (participants_active_key).
      const [row] = await sequelize.query<Record<string, unknown>>(
        `SELECT ${columnsOf(m.Room, 'r')}, ${columnsOf(m.Participant, 'p')}
          FROM "${m.Room.tableName}" r
          LEFT JOIN "${m.Participant.tableName}" p
            ON p.room_id = r.id AND p.user_id = $2 AND p.left_at IS NULL
          WHERE r.id = $1 LIMIT 1`,
        { bind: [roomId, userId], type: QueryTypes.SELECT },
      );
      if (!row) return null;
      const participant = unprefix<ParticipantRow>(row, 'p');
      return {
        room: toRoom(unprefix<RoomRow>(row, 'r')!),
        participant: participant && toParticipant(participant),
      };
    },

    async getRoomByLivekitName(name) {
      const room = await m.Room.findOne({ where: { livekitRoomName: name } });
      return room && toRoom(plain(room));
    },

    async listRoomsByHost(hostUserId, page) {
      if (!isUuid(hostUserId)) return { items: [], total: 0 };
      const where = { hostUserId };
      const limit = Math.max(0, Math.floor(page.limit));
      const [total, rows] = await Promise.all([
        m.Room.count({ where }),
        limit === 0
          ? []
          : m.Room.findAll({
              where,
              order: [
                ['createdAt', 'DESC'],
                ['id', 'DESC'],
              ],
              limit,
              offset: Math.max(0, Math.floor(page.offset)),
            }),
      ]);
      return { items: rows.map((row) => toRoom(plain(row))), total };
    },

    async updateRoom(id, patch) {
      if (!isUuid(id)) return null;
      const { scheduledStartAt, scheduledEndAt, ...values } = definedOf(patch, ROOM_PATCH_KEYS);
      const [, rows] = await m.Room.update(
        {
          ...values,
          ...(scheduledStartAt === undefined
            ? {}
            : { scheduledStartAt: atOrNull(scheduledStartAt) }),
          ...(scheduledEndAt === undefined ? {} : { scheduledEndAt: atOrNull(scheduledEndAt) }),
          updatedAt: fn('now'),
        },
        { where: { id }, returning: true },
      );
      return rows[0] ? toRoom(plain(rows[0])) : null;
    },

    async deleteRoom(id) {
      if (!isUuid(id)) return false;
      // Participants, entries, invites, redemptions, messages and stats go by ON DELETE CASCADE.
      return (await m.Room.destroy({ where: { id } })) > 0;
    },

    async endRoom(id, now, reason) {
      if (!isUuid(id)) return null;
      return tx(async (t) => {
        let room = await lockRoom(t, id);
        if (!room) return null;
        if (room.status !== 'ended') {
          const [, rows] = await m.Room.update(
            { status: 'ended', actualEndAt: at(now), updatedAt: fn('now') },
            { where: { id }, returning: true, transaction: t },
          );
          room = rows[0] ? plain(rows[0]) : room;
        }
        const [, left] = await m.Participant.update(
          { leftAt: at(now), leaveReason: reason },
          { where: { roomId: id, leftAt: null }, returning: true, transaction: t },
        );
        const [, expired] = await m.WaitingEntry.update(
          { status: 'expired', decidedAt: at(now) },
          { where: { roomId: id, status: 'pending' }, returning: true, transaction: t },
        );
        return {
          room: toRoom(room),
          participants: left.map(plain).sort(byInsertion).map(toParticipant),
          entries: expired.map(plain).sort(byInsertion).map(toEntry),
        };
      });
    },

    // Participants

    async admitParticipant(input) {
      if (!isUuid(input.roomId)) throw new ConferenceError('ROOM_NOT_FOUND');
      return tx(async (t) => {
        const room = await lockRoom(t, input.roomId);
        if (!room) throw new ConferenceError('ROOM_NOT_FOUND');
        return admitLocked(t, room, input);
      });
    },

    async getParticipant(id) {
      if (!isUuid(id)) return null;
      const row = await m.Participant.findByPk(id);
      return row && toParticipant(plain(row));
    },

    async findActiveParticipant(roomId, userId) {
      if (!isUuid(roomId) || !isUuid(userId)) return null;
      const row = await findRow<ParticipantRow>(
        m.Participant,
        'room_id = $1 AND user_id = $2 AND left_at IS NULL',
        [roomId, userId],
      );
      return row && toParticipant(row);
    },

    async listActiveParticipants(roomId) {
      if (!isUuid(roomId)) return [];
      const rows = await m.Participant.findAll({
        where: { roomId, leftAt: null },
        order: [
          ['createdAt', 'ASC'],
          ['id', 'ASC'],
        ],
      });
      return rows.map((row) => toParticipant(plain(row)));
    },

    async countActiveParticipants(roomId) {
      if (!isUuid(roomId)) return 0;
      return m.Participant.count({ where: { roomId, leftAt: null } });
    },

    async hasBeenKicked(roomId, userId) {
      if (!isUuid(roomId) || !isUuid(userId)) return false;
      return (await m.Participant.count({ where: { roomId, userId, isKicked: true } })) > 0;
    },

    async leaveParticipant(id, reason, now) {
      if (!isUuid(id)) return null;
      const [, rows] = await m.Participant.update(
        { leftAt: at(now), leaveReason: reason },
        { where: { id, leftAt: null }, returning: true },
      );
      return rows[0] ? toParticipant(plain(rows[0])) : null;
    },

    // `reason` is the moderator's free text, kept by the caller for the audit log.
    async kickParticipant(id, _reason, now) {
      if (!isUuid(id)) return null;
      const found = await m.Participant.findByPk(id);
      if (!found) return null;
      return tx(async (t) => {
        await lockRoom(t, plain(found).roomId);
        const [, rows] = await m.Participant.update(
          { isKicked: true, leftAt: at(now), leaveReason: 'kicked' },
          { where: { id, leftAt: null }, returning: true, transaction: t },
        );
        return rows[0] ? toParticipant(plain(rows[0])) : null;
      });
    },

    async setParticipantRole(id, role) {
      if (!isUuid(id)) return null;
      const [, rows] = await m.Participant.update({ role }, { where: { id }, returning: true });
      return rows[0] ? toParticipant(plain(rows[0])) : null;
    },

    async setParticipantLivekitSid(id, sid) {
      if (!isUuid(id)) return null;
      const [, rows] = await m.Participant.update(
        { livekitSid: sid },
        { where: { id }, returning: true },
      );
      return rows[0] ? toParticipant(plain(rows[0])) : null;
    },

    // Waiting room

    async requestWaitingEntry(input) {
      if (!isUuid(input.roomId)) throw new ConferenceError('ROOM_NOT_FOUND');
      const where = { roomId: input.roomId, userId: input.userId, status: 'pending' as const };
      // The partial unique index (room_id, user_id) WHERE status = 'pending' makes the insert a
      // no-op when a pending entry exists; the loop covers that entry being decided in between.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const existing = await m.WaitingEntry.findOne({ where });
        if (existing) return { entry: toEntry(plain(existing)), created: false };
        const [candidate] = await m.WaitingEntry.bulkCreate(
          [
            {
              roomId: input.roomId,
              userId: input.userId,
              displayName: input.displayName,
              requestedAt: at(input.now),
            },
          ],
          { ignoreDuplicates: true },
        );
        const row = await m.WaitingEntry.findOne({ where });
        if (row) {
          const entry = toEntry(plain(row));
          return { entry, created: candidate !== undefined && entry.id === plain(candidate).id };
        }
      }
      throw new ConferenceError('CONFLICT');
    },

    async getWaitingEntry(id) {
      if (!isUuid(id)) return null;
      const row = await m.WaitingEntry.findByPk(id);
      return row && toEntry(plain(row));
    },

    async findPendingEntry(roomId, userId) {
      if (!isUuid(roomId) || !isUuid(userId)) return null;
      const row = await m.WaitingEntry.findOne({ where: { roomId, userId, status: 'pending' } });
      return row && toEntry(plain(row));
    },

    async listPendingEntries(roomId) {
      if (!isUuid(roomId)) return [];
      const rows = await m.WaitingEntry.findAll({
        where: { roomId, status: 'pending' },
        order: [
          ['requestedAt', 'ASC'],
          ['id', 'ASC'],
        ],
      });
      return rows.map((row) => toEntry(plain(row)));
    },

    async decideWaitingEntry(input) {
      if (!isUuid(input.entryId)) throw new ConferenceError('ENTRY_NOT_FOUND');
      const found = await m.WaitingEntry.findByPk(input.entryId);
      if (!found) throw new ConferenceError('ENTRY_NOT_FOUND');
      return tx(async (t) => {
        // Room first, then the entry: the same order as every other writer of the room.
        const room = await lockRoom(t, plain(found).roomId);
        const locked = await m.WaitingEntry.findByPk(input.entryId, {
          transaction: t,
          lock: t.LOCK.UPDATE,
        });
        if (!room || !locked) throw new ConferenceError('ENTRY_NOT_FOUND');
        const entry = plain(locked);
        if (entry.status !== 'pending') throw new ConferenceError('ENTRY_NOT_PENDING');
        let participant: Participant | null = null;
        let roomStarted = false;
        if (input.decision === 'approved') {
          // Throws (ROOM_FULL, ROOM_ENDED, PARTICIPANT_KICKED) before the entry is touched.
          const admitted = await admitLocked(t, room, {
            roomId: room.id,
            userId: entry.userId,
            displayName: entry.displayName,
            role: 'participant',
            enforceCapacity: true,
            now: input.now,
          });
          participant = admitted.participant;
          roomStarted = admitted.roomStarted;
        }
        const [, rows] = await m.WaitingEntry.update(
          {
            status: input.decision,
            decidedAt: at(input.now),
            decidedByUserId: input.decidedByUserId,
            reason: input.reason,
          },
          { where: { id: entry.id }, returning: true, transaction: t },
        );
        const decided = rows[0] ? plain(rows[0]) : entry;
        return { entry: toEntry(decided), participant, roomStarted };
      });
    },

    // Invites

    async createInvite(input) {
      if (!isUuid(input.roomId)) throw new ConferenceError('ROOM_NOT_FOUND');
      const row = await m.Invite.create({
        roomId: input.roomId,
        token: input.token,
        label: input.label,
        expiresAt: atOrNull(input.expiresAt),
        maxUses: input.maxUses,
        createdByUserId: input.createdByUserId,
      });
      return toInvite(plain(row));
    },

    async getInvite(id) {
      if (!isUuid(id)) return null;
      const row = await m.Invite.findOne({ where: { id, revokedAt: null } });
      return row && toInvite(plain(row));
    },

    async listInvites(roomId) {
      if (!isUuid(roomId)) return [];
      const rows = await m.Invite.findAll({
        where: { roomId, revokedAt: null },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
      });
      return rows.map((row) => toInvite(plain(row)));
    },

    async revokeInvite(id, now) {
      if (!isUuid(id)) return false;
      const [count] = await m.Invite.update(
        { revokedAt: at(now) },
        { where: { id, revokedAt: null } },
      );
      return count > 0;
    },

    redeemInvite(input) {
      return tx(async (t) => {
        const locked = await m.Invite.findOne({
          where: { token: input.token },
          transaction: t,
          lock: t.LOCK.UPDATE,
        });
        if (!locked || plain(locked).revokedAt !== null) {
          throw new ConferenceError('INVITE_NOT_FOUND');
        }
        const invite = plain(locked);
        if (invite.expiresAt !== null && invite.expiresAt.getTime() <= at(input.now).getTime()) {
          throw new ConferenceError('INVITE_EXPIRED');
        }
        const room = await m.Room.findByPk(invite.roomId, {
          transaction: t,
          attributes: ['status'],
        });
        const status = room ? plain(room).status : null;
        if (status === null || status === 'ended' || status === 'cancelled') {
          throw new ConferenceError('ROOM_ENDED');
        }
        let user: UserRecord | null = null;
        if (input.userId !== undefined) {
          const row = isUuid(input.userId)
            ? await m.User.findByPk(input.userId, { transaction: t })
            : null;
          if (!row) throw new ConferenceError('USER_NOT_FOUND');
          user = toUser(plain(row));
          const again = await m.Redemption.count({
            where: { inviteId: invite.id, userId: user.id },
            transaction: t,
          });
          if (again > 0) return { invite: toInvite(invite), user, firstUse: false };
        } else if (!input.guest) {
          throw new TypeError('redeemInvite needs a userId or a guest');
        }
        if (invite.maxUses !== null && invite.usedCount >= invite.maxUses) {
          throw new ConferenceError('INVITE_EXHAUSTED');
        }
        if (!user && input.guest) user = await insertUser(input.guest, t);
        if (!user) throw new TypeError('redeemInvite needs a userId or a guest');
        await m.Redemption.create(
          {
            inviteId: invite.id,
            roomId: invite.roomId,
            userId: user.id,
            redeemedAt: at(input.now),
          },
          { transaction: t },
        );
        const [, rows] = await m.Invite.update(
          { usedCount: invite.usedCount + 1 },
          { where: { id: invite.id }, returning: true, transaction: t },
        );
        return { invite: toInvite(rows[0] ? plain(rows[0]) : invite), user, firstUse: true };
      });
    },

    async hasRedeemedInvite(roomId, userId) {
      if (!isUuid(roomId) || !isUuid(userId)) return false;
      return (await m.Redemption.count({ where: { roomId, userId } })) > 0;
    },

    // Chat

    async appendMessage(input) {
      if (!isUuid(input.roomId)) throw new ConferenceError('ROOM_NOT_FOUND');
      const user = input.messageType === 'user';
      // An id that is no UUID belongs to nobody: the function then refuses it as it refuses a
      // stranger, after the room's own refusals.
      const senderUserId = user
        ? isUuid(input.senderUserId)
          ? input.senderUserId
          : NIL_UUID
        : null;
      const id = randomUUID();
      try {
        // One statement (migration 004): the checks, a repeated clientMessageId and the insert,
        // under the room's row lock, held for this round trip only.
        const [row] = await sequelize.query<AppendedMessageRow>(
          'SELECT * FROM videoconf_post_chat_message($1, $2, $3, $4, $5, $6, $7)',
          {
            bind: [
              id,
              input.roomId,
              senderUserId,
              user ? null : input.senderDisplayName,
              input.content,
              input.clientMessageId,
              at(input.now),
            ],
            type: QueryTypes.SELECT,
          },
        );
        if (!row) throw new Error('videoconf_post_chat_message returned no row');
        return { message: appendedMessage(row), created: row.id === id };
      } catch (error) {
        const refusal = APPEND_REFUSALS[sqlStateOf(error) ?? ''];
        if (refusal) throw new ConferenceError(refusal);
        throw error;
      }
    },

    async getMessage(id) {
      if (!isUuid(id)) return null;
      const row = await m.ChatMessage.findByPk(id);
      return row && toMessage(plain(row));
    },

    async listMessages(roomId, query) {
      if (!isUuid(roomId)) return { items: [], hasMore: false };
      const limit = Math.max(0, Math.floor(query.limit));
      const { after, before } = query;
      const seq = {
        ...(after === undefined ? {} : { [Op.gt]: after }),
        ...(before === undefined ? {} : { [Op.lt]: before }),
      };
      const forward = after !== undefined;
      // One more than asked tells whether more exist in the direction of paging.
      const rows = await m.ChatMessage.findAll({
        where: {
          roomId,
          deletedAt: null,
          ...(after === undefined && before === undefined ? {} : { seq }),
        },
        order: [['seq', forward ? 'ASC' : 'DESC']],
        limit: limit + 1,
      });
      const page = rows.slice(0, limit).map((row) => toMessage(plain(row)));
      if (!forward) page.reverse();
      return { items: page, hasMore: rows.length > limit };
    },

    async lastSeq(roomId) {
      if (!isUuid(roomId)) return 0;
      const room = await m.Room.findByPk(roomId, { attributes: ['lastChatSeq'] });
      return room ? plain(room).lastChatSeq : 0;
    },

    async editMessage(id, content, now) {
      if (!isUuid(id)) return null;
      const [, rows] = await m.ChatMessage.update(
        { content, editedAt: at(now) },
        { where: { id, deletedAt: null }, returning: true },
      );
      return rows[0] ? toMessage(plain(rows[0])) : null;
    },

    async softDeleteMessage(id, now) {
      if (!isUuid(id)) return null;
      const [, rows] = await m.ChatMessage.update(
        { deletedAt: at(now) },
        { where: { id, deletedAt: null }, returning: true },
      );
      if (rows[0]) return toMessage(plain(rows[0]));
      // Unknown, or deleted before: the latter is returned unchanged.
      const row = await m.ChatMessage.findByPk(id);
      return row && toMessage(plain(row));
    },

    // Stats

    async addStatsSample(input) {
      if (!isUuid(input.roomId)) throw new ConferenceError('ROOM_NOT_FOUND');
      const row = await m.Stats.create({
        roomId: input.roomId,
        participantId: input.participantId,
        recordedAt: at(input.now),
        avgRttMs: input.avgRttMs,
        maxRttMs: input.maxRttMs,
        avgJitterMs: input.avgJitterMs,
        packetLossUpPercent: input.packetLossUpPercent,
        packetLossDownPercent: input.packetLossDownPercent,
        avgBitrateKbps: input.avgBitrateKbps,
        networkScore: input.networkScore,
      });
      return toSample(plain(row));
    },

    async listStatsSamples(roomId, participantId) {
      if (!isUuid(roomId) || !isUuid(participantId)) return [];
      const rows = await m.Stats.findAll({
        where: { roomId, participantId },
        order: [
          ['recordedAt', 'ASC'],
          ['createdAt', 'ASC'],
          ['id', 'ASC'],
        ],
      });
      return rows.map((row) => toSample(plain(row)));
    },

    async summarizeRoomStats(roomId) {
      if (!isUuid(roomId)) return [];
      return sequelize.query<ParticipantStatsRow>(
        `SELECT participant_id AS "participantId",
                count(*)::integer AS "samples",
                avg(avg_rtt_ms)::float8 AS "avgRttMs",
                avg(avg_jitter_ms)::float8 AS "avgJitterMs",
                avg(packet_loss_up_percent)::float8 AS "packetLossUpPercent",
                avg(packet_loss_down_percent)::float8 AS "packetLossDownPercent",
                avg(avg_bitrate_kbps)::float8 AS "avgBitrateKbps",
                avg(network_score)::float8 AS "networkScore"
           FROM participant_stats
          WHERE room_id = $1
          GROUP BY participant_id
          ORDER BY participant_id`,
        { bind: [roomId], type: QueryTypes.SELECT },
      );
    },

    // Audit

    async appendAudit(input) {
      const row = await m.Audit.create({
        eventTime: at(input.now),
        actorUserId: input.actorUserId,
        actorRole: input.actorRole,
        roomId: input.roomId,
        eventType: input.eventType,
        payload: input.payload,
      });
      return toAudit(plain(row));
    },

    async listAudit(query) {
      if (query.roomId !== undefined && !isUuid(query.roomId)) return [];
      const limit = Math.max(0, Math.floor(query.limit));
      if (limit === 0) return [];
      const rows = await m.Audit.findAll({
        where: {
          ...(query.roomId === undefined ? {} : { roomId: query.roomId }),
          ...(query.before === undefined ? {} : { eventTime: { [Op.lt]: at(query.before) } }),
        },
        order: [
          ['eventTime', 'DESC'],
          ['id', 'DESC'],
        ],
        limit,
      });
      return rows.map((row) => toAudit(plain(row)));
    },

    // Rate-limit rules

    async listRateLimitRules() {
      const rows = await m.RateLimitRule.findAll({
        order: [
          ['createdAt', 'ASC'],
          ['id', 'ASC'],
        ],
      });
      return rows.map((row) => toRule(plain(row)));
    },

    async getRateLimitRule(id) {
      if (!isUuid(id)) return null;
      const row = await m.RateLimitRule.findByPk(id);
      return row && toRule(plain(row));
    },

    async createRateLimitRule(input) {
      const row = await m.RateLimitRule.create({
        scope: input.scope,
        routePattern: input.routePattern,
        perMinute: input.perMinute,
        perHour: input.perHour,
        perDay: input.perDay,
        enabled: input.enabled,
      });
      return toRule(plain(row));
    },

    async updateRateLimitRule(id, patch) {
      if (!isUuid(id)) return null;
      const [, rows] = await m.RateLimitRule.update(
        { ...definedOf(patch, RULE_KEYS), updatedAt: fn('now') },
        { where: { id }, returning: true },
      );
      return rows[0] ? toRule(plain(rows[0])) : null;
    },

    async deleteRateLimitRule(id) {
      if (!isUuid(id)) return false;
      return (await m.RateLimitRule.destroy({ where: { id } })) > 0;
    },

    // LiveKit webhooks

    async recordWebhookEvent(event) {
      if (Number.isNaN(Date.parse(event.createdAt))) {
        throw new ConferenceError('VALIDATION_ERROR', 'createdAt must be an ISO-8601 time');
      }
      // The primary key decides: of concurrent inserts of one id, exactly one returns a row.
      const inserted = await sequelize.query<{ id: string }>(
        `INSERT INTO livekit_webhook_events (id, event, room_name, participant_sid, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING id`,
        {
          bind: [event.id, event.event, event.roomName, event.participantSid, at(event.createdAt)],
          type: QueryTypes.SELECT,
        },
      );
      return inserted.length > 0;
    },

    async findWebhookEvent(query) {
      if (query.participantSid === undefined && query.roomName === undefined) {
        throw new TypeError('findWebhookEvent needs a participantSid or a roomName');
      }
      const row = await m.WebhookEvent.findOne({
        where: {
          event: query.event,
          ...(query.participantSid === undefined ? {} : { participantSid: query.participantSid }),
          ...(query.roomName === undefined ? {} : { roomName: query.roomName }),
        },
        order: [
          ['createdAt', 'DESC'],
          ['receivedAt', 'DESC'],
        ],
      });
      return row && toWebhookEvent(plain(row));
    },
  };

  return withDomainErrors(storage);
}

/** The listed keys of `patch` whose value is not `undefined`. */
function definedOf<T extends object, K extends keyof T>(patch: T, keys: readonly K[]): Pick<T, K> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (patch[key] !== undefined) out[key] = patch[key];
  return out as Pick<T, K>;
}

const pickSettings = (settings: UserSettings): UserSettings =>
  definedOf(settings, SETTINGS_KEYS) as UserSettings;

// Values in and out.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUID columns: anything else cannot exist, and must not reach Postgres as a cast error. */
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

const emailKey = (email: string) => email.trim().toLowerCase();

const at = (iso: string) => new Date(iso);
const atOrNull = (iso: string | null) => (iso === null ? null : new Date(iso));
const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date === null ? null : date.toISOString());

const plain = <M extends Model>(model: M): Attributes<M> =>
  model.get({ plain: true }) as Attributes<M>;

/** Oldest row first, by the microsecond `created_at` the database stamped. */
const byInsertion = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  displayName: r.displayName,
  avatarUrl: r.avatarUrl,
  globalRole: r.globalRole,
  isGuest: r.isGuest,
  isActive: r.isActive,
  isEmailVerified: r.isEmailVerified,
  lastLoginAt: isoOrNull(r.lastLoginAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
  passwordHash: r.passwordHash,
  externalId: r.externalId,
});

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.userId,
  familyId: r.familyId,
  tokenHash: r.tokenHash,
  ipAddress: r.ipAddress,
  userAgent: r.userAgent,
  createdAt: iso(r.createdAt),
  expiresAt: iso(r.expiresAt),
  rotatedAt: isoOrNull(r.rotatedAt),
  revokedAt: isoOrNull(r.revokedAt),
});

const toSettings = (r: SettingsRow): UserSettings => ({
  defaultCameraDeviceId: r.defaultCameraDeviceId,
  defaultMicrophoneDeviceId: r.defaultMicrophoneDeviceId,
  defaultSpeakerDeviceId: r.defaultSpeakerDeviceId,
  preferredVideoQuality: r.preferredVideoQuality,
  preferredTheme: r.preferredTheme,
  muteMicOnJoin: r.muteMicOnJoin,
  disableCameraOnJoin: r.disableCameraOnJoin,
  languageCode: r.languageCode,
});

const toProfile = (r: VideoProfileRow): VideoProfile => ({
  id: r.id,
  name: r.name,
  backgroundType: r.backgroundType,
  backgroundImageUrl: r.backgroundImageUrl,
  noiseSuppressionLevel: r.noiseSuppressionLevel,
  isDefault: r.isDefault,
});

const toRoom = (r: RoomRow): RoomRecord => ({
  id: r.id,
  title: r.title,
  description: r.description,
  hostUserId: r.hostUserId,
  status: r.status,
  maxParticipants: r.maxParticipants,
  waitingRoomEnabled: r.waitingRoomEnabled,
  isLocked: r.isLocked,
  passwordHash: r.passwordHash,
  scheduledStartAt: isoOrNull(r.scheduledStartAt),
  scheduledEndAt: isoOrNull(r.scheduledEndAt),
  actualStartAt: isoOrNull(r.actualStartAt),
  actualEndAt: isoOrNull(r.actualEndAt),
  livekitRoomName: r.livekitRoomName,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
  settings: r.settings,
});

const toParticipant = (r: ParticipantRow): Participant => ({
  id: r.id,
  roomId: r.roomId,
  userId: r.userId,
  displayName: r.displayName,
  role: r.role,
  joinedAt: iso(r.joinedAt),
  leftAt: isoOrNull(r.leftAt),
  leaveReason: r.leaveReason,
  isKicked: r.isKicked,
  livekitSid: r.livekitSid,
});

const toEntry = (r: WaitingEntryRow): WaitingEntry => ({
  id: r.id,
  roomId: r.roomId,
  userId: r.userId,
  displayName: r.displayName,
  status: r.status,
  requestedAt: iso(r.requestedAt),
  decidedAt: isoOrNull(r.decidedAt),
  decidedByUserId: r.decidedByUserId,
  reason: r.reason,
});

const toInvite = (r: InviteRow): Invite => ({
  id: r.id,
  roomId: r.roomId,
  token: r.token,
  label: r.label,
  expiresAt: isoOrNull(r.expiresAt),
  maxUses: r.maxUses,
  usedCount: r.usedCount,
  createdAt: iso(r.createdAt),
});

const toMessage = (r: ChatMessageRow): ChatMessage => ({
  id: r.id,
  roomId: r.roomId,
  seq: r.seq,
  senderParticipantId: r.senderParticipantId,
  senderUserId: r.senderUserId,
  senderDisplayName: r.senderDisplayName,
  messageType: r.messageType,
  content: r.content,
  createdAt: iso(r.createdAt),
  editedAt: isoOrNull(r.editedAt),
  deletedAt: isoOrNull(r.deletedAt),
});

const toSample = (r: StatsRow): StatsSample => ({
  id: r.id,
  roomId: r.roomId,
  participantId: r.participantId,
  recordedAt: iso(r.recordedAt),
  avgRttMs: r.avgRttMs,
  maxRttMs: r.maxRttMs,
  avgJitterMs: r.avgJitterMs,
  packetLossUpPercent: r.packetLossUpPercent,
  packetLossDownPercent: r.packetLossDownPercent,
  avgBitrateKbps: r.avgBitrateKbps,
  networkScore: r.networkScore,
});

const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  eventTime: iso(r.eventTime),
  actorUserId: r.actorUserId,
  actorRole: r.actorRole,
  roomId: r.roomId,
  eventType: r.eventType,
  payload: r.payload,
});

const toRule = (r: RateLimitRuleRow): RateLimitRule => ({
  id: r.id,
  scope: r.scope,
  routePattern: r.routePattern,
  perMinute: r.perMinute,
  perHour: r.perHour,
  perDay: r.perDay,
  enabled: r.enabled,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

const toWebhookEvent = (r: WebhookEventRow): WebhookEventRecord => ({
  id: r.id,
  event: r.event,
  roomName: r.roomName,
  participantSid: r.participantSid,
  createdAt: iso(r.createdAt),
});

// Errors.

/** The SQLSTATEs `videoconf_append_chat_message` raises (migration 003). */
/** Matches no user: ours are random (version 4) UUIDs. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const APPEND_REFUSALS: Record<
  string,
  'ROOM_NOT_FOUND' | 'ROOM_ENDED' | 'NOT_A_PARTICIPANT' | 'CHAT_DISABLED'
> = {
  VC404: 'ROOM_NOT_FOUND',
  VC410: 'ROOM_ENDED',
  VC403: 'NOT_A_PARTICIPANT',
  VC423: 'CHAT_DISABLED',
};

/** A `chat_messages` row as `videoconf_append_chat_message` returns it (column names). */
interface AppendedMessageRow {
  id: string;
  room_id: string;
  seq: number;
  sender_participant_id: string | null;
  sender_user_id: string | null;
  sender_display_name: string;
  message_type: ChatMessage['messageType'];
  content: string;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
}

const appendedMessage = (r: AppendedMessageRow): ChatMessage => ({
  id: r.id,
  roomId: r.room_id,
  seq: r.seq,
  senderParticipantId: r.sender_participant_id,
  senderUserId: r.sender_user_id,
  senderDisplayName: r.sender_display_name,
  messageType: r.message_type,
  content: r.content,
  createdAt: iso(r.created_at),
  editedAt: isoOrNull(r.edited_at),
  deletedAt: isoOrNull(r.deleted_at),
});

/** The name of the constraint or unique index that a database error names, if any. */
function constraintOf(error: unknown): string | undefined {
  if (!(error instanceof UniqueConstraintError || error instanceof DatabaseError)) return undefined;
  const parent = (error as { parent?: { constraint?: unknown } }).parent;
  return typeof parent?.constraint === 'string' ? parent.constraint : undefined;
}

/** SQLSTATE of a database error, e.g. `23505`. */
function sqlStateOf(error: unknown): string | undefined {
  const parent = (error as { parent?: { code?: unknown } } | null)?.parent;
  return typeof parent?.code === 'string' ? parent.code : undefined;
}

const NOT_FOUND_BY_FOREIGN_KEY: Record<
  string,
  'ROOM_NOT_FOUND' | 'USER_NOT_FOUND' | 'INVITE_NOT_FOUND'
> = {
  room_id: 'ROOM_NOT_FOUND',
  user_id: 'USER_NOT_FOUND',
  invite_id: 'INVITE_NOT_FOUND',
};

/**
 * Turns what Postgres says about bad domain input into the stable codes of the contract, so no
 * SQL or driver message travels further: a taken email, a missing room or user behind a foreign
 * key, a value the column cannot hold. Connection failures and bugs stay as they are (500).
 */
function toDomainError(error: unknown): unknown {
  if (error instanceof ConferenceError || error instanceof TypeError) return error;
  const options = { cause: error };
  if (error instanceof UniqueConstraintError) {
    if (constraintOf(error) === 'users_email_key') {
      return new ConferenceError('EMAIL_TAKEN', undefined, options);
    }
    return new ConferenceError('CONFLICT', undefined, options);
  }
  if (error instanceof ForeignKeyConstraintError) {
    const column = /_(room_id|user_id|invite_id)_fkey$/.exec(constraintOf(error) ?? '')?.[1];
    return new ConferenceError(
      (column && NOT_FOUND_BY_FOREIGN_KEY[column]) || 'NOT_FOUND',
      undefined,
      options,
    );
  }
  if (error instanceof ValidationError) {
    return new ConferenceError('VALIDATION_ERROR', undefined, options);
  }
  const state = sqlStateOf(error);
  // Class 22: data exception (bad uuid, number out of range, invalid timestamp…);
  // 23502 / 23514: not-null and check violations.
  if (state !== undefined && (state.startsWith('22') || state === '23502' || state === '23514')) {
    return new ConferenceError('VALIDATION_ERROR', undefined, options);
  }
  return error;
}

/** Every method of `storage`, with database errors of bad input turned into `ConferenceError`. */
function withDomainErrors(storage: Storage): Storage {
  const wrapped: Record<string, unknown> = { ...storage };
  for (const [key, value] of Object.entries(storage)) {
    if (typeof value !== 'function' || key === 'init' || key === 'ping' || key === 'close') {
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[key] = async (...args: unknown[]) => {
      try {
        return await method.apply(storage, args);
      } catch (error) {
        throw toDomainError(error);
      }
    };
  }
  return wrapped as unknown as Storage;
}
