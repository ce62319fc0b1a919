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
import { ConferenceError } from '../errors';
import { ROOM_PATCH_KEYS, RULE_KEYS, SETTINGS_KEYS, USER_PATCH_KEYS } from './keys';
import type {
  AdmitInput,
  AdmitResult,
  NewSession,
  NewUser,
  ParticipantStatsRow,
  RoomRecord,
  SessionRecord,
  Storage,
  UserRecord,
  WebhookEventRecord,
} from './types';

/**
 * The in-memory storage: the embedded default, and the reference for the conformance suite.
 *
 * Every atomic method does its checks and writes synchronously, with no `await` in between,
 * so concurrent calls in one process cannot interleave. Values go in and out as copies, so a
 * caller can never change stored state by mutating what it passed or received.
 * State lives only as long as the object: nothing is persisted.
 */
/**
 * A deep copy of the records kept here (plain objects, arrays, strings, numbers, booleans,
 * null): what `structuredClone` gives for them, 25 times faster. An object is copied by spread,
 * then its nested objects; that is five times faster than a key-by-key copy (200 against 950 ns
 * for a room and a participant), though slower than a spread that sees one shape only (below).
 * Every read copies a record; the reads of every request (`getUser`, `getRoom`,
 * `getRoomWithParticipant`, the participant reads) use the copiers of one record kind below.
 */
function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const out = { ...value } as Record<string, unknown>;
  for (const key in out) {
    const field = out[key];
    if (field !== null && typeof field === 'object') out[key] = copy(field);
  }
  return out as T;
}

/** Fields that a spread copies whole. */
type Primitive = string | number | boolean | null;

/**
 * Copies of the records read on every request, one function each: `copy`'s spread serves every
 * kind of record, so V8 takes the slow path of object cloning there (`CloneObjectIC_Slow` in a
 * `perf` profile of bench `http.media-token`), where a spread that only ever sees one shape is
 * cloned in one step. Not copying user, room and participant at all would give that route 8%
 * more throughput (`bench/ab.ts`). The `Flat` constraint fails to compile if one of these
 * records gains a nested field that a spread would share.
 */
type Flat<T extends { [K in keyof T]: Primitive }> = T;
const copyUser = (user: Flat<UserRecord>): UserRecord => ({ ...user });
const copyParticipant = (participant: Flat<Participant>): Participant => ({ ...participant });
const copySettings = (settings: Flat<RoomRecord['settings']>) => ({ ...settings });
const copyRoom = (room: Flat<Omit<RoomRecord, 'settings'>> & RoomRecord): RoomRecord => ({
  ...room,
  settings: copySettings(room.settings),
});

export function memoryStorage(): Storage {
  const users = new Map<string, UserRecord>();
  /** Lower-cased, trimmed email → user id. */
  const userIdByEmail = new Map<string, string>();
  const userIdByExternalId = new Map<string, string>();

  const sessions = new Map<string, SessionRecord>();
  const sessionIdByHash = new Map<string, string>();

  const settings = new Map<string, UserSettings>();
  const profiles = new Map<string, { userId: string; profile: VideoProfile }>();

  const rooms = new Map<string, RoomRecord>();
  const participants = new Map<string, Participant>();
  const entries = new Map<string, WaitingEntry>();

  const invites = new Map<string, { invite: Invite; revoked: boolean }>();
  const inviteIdByToken = new Map<string, string>();
  /** One row per (invite, user): the user redeemed that invite of that room. */
  const redemptions: { inviteId: string; userId: string; roomId: string }[] = [];

  const messages = new Map<string, { message: ChatMessage; clientMessageId: string | null }>();
  /** Highest seq assigned per room (deleted messages included). */
  const roomSeq = new Map<string, number>();
  /** `roomId \0 senderUserId \0 clientMessageId` → message id. */
  const messageIdByClientId = new Map<string, string>();

  const samples = new Map<string, StatsSample>();
  const audit = new Map<string, AuditEntry>();
  const rules = new Map<string, RateLimitRule>();
  /** LiveKit webhook events by id, in the order they were recorded. */
  const webhookEvents = new Map<string, WebhookEventRecord>();

  const timestamp = () => new Date().toISOString();
  const time = (iso: string) => Date.parse(iso);
  const emailKey = (email: string) => email.trim().toLowerCase();
  const isActive = (p: Participant) => p.leftAt === null;
  const clientKey = (roomId: string, senderUserId: string | null, clientMessageId: string) =>
    `${roomId}\u0000${senderUserId ?? ''}\u0000${clientMessageId}`;

  // Synchronous building blocks, shared by the atomic methods.

  function insertUser(input: NewUser): UserRecord {
    const key = emailKey(input.email);
    if (userIdByEmail.has(key)) throw new ConferenceError('EMAIL_TAKEN');
    const now = timestamp();
    const user: UserRecord = {
      id: randomUUID(),
      email: input.email,
      displayName: input.displayName,
      avatarUrl: input.avatarUrl ?? null,
      globalRole: input.globalRole ?? 'user',
      isGuest: input.isGuest ?? false,
      isActive: true,
      isEmailVerified: input.isEmailVerified ?? false,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
      passwordHash: input.passwordHash ?? null,
      externalId: input.externalId ?? null,
    };
    users.set(user.id, user);
    userIdByEmail.set(key, user.id);
    if (user.externalId !== null) userIdByExternalId.set(user.externalId, user.id);
    return user;
  }

  function insertSession(input: NewSession, now: string): SessionRecord {
    const session: SessionRecord = {
      id: randomUUID(),
      userId: input.userId,
      familyId: input.familyId,
      tokenHash: input.tokenHash,
      ipAddress: input.ipAddress,
      userAgent: input.userAgent,
      createdAt: now,
      expiresAt: input.expiresAt,
      rotatedAt: null,
      revokedAt: null,
    };
    sessions.set(session.id, session);
    sessionIdByHash.set(session.tokenHash, session.id);
    return session;
  }

  function revokeWhere(predicate: (s: SessionRecord) => boolean, now: string): number {
    let count = 0;
    for (const session of sessions.values()) {
      if (session.revokedAt === null && predicate(session)) {
        session.revokedAt = now;
        count += 1;
      }
    }
    return count;
  }

  function findActive(roomId: string, userId: string): Participant | undefined {
    for (const p of participants.values()) {
      if (p.roomId === roomId && p.userId === userId && isActive(p)) return p;
    }
    return undefined;
  }

  function wasKicked(roomId: string, userId: string): boolean {
    for (const p of participants.values()) {
      if (p.roomId === roomId && p.userId === userId && p.isKicked) return true;
    }
    return false;
  }

  function activeCount(roomId: string): number {
    let count = 0;
    for (const p of participants.values()) if (p.roomId === roomId && isActive(p)) count += 1;
    return count;
  }

  function activeIn(roomId: string): Participant[] {
    return [...participants.values()].filter((p) => p.roomId === roomId && isActive(p));
  }

  /** The checks and writes of `admitParticipant`, synchronously. */
  function admit(input: AdmitInput): AdmitResult {
    const room = rooms.get(input.roomId);
    if (!room) throw new ConferenceError('ROOM_NOT_FOUND');
    const existing = findActive(room.id, input.userId);
    if (existing) return { participant: existing, created: false, roomStarted: false };
    if (room.status === 'ended' || room.status === 'cancelled') {
      throw new ConferenceError('ROOM_ENDED');
    }
    if (wasKicked(room.id, input.userId)) throw new ConferenceError('PARTICIPANT_KICKED');
    if (input.enforceCapacity && activeCount(room.id) >= room.maxParticipants) {
      throw new ConferenceError('ROOM_FULL');
    }
    const participant: Participant = {
      id: randomUUID(),
      roomId: room.id,
      userId: input.userId,
      displayName: input.displayName,
      role: input.role,
      joinedAt: input.now,
      leftAt: null,
      leaveReason: null,
      isKicked: false,
      livekitSid: null,
    };
    participants.set(participant.id, participant);
    let roomStarted = false;
    if (room.status === 'scheduled') {
      room.status = 'active';
      room.actualStartAt = input.now;
      room.updatedAt = timestamp();
      roomStarted = true;
    }
    return { participant, created: true, roomStarted };
  }

  function requireRoom(roomId: string): RoomRecord {
    const room = rooms.get(roomId);
    if (!room) throw new ConferenceError('ROOM_NOT_FOUND');
    return room;
  }

  /** Copies the defined values of the listed keys only: unknown fields are never stored. */
  function assignDefined<T extends object>(
    target: T,
    patch: Partial<T>,
    keys: readonly (keyof T)[],
  ) {
    for (const key of keys) {
      const value = patch[key];
      if (value !== undefined) target[key] = copy(value) as T[keyof T];
    }
  }

  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  return {
    name: 'memory',

    async init() {},
    async ping() {},
    async close() {},

    // Users

    async createUser(input) {
      return copy(insertUser(input));
    },

    async getUser(id) {
      const user = users.get(id);
      return user ? copyUser(user) : null;
    },

    async getUserByEmail(email) {
      const id = userIdByEmail.get(emailKey(email));
      const user = id === undefined ? undefined : users.get(id);
      return user ? copy(user) : null;
    },

    async upsertExternalUser(input) {
      const id = userIdByExternalId.get(input.externalId);
      const user = id === undefined ? undefined : users.get(id);
      if (!user) {
        return copy(
          insertUser({
            email: input.email,
            displayName: input.displayName,
            avatarUrl: input.avatarUrl ?? null,
            globalRole: input.globalRole ?? 'user',
            externalId: input.externalId,
          }),
        );
      }
      const key = emailKey(input.email);
      const owner = userIdByEmail.get(key);
      if (owner !== undefined && owner !== user.id) throw new ConferenceError('EMAIL_TAKEN');
      userIdByEmail.delete(emailKey(user.email));
      userIdByEmail.set(key, user.id);
      user.email = input.email;
      user.displayName = input.displayName;
      if (input.avatarUrl !== undefined) user.avatarUrl = input.avatarUrl;
      if (input.globalRole !== undefined) user.globalRole = input.globalRole;
      user.updatedAt = timestamp();
      return copy(user);
    },

    async updateUser(id, patch) {
      const user = users.get(id);
      if (!user) return null;
      assignDefined<UserRecord>(user, patch, USER_PATCH_KEYS);
      user.updatedAt = timestamp();
      return copy(user);
    },

    // Sessions

    async createSession(input) {
      return copy(insertSession(input, timestamp()));
    },

    async getSessionByHash(tokenHash) {
      const id = sessionIdByHash.get(tokenHash);
      const session = id === undefined ? undefined : sessions.get(id);
      return session ? copy(session) : null;
    },

    async rotateSession(tokenHash, next, now) {
      const id = sessionIdByHash.get(tokenHash);
      const previous = id === undefined ? undefined : sessions.get(id);
      if (!previous) return { status: 'unknown' };
      if (previous.revokedAt !== null || previous.rotatedAt !== null) {
        return { status: 'reused', previous: copy(previous) };
      }
      if (time(previous.expiresAt) <= time(now)) {
        return { status: 'expired', previous: copy(previous) };
      }
      previous.rotatedAt = now;
      const session = insertSession(
        {
          userId: previous.userId,
          familyId: previous.familyId,
          tokenHash: next.tokenHash,
          ipAddress: next.ipAddress,
          userAgent: next.userAgent,
          expiresAt: next.expiresAt,
        },
        now,
      );
      return { status: 'rotated', previous: copy(previous), session: copy(session) };
    },

    async revokeSession(tokenHash, now) {
      const id = sessionIdByHash.get(tokenHash);
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return false;
      const live =
        session.revokedAt === null &&
        session.rotatedAt === null &&
        time(session.expiresAt) > time(now);
      if (!live) return false;
      session.revokedAt = now;
      return true;
    },

    async revokeSessionFamily(familyId, now) {
      return revokeWhere((s) => s.familyId === familyId, now);
    },

    async revokeUserSessions(userId, now) {
      return revokeWhere((s) => s.userId === userId, now);
    },

    // Settings and video profiles

    async getOrCreateSettings(userId, defaults) {
      let stored = settings.get(userId);
      if (!stored) {
        stored = copy(defaults);
        settings.set(userId, stored);
      }
      return copy(stored);
    },

    async updateSettings(userId, patch, defaults) {
      const merged: UserSettings = copy(settings.get(userId) ?? defaults);
      assignDefined(merged, patch, SETTINGS_KEYS);
      settings.set(userId, copy(merged));
      return copy(merged);
    },

    async listVideoProfiles(userId) {
      return [...profiles.values()]
        .filter((row) => row.userId === userId)
        .map((row) => copy(row.profile));
    },

    async createVideoProfile(userId, input) {
      if (input.isDefault) {
        for (const row of profiles.values()) {
          if (row.userId === userId) row.profile.isDefault = false;
        }
      }
      const profile: VideoProfile = {
        id: randomUUID(),
        name: input.name,
        backgroundType: input.backgroundType,
        backgroundImageUrl: input.backgroundImageUrl,
        noiseSuppressionLevel: input.noiseSuppressionLevel,
        isDefault: input.isDefault,
      };
      profiles.set(profile.id, { userId, profile });
      return copy(profile);
    },

    async deleteVideoProfile(userId, profileId) {
      const row = profiles.get(profileId);
      if (!row || row.userId !== userId) return false;
      profiles.delete(profileId);
      return true;
    },

    // Rooms

    async createRoom(input) {
      const now = timestamp();
      const room: RoomRecord = {
        id: randomUUID(),
        title: input.title,
        description: input.description,
        hostUserId: input.hostUserId,
        status: 'scheduled',
        maxParticipants: input.maxParticipants,
        waitingRoomEnabled: input.waitingRoomEnabled,
        isLocked: false,
        passwordHash: input.passwordHash,
        scheduledStartAt: input.scheduledStartAt,
        scheduledEndAt: input.scheduledEndAt,
        actualStartAt: null,
        actualEndAt: null,
        livekitRoomName: input.livekitRoomName,
        createdAt: now,
        updatedAt: now,
        settings: copy(input.settings),
      };
      rooms.set(room.id, room);
      return copy(room);
    },

    async getRoom(id) {
      const room = rooms.get(id);
      return room ? copyRoom(room) : null;
    },

    async getRoomWithParticipant(roomId, userId) {
      const room = rooms.get(roomId);
      if (!room) return null;
      const participant = findActive(roomId, userId);
      return {
        room: copyRoom(room),
        participant: participant ? copyParticipant(participant) : null,
      };
    },

    async getRoomByLivekitName(name) {
      for (const room of rooms.values()) if (room.livekitRoomName === name) return copy(room);
      return null;
    },

    async listRoomsByHost(hostUserId, page) {
      const all = [...rooms.values()]
        .filter((room) => room.hostUserId === hostUserId)
        .sort((a, b) => time(b.createdAt) - time(a.createdAt) || byId(b, a));
      return {
        items: all.slice(page.offset, page.offset + page.limit).map((room) => copy(room)),
        total: all.length,
      };
    },

    async updateRoom(id, patch) {
      const room = rooms.get(id);
      if (!room) return null;
      assignDefined<RoomRecord>(room, patch, ROOM_PATCH_KEYS);
      room.updatedAt = timestamp();
      return copy(room);
    },

    async deleteRoom(id) {
      if (!rooms.delete(id)) return false;
      for (const [key, p] of participants) if (p.roomId === id) participants.delete(key);
      for (const [key, e] of entries) if (e.roomId === id) entries.delete(key);
      for (const [key, row] of invites) {
        if (row.invite.roomId !== id) continue;
        invites.delete(key);
        inviteIdByToken.delete(row.invite.token);
      }
      for (let i = redemptions.length - 1; i >= 0; i -= 1) {
        if (redemptions[i]?.roomId === id) redemptions.splice(i, 1);
      }
      for (const [key, row] of messages) if (row.message.roomId === id) messages.delete(key);
      for (const key of messageIdByClientId.keys()) {
        if (key.startsWith(`${id}\u0000`)) messageIdByClientId.delete(key);
      }
      roomSeq.delete(id);
      for (const [key, s] of samples) if (s.roomId === id) samples.delete(key);
      return true;
    },

    async endRoom(id, now, reason) {
      const room = rooms.get(id);
      if (!room) return null;
      if (room.status !== 'ended') {
        room.status = 'ended';
        room.actualEndAt = now;
        room.updatedAt = timestamp();
      }
      const left = activeIn(id);
      for (const p of left) {
        p.leftAt = now;
        p.leaveReason = reason;
      }
      const expired = [...entries.values()].filter(
        (e) => e.roomId === id && e.status === 'pending',
      );
      for (const e of expired) {
        e.status = 'expired';
        e.decidedAt = now;
      }
      return { room: copy(room), participants: copy(left), entries: copy(expired) };
    },

    // Participants

    async admitParticipant(input) {
      return copy(admit(input));
    },

    async getParticipant(id) {
      const p = participants.get(id);
      return p ? copyParticipant(p) : null;
    },

    async findActiveParticipant(roomId, userId) {
      const p = findActive(roomId, userId);
      return p ? copyParticipant(p) : null;
    },

    async listActiveParticipants(roomId) {
      return copy(activeIn(roomId));
    },

    async countActiveParticipants(roomId) {
      return activeCount(roomId);
    },

    async hasBeenKicked(roomId, userId) {
      return wasKicked(roomId, userId);
    },

    async leaveParticipant(id, reason, now) {
      const p = participants.get(id);
      if (!p || !isActive(p)) return null;
      p.leftAt = now;
      p.leaveReason = reason;
      return copy(p);
    },

    // `reason` is the moderator's free text, kept by the caller for the audit log.
    async kickParticipant(id, _reason, now) {
      const p = participants.get(id);
      if (!p || !isActive(p)) return null;
      p.isKicked = true;
      p.leftAt = now;
      p.leaveReason = 'kicked';
      return copy(p);
    },

    async setParticipantRole(id, role) {
      const p = participants.get(id);
      if (!p) return null;
      p.role = role;
      return copy(p);
    },

    async setParticipantLivekitSid(id, sid) {
      const p = participants.get(id);
      if (!p) return null;
      p.livekitSid = sid;
      return copy(p);
    },

    // Waiting room

    async requestWaitingEntry(input) {
      requireRoom(input.roomId);
      for (const e of entries.values()) {
        if (e.roomId === input.roomId && e.userId === input.userId && e.status === 'pending') {
          return { entry: copy(e), created: false };
        }
      }
      const entry: WaitingEntry = {
        id: randomUUID(),
        roomId: input.roomId,
        userId: input.userId,
        displayName: input.displayName,
        status: 'pending',
        requestedAt: input.now,
        decidedAt: null,
        decidedByUserId: null,
        reason: null,
      };
      entries.set(entry.id, entry);
      return { entry: copy(entry), created: true };
    },

    async getWaitingEntry(id) {
      const e = entries.get(id);
      return e ? copy(e) : null;
    },

    async findPendingEntry(roomId, userId) {
      for (const e of entries.values()) {
        if (e.roomId === roomId && e.userId === userId && e.status === 'pending') return copy(e);
      }
      return null;
    },

    async listPendingEntries(roomId) {
      return [...entries.values()]
        .filter((e) => e.roomId === roomId && e.status === 'pending')
        .sort((a, b) => time(a.requestedAt) - time(b.requestedAt) || byId(a, b))
        .map((e) => copy(e));
    },

    async decideWaitingEntry(input) {
      const entry = entries.get(input.entryId);
      if (!entry) throw new ConferenceError('ENTRY_NOT_FOUND');
      if (entry.status !== 'pending') throw new ConferenceError('ENTRY_NOT_PENDING');
      let participant: Participant | null = null;
      let roomStarted = false;
      if (input.decision === 'approved') {
        // Throws (ROOM_FULL, ROOM_ENDED, PARTICIPANT_KICKED) before the entry is touched.
        const admitted = admit({
          roomId: entry.roomId,
          userId: entry.userId,
          displayName: entry.displayName,
          role: 'participant',
          enforceCapacity: true,
          now: input.now,
        });
        participant = admitted.participant;
        roomStarted = admitted.roomStarted;
      }
      entry.status = input.decision;
      entry.decidedAt = input.now;
      entry.decidedByUserId = input.decidedByUserId;
      entry.reason = input.reason;
      return { entry: copy(entry), participant: participant && copy(participant), roomStarted };
    },

    // Invites

    async createInvite(input) {
      requireRoom(input.roomId);
      const invite: Invite = {
        id: randomUUID(),
        roomId: input.roomId,
        token: input.token,
        label: input.label,
        expiresAt: input.expiresAt,
        maxUses: input.maxUses,
        usedCount: 0,
        createdAt: timestamp(),
      };
      invites.set(invite.id, { invite, revoked: false });
      inviteIdByToken.set(invite.token, invite.id);
      return copy(invite);
    },

    async getInvite(id) {
      const row = invites.get(id);
      return row && !row.revoked ? copy(row.invite) : null;
    },

    async listInvites(roomId) {
      return [...invites.values()]
        .filter((row) => row.invite.roomId === roomId && !row.revoked)
        .map((row) => row.invite)
        .sort((a, b) => time(b.createdAt) - time(a.createdAt) || byId(b, a))
        .map((invite) => copy(invite));
    },

    async revokeInvite(id, _now) {
      const row = invites.get(id);
      if (!row || row.revoked) return false;
      row.revoked = true;
      return true;
    },

    async redeemInvite(input) {
      const id = inviteIdByToken.get(input.token);
      const row = id === undefined ? undefined : invites.get(id);
      if (!row || row.revoked) throw new ConferenceError('INVITE_NOT_FOUND');
      const { invite } = row;
      if (invite.expiresAt !== null && time(invite.expiresAt) <= time(input.now)) {
        throw new ConferenceError('INVITE_EXPIRED');
      }
      const room = rooms.get(invite.roomId);
      if (!room || room.status === 'ended' || room.status === 'cancelled') {
        throw new ConferenceError('ROOM_ENDED');
      }
      let user: UserRecord | undefined;
      if (input.userId !== undefined) {
        user = users.get(input.userId);
        if (!user) throw new ConferenceError('USER_NOT_FOUND');
        const userId = user.id;
        if (redemptions.some((r) => r.inviteId === invite.id && r.userId === userId)) {
          return { invite: copy(invite), user: copy(user), firstUse: false };
        }
      } else if (!input.guest) {
        throw new TypeError('redeemInvite needs a userId or a guest');
      }
      if (invite.maxUses !== null && invite.usedCount >= invite.maxUses) {
        throw new ConferenceError('INVITE_EXHAUSTED');
      }
      if (!user && input.guest) user = insertUser(input.guest);
      if (!user) throw new TypeError('redeemInvite needs a userId or a guest');
      redemptions.push({ inviteId: invite.id, userId: user.id, roomId: invite.roomId });
      invite.usedCount += 1;
      return { invite: copy(invite), user: copy(user), firstUse: true };
    },

    async hasRedeemedInvite(roomId, userId) {
      return redemptions.some((r) => r.roomId === roomId && r.userId === userId);
    },

    // Chat

    async appendMessage(input) {
      const room = requireRoom(input.roomId);
      if (room.status === 'ended' || room.status === 'cancelled') {
        throw new ConferenceError('ROOM_ENDED');
      }
      let sender: Participant | null = null;
      let senderDisplayName: string;
      if (input.messageType === 'user') {
        sender = findActive(input.roomId, input.senderUserId) ?? null;
        if (!sender) throw new ConferenceError('NOT_A_PARTICIPANT');
        if (!room.settings.chatEnabled) throw new ConferenceError('CHAT_DISABLED');
        senderDisplayName = sender.displayName;
      } else {
        senderDisplayName = input.senderDisplayName;
      }
      const senderUserId = sender?.userId ?? null;
      const key =
        input.clientMessageId === null
          ? null
          : clientKey(input.roomId, senderUserId, input.clientMessageId);
      if (key !== null) {
        const existingId = messageIdByClientId.get(key);
        const existing = existingId === undefined ? undefined : messages.get(existingId);
        if (existing) return { message: copy(existing.message), created: false };
      }
      const seq = (roomSeq.get(input.roomId) ?? 0) + 1;
      roomSeq.set(input.roomId, seq);
      const message: ChatMessage = {
        id: randomUUID(),
        roomId: input.roomId,
        seq,
        senderParticipantId: sender?.id ?? null,
        senderUserId,
        senderDisplayName,
        messageType: input.messageType,
        content: input.content,
        createdAt: input.now,
        editedAt: null,
        deletedAt: null,
      };
      messages.set(message.id, { message, clientMessageId: input.clientMessageId });
      if (key !== null) messageIdByClientId.set(key, message.id);
      return { message: copy(message), created: true };
    },

    async getMessage(id) {
      const row = messages.get(id);
      return row ? copy(row.message) : null;
    },

    async listMessages(roomId, query) {
      const { after, before, limit } = query;
      const visible = [...messages.values()]
        .map((row) => row.message)
        .filter(
          (m) =>
            m.roomId === roomId &&
            m.deletedAt === null &&
            (after === undefined || m.seq > after) &&
            (before === undefined || m.seq < before),
        )
        .sort((a, b) => a.seq - b.seq);
      const page =
        after !== undefined
          ? visible.slice(0, limit)
          : visible.slice(Math.max(0, visible.length - limit));
      return { items: copy(page), hasMore: visible.length > limit };
    },

    async lastSeq(roomId) {
      return roomSeq.get(roomId) ?? 0;
    },

    async editMessage(id, content, now) {
      const row = messages.get(id);
      if (!row || row.message.deletedAt !== null) return null;
      row.message.content = content;
      row.message.editedAt = now;
      return copy(row.message);
    },

    async softDeleteMessage(id, now) {
      const row = messages.get(id);
      if (!row) return null;
      if (row.message.deletedAt === null) row.message.deletedAt = now;
      return copy(row.message);
    },

    // Stats

    async addStatsSample(input) {
      const sample: StatsSample = {
        id: randomUUID(),
        roomId: input.roomId,
        participantId: input.participantId,
        recordedAt: input.now,
        avgRttMs: input.avgRttMs,
        maxRttMs: input.maxRttMs,
        avgJitterMs: input.avgJitterMs,
        packetLossUpPercent: input.packetLossUpPercent,
        packetLossDownPercent: input.packetLossDownPercent,
        avgBitrateKbps: input.avgBitrateKbps,
        networkScore: input.networkScore,
      };
      samples.set(sample.id, sample);
      return copy(sample);
    },

    async listStatsSamples(roomId, participantId) {
      return [...samples.values()]
        .filter((s) => s.roomId === roomId && s.participantId === participantId)
        .sort((a, b) => time(a.recordedAt) - time(b.recordedAt))
        .map((s) => copy(s));
    },

    async summarizeRoomStats(roomId) {
      const groups = new Map<string, StatsSample[]>();
      for (const s of samples.values()) {
        if (s.roomId !== roomId) continue;
        const group = groups.get(s.participantId);
        if (group) group.push(s);
        else groups.set(s.participantId, [s]);
      }
      const mean = (group: StatsSample[], pick: (s: StatsSample) => number) =>
        group.reduce((sum, s) => sum + pick(s), 0) / group.length;
      return [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(
          ([participantId, group]): ParticipantStatsRow => ({
            participantId,
            samples: group.length,
            avgRttMs: mean(group, (s) => s.avgRttMs),
            avgJitterMs: mean(group, (s) => s.avgJitterMs),
            packetLossUpPercent: mean(group, (s) => s.packetLossUpPercent),
            packetLossDownPercent: mean(group, (s) => s.packetLossDownPercent),
            avgBitrateKbps: mean(group, (s) => s.avgBitrateKbps),
            networkScore: mean(group, (s) => s.networkScore),
          }),
        );
    },

    // Audit

    async appendAudit(input) {
      const entry: AuditEntry = {
        id: randomUUID(),
        eventTime: input.now,
        actorUserId: input.actorUserId,
        actorRole: input.actorRole,
        roomId: input.roomId,
        eventType: input.eventType,
        payload: copy(input.payload),
      };
      audit.set(entry.id, entry);
      return copy(entry);
    },

    async listAudit(query) {
      const before = query.before === undefined ? undefined : time(query.before);
      return [...audit.values()]
        .filter(
          (e) =>
            (query.roomId === undefined || e.roomId === query.roomId) &&
            (before === undefined || time(e.eventTime) < before),
        )
        .sort((a, b) => time(b.eventTime) - time(a.eventTime) || byId(b, a))
        .slice(0, query.limit)
        .map((e) => copy(e));
    },

    // Rate-limit rules

    async listRateLimitRules() {
      return [...rules.values()]
        .sort((a, b) => time(a.createdAt) - time(b.createdAt) || byId(a, b))
        .map((r) => copy(r));
    },

    async getRateLimitRule(id) {
      const rule = rules.get(id);
      return rule ? copy(rule) : null;
    },

    async createRateLimitRule(input) {
      const now = timestamp();
      const rule: RateLimitRule = {
        id: randomUUID(),
        scope: input.scope,
        routePattern: input.routePattern,
        perMinute: input.perMinute,
        perHour: input.perHour,
        perDay: input.perDay,
        enabled: input.enabled,
        createdAt: now,
        updatedAt: now,
      };
      rules.set(rule.id, rule);
      return copy(rule);
    },

    async updateRateLimitRule(id, patch) {
      const rule = rules.get(id);
      if (!rule) return null;
      assignDefined<RateLimitRule>(rule, patch, RULE_KEYS);
      rule.updatedAt = timestamp();
      return copy(rule);
    },

    async deleteRateLimitRule(id) {
      return rules.delete(id);
    },

    // LiveKit webhooks

    async recordWebhookEvent(event) {
      if (webhookEvents.has(event.id)) return false;
      webhookEvents.set(event.id, {
        id: event.id,
        event: event.event,
        roomName: event.roomName,
        participantSid: event.participantSid,
        createdAt: event.createdAt,
      });
      return true;
    },

    async findWebhookEvent(query) {
      if (query.participantSid === undefined && query.roomName === undefined) {
        throw new TypeError('findWebhookEvent needs a participantSid or a roomName');
      }
      let found: WebhookEventRecord | undefined;
      // Map order is recording order: on equal createdAt the later recorded one wins.
      for (const e of webhookEvents.values()) {
        if (
          e.event === query.event &&
          (query.participantSid === undefined || e.participantSid === query.participantSid) &&
          (query.roomName === undefined || e.roomName === query.roomName) &&
          (!found || time(e.createdAt) >= time(found.createdAt))
        ) {
          found = e;
        }
      }
      return found ? copy(found) : null;
    },
  };
}
