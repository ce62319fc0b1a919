import { randomUUID } from 'node:crypto';
import { DEFAULT_ROOM_SETTINGS, type ErrorCode, type UserSettings } from '@videoconf/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  AdmitInput,
  NewMessage,
  NewRateLimitRule,
  NewRoom,
  NewSession,
  NewStatsSample,
  NewSystemMessage,
  NewUser,
  NewUserMessage,
  Storage,
  WebhookEventRecord,
} from '../storage/types';

/** What `setup` gives the suite for one test. */
export interface StorageSetup {
  storage: Storage;
  /** Runs after each test, before the suite calls `storage.close()`. */
  cleanup?: () => Promise<void>;
}

export interface StorageConformanceOptions {
  /**
   * How many times each concurrency test repeats its race, with fresh rooms and users
   * each round. Default 3; raise it (e.g. 20 for PostgreSQL in CI) to shake out rare
   * interleavings.
   */
  raceRepeats?: number;
}

/**
 * The conformance suite of the `Storage` port: every adapter must pass it.
 *
 * `setup` runs before every test and returns a storage (the suite calls `init()` on it,
 * which must be idempotent); after the test the suite runs `cleanup` and then `close()`.
 * Tests only observe the port's contract and never depend on each other: each creates its
 * own users (unique emails) and rooms, so a storage shared between tests works too. The
 * concurrency tests fire operations with `Promise.all` and check the invariant, never the
 * timing. Only the room list and rate-limit list tests wait a few milliseconds between
 * writes, so that the timestamps the storage assigns itself differ.
 *
 * @example
 * runStorageConformance('memory', async () => ({ storage: memoryStorage() }));
 */
export function runStorageConformance(
  name: string,
  setup: () => Promise<StorageSetup>,
  options: StorageConformanceOptions = {},
): void {
  const raceRepeats = options.raceRepeats ?? 3;

  describe(`Storage conformance: ${name}`, () => {
    let storage: Storage;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const context = await setup();
      storage = context.storage;
      cleanup = context.cleanup;
      await storage.init();
    });

    afterEach(async () => {
      try {
        await cleanup?.();
      } finally {
        await storage.close();
      }
    });

    // Fixtures. Every timestamp handed to the storage is derived from a fixed base, so no
    // test depends on the clock.

    const BASE = Date.parse('2030-01-01T00:00:00.000Z');
    /** The ISO time `seconds` after the fixed base. */
    const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
    const uniqueEmail = (label = 'user') => `${label}-${randomUUID()}@example.test`;
    const pause = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

    const makeUser = (input: Partial<NewUser> = {}) =>
      storage.createUser({ email: uniqueEmail(), displayName: 'Ada', ...input });

    const makeUsers = (count: number) =>
      Promise.all(Array.from({ length: count }, (_, i) => makeUser({ displayName: `User ${i}` })));

    const roomInput = (hostUserId: string, input: Partial<NewRoom> = {}): NewRoom => ({
      title: 'Standup',
      description: null,
      hostUserId,
      maxParticipants: 100,
      waitingRoomEnabled: false,
      passwordHash: null,
      scheduledStartAt: null,
      scheduledEndAt: null,
      livekitRoomName: `vc-${randomUUID()}`,
      settings: { ...DEFAULT_ROOM_SETTINGS },
      ...input,
    });

    /** A room with a fresh host user. */
    const makeRoom = async (input: Partial<NewRoom> = {}) => {
      const host = await makeUser({ displayName: 'Host' });
      const room = await storage.createRoom(roomInput(host.id, input));
      return { host, room };
    };

    const admit = (roomId: string, userId: string, input: Partial<AdmitInput> = {}) =>
      storage.admitParticipant({
        roomId,
        userId,
        displayName: 'Guest',
        role: 'participant',
        enforceCapacity: true,
        now: at(0),
        ...input,
      });

    /** A system message: no sender to set up, for tests about what happens to messages. */
    const message = (roomId: string, input: Partial<NewSystemMessage> = {}): NewMessage => ({
      roomId,
      messageType: 'system',
      senderDisplayName: 'System',
      content: 'hello',
      clientMessageId: null,
      now: at(0),
      ...input,
    });

    /** A user's message: `senderUserId` must have an active participant in the room. */
    const userMessage = (
      roomId: string,
      senderUserId: string,
      input: Partial<NewUserMessage> = {},
    ): NewMessage => ({
      roomId,
      messageType: 'user',
      senderUserId,
      content: 'hello',
      clientMessageId: null,
      now: at(0),
      ...input,
    });

    const sessionInput = (userId: string, input: Partial<NewSession> = {}): NewSession => ({
      userId,
      familyId: randomUUID(),
      tokenHash: `hash-${randomUUID()}`,
      ipAddress: '203.0.113.7',
      userAgent: 'conformance',
      expiresAt: at(3600),
      ...input,
    });

    const successor = (input: { expiresAt?: string } = {}) => ({
      tokenHash: `hash-${randomUUID()}`,
      ipAddress: '198.51.100.1',
      userAgent: 'rotated',
      expiresAt: input.expiresAt ?? at(7200),
    });

    const inviteInput = (
      roomId: string,
      createdByUserId: string,
      maxUses: number | null = null,
    ) => ({
      roomId,
      token: `tok_${randomUUID()}`,
      label: null,
      expiresAt: null,
      maxUses,
      createdByUserId,
    });

    const guestInput = (): NewUser => ({
      email: uniqueEmail('guest'),
      displayName: 'Visitor',
      isGuest: true,
      globalRole: 'guest',
    });

    const statsInput = (
      roomId: string,
      participantId: string,
      input: Partial<NewStatsSample> = {},
    ): NewStatsSample => ({
      roomId,
      participantId,
      avgRttMs: 40,
      maxRttMs: 90,
      avgJitterMs: 3,
      packetLossUpPercent: 0.5,
      packetLossDownPercent: 1,
      avgBitrateKbps: 1200,
      networkScore: 4,
      now: at(0),
      ...input,
    });

    const DEFAULT_SETTINGS: UserSettings = {
      defaultCameraDeviceId: null,
      defaultMicrophoneDeviceId: null,
      defaultSpeakerDeviceId: null,
      preferredVideoQuality: 'auto',
      preferredTheme: 'system',
      muteMicOnJoin: false,
      disableCameraOnJoin: false,
      languageCode: 'en',
    };

    /** The stable code of a `ConferenceError`, or a description of anything else thrown. */
    const codeOf = (error: unknown): string => {
      if (error instanceof Error && error.name === 'ConferenceError' && 'code' in error) {
        return String(error.code);
      }
      return `unexpected error: ${String(error)}`;
    };

    /** Asserts that `promise` rejects with a `ConferenceError` carrying `code`. */
    const expectCode = async (promise: Promise<unknown>, code: ErrorCode) => {
      const outcome = await promise.then(
        (value) => ({ resolved: value }),
        (error: unknown) => ({ code: codeOf(error) }),
      );
      expect(outcome).toEqual({ code });
    };

    /** Splits settled results into fulfilled values and rejection codes. */
    const settle = <T>(results: PromiseSettledResult<T>[]) => {
      const values: T[] = [];
      const codes: string[] = [];
      for (const result of results) {
        if (result.status === 'fulfilled') values.push(result.value);
        else codes.push(codeOf(result.reason));
      }
      return { values, codes };
    };

    const times = (count: number, value: string) => Array.from({ length: count }, () => value);

    /** A concurrency test that repeats its race `raceRepeats` times. */
    const race = (title: string, round: (index: number) => Promise<void>) =>
      it(`${title} (x${raceRepeats})`, async () => {
        for (let index = 0; index < raceRepeats; index += 1) await round(index);
      }, 300_000);

    describe('lifecycle', () => {
      it('has a constant non-empty name', () => {
        expect(typeof storage.name).toBe('string');
        expect(storage.name.length).toBeGreaterThan(0);
        expect(storage.name).toBe(storage.name);
      });

      it('init is idempotent and ping resolves', async () => {
        await storage.init();
        await storage.init();
        await storage.ping();
        const user = await makeUser();
        expect(await storage.getUser(user.id)).toEqual(user);
      });
    });

    describe('users', () => {
      it('creates a user with defaults and finds it by id and email', async () => {
        const email = uniqueEmail();
        const user = await storage.createUser({ email, displayName: 'Ada' });
        expect(user).toMatchObject({
          email,
          displayName: 'Ada',
          avatarUrl: null,
          globalRole: 'user',
          isGuest: false,
          isActive: true,
          isEmailVerified: false,
          lastLoginAt: null,
          passwordHash: null,
          externalId: null,
        });
        expect(user.id).toMatch(/^[0-9a-f-]{36}$/i);
        expect(Number.isNaN(Date.parse(user.createdAt))).toBe(false);
        expect(Number.isNaN(Date.parse(user.updatedAt))).toBe(false);
        expect(await storage.getUser(user.id)).toEqual(user);
        expect(await storage.getUserByEmail(email)).toEqual(user);
      });

      it('keeps every field given at creation', async () => {
        const externalId = `ext-${randomUUID()}`;
        const user = await makeUser({
          displayName: 'Grace',
          passwordHash: '$2b$12$hash',
          globalRole: 'technical_admin',
          isGuest: true,
          avatarUrl: 'https://example.test/a.png',
          isEmailVerified: true,
          externalId,
        });
        expect(user).toMatchObject({
          displayName: 'Grace',
          passwordHash: '$2b$12$hash',
          globalRole: 'technical_admin',
          isGuest: true,
          avatarUrl: 'https://example.test/a.png',
          isEmailVerified: true,
          externalId,
        });
        expect(await storage.getUser(user.id)).toEqual(user);
      });

      it('throws EMAIL_TAKEN for an email that exists, ignoring case', async () => {
        const email = uniqueEmail();
        const first = await storage.createUser({ email, displayName: 'One' });
        await expectCode(storage.createUser({ email, displayName: 'Two' }), 'EMAIL_TAKEN');
        await expectCode(
          storage.createUser({ email: email.toUpperCase(), displayName: 'Three' }),
          'EMAIL_TAKEN',
        );
        expect(await storage.getUserByEmail(email)).toEqual(first);
      });

      it('returns null for unknown users', async () => {
        expect(await storage.getUser(randomUUID())).toBeNull();
        expect(await storage.getUserByEmail(uniqueEmail('nobody'))).toBeNull();
        expect(await storage.updateUser(randomUUID(), { displayName: 'X' })).toBeNull();
      });

      it('updates only the patched fields', async () => {
        const user = await makeUser({ avatarUrl: 'https://example.test/a.png' });
        const updated = await storage.updateUser(user.id, {
          displayName: 'Renamed',
          avatarUrl: null,
          isActive: false,
          lastLoginAt: at(5),
        });
        expect(updated).toEqual({
          ...user,
          displayName: 'Renamed',
          avatarUrl: null,
          isActive: false,
          lastLoginAt: at(5),
          updatedAt: updated?.updatedAt,
        });
        expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThanOrEqual(
          Date.parse(user.updatedAt),
        );
        expect(await storage.getUser(user.id)).toEqual(updated);
        const promoted = await storage.updateUser(user.id, { globalRole: 'technical_admin' });
        expect(promoted).toMatchObject({ displayName: 'Renamed', globalRole: 'technical_admin' });
      });

      it('upserts external users by externalId', async () => {
        const externalId = `ext-${randomUUID()}`;
        const email = uniqueEmail('ext');
        const created = await storage.upsertExternalUser({
          externalId,
          email,
          displayName: 'Lin',
        });
        expect(created).toMatchObject({
          externalId,
          email,
          displayName: 'Lin',
          globalRole: 'user',
          isGuest: false,
          isActive: true,
          passwordHash: null,
          avatarUrl: null,
        });
        const newEmail = uniqueEmail('ext');
        const updated = await storage.upsertExternalUser({
          externalId,
          email: newEmail,
          displayName: 'Lin Updated',
          avatarUrl: 'https://example.test/lin.png',
          globalRole: 'technical_admin',
        });
        expect(updated.id).toBe(created.id);
        expect(updated).toMatchObject({
          email: newEmail,
          displayName: 'Lin Updated',
          avatarUrl: 'https://example.test/lin.png',
          globalRole: 'technical_admin',
        });
        expect(await storage.getUser(created.id)).toEqual(updated);
        expect(await storage.getUserByEmail(newEmail)).toEqual(updated);
        const other = await storage.upsertExternalUser({
          externalId: `ext-${randomUUID()}`,
          email: uniqueEmail('ext'),
          displayName: 'Other',
        });
        expect(other.id).not.toBe(created.id);
      });

      it('returns copies that do not change stored state', async () => {
        const user = await makeUser({ displayName: 'Original' });
        user.displayName = 'Mutated';
        expect((await storage.getUser(user.id))?.displayName).toBe('Original');
        const read = await storage.getUser(user.id);
        if (read) read.displayName = 'Mutated again';
        expect((await storage.getUser(user.id))?.displayName).toBe('Original');
      });
    });

    describe('sessions', () => {
      it('creates a session and finds it by hash', async () => {
        const user = await makeUser();
        const input = sessionInput(user.id);
        const session = await storage.createSession(input);
        expect(session).toMatchObject({ ...input, rotatedAt: null, revokedAt: null });
        expect(typeof session.id).toBe('string');
        expect(await storage.getSessionByHash(input.tokenHash)).toEqual(session);
        expect(await storage.getSessionByHash(`hash-${randomUUID()}`)).toBeNull();
      });

      it('rotates a live session into its family', async () => {
        const user = await makeUser();
        const input = sessionInput(user.id);
        await storage.createSession(input);
        const next = successor();
        const result = await storage.rotateSession(input.tokenHash, next, at(10));
        expect(result.status).toBe('rotated');
        if (result.status !== 'rotated') return;
        expect(result.previous).toMatchObject({ tokenHash: input.tokenHash, rotatedAt: at(10) });
        expect(result.session).toMatchObject({
          ...next,
          userId: user.id,
          familyId: input.familyId,
          rotatedAt: null,
          revokedAt: null,
        });
        expect(result.session.id).not.toBe(result.previous.id);
        expect(await storage.getSessionByHash(input.tokenHash)).toEqual(result.previous);
        expect(await storage.getSessionByHash(next.tokenHash)).toEqual(result.session);
        const again = await storage.rotateSession(next.tokenHash, successor(), at(20));
        expect(again.status).toBe('rotated');
      });

      it('reports unknown, reused, revoked and expired tokens without rotating', async () => {
        const user = await makeUser();
        expect(await storage.rotateSession(`hash-${randomUUID()}`, successor(), at(1))).toEqual({
          status: 'unknown',
        });

        const spent = sessionInput(user.id);
        await storage.createSession(spent);
        await storage.rotateSession(spent.tokenHash, successor(), at(1));
        const lateNext = successor();
        const reused = await storage.rotateSession(spent.tokenHash, lateNext, at(2));
        expect(reused).toMatchObject({
          status: 'reused',
          previous: { tokenHash: spent.tokenHash, rotatedAt: at(1) },
        });
        expect(await storage.getSessionByHash(lateNext.tokenHash)).toBeNull();

        const revoked = sessionInput(user.id);
        await storage.createSession(revoked);
        expect(await storage.revokeSession(revoked.tokenHash, at(1))).toBe(true);
        const revokedNext = successor();
        expect(await storage.rotateSession(revoked.tokenHash, revokedNext, at(2))).toMatchObject({
          status: 'reused',
          previous: { tokenHash: revoked.tokenHash, revokedAt: at(1), rotatedAt: null },
        });
        expect(await storage.getSessionByHash(revokedNext.tokenHash)).toBeNull();

        const expiring = sessionInput(user.id, { expiresAt: at(100) });
        await storage.createSession(expiring);
        const expiredNext = successor();
        // expiresAt <= now is expired: the boundary itself counts.
        expect(await storage.rotateSession(expiring.tokenHash, expiredNext, at(100))).toMatchObject(
          {
            status: 'expired',
            previous: { tokenHash: expiring.tokenHash, rotatedAt: null },
          },
        );
        expect(await storage.getSessionByHash(expiredNext.tokenHash)).toBeNull();
        expect((await storage.getSessionByHash(expiring.tokenHash))?.rotatedAt).toBeNull();
      });

      it('revokes one live session', async () => {
        const user = await makeUser();
        const live = sessionInput(user.id);
        await storage.createSession(live);
        expect(await storage.revokeSession(live.tokenHash, at(5))).toBe(true);
        expect((await storage.getSessionByHash(live.tokenHash))?.revokedAt).toBe(at(5));
        expect(await storage.revokeSession(live.tokenHash, at(6))).toBe(false);
        expect((await storage.getSessionByHash(live.tokenHash))?.revokedAt).toBe(at(5));
        expect(await storage.revokeSession(`hash-${randomUUID()}`, at(5))).toBe(false);

        const rotated = sessionInput(user.id);
        await storage.createSession(rotated);
        await storage.rotateSession(rotated.tokenHash, successor(), at(1));
        expect(await storage.revokeSession(rotated.tokenHash, at(2))).toBe(false);

        const expired = sessionInput(user.id, { expiresAt: at(10) });
        await storage.createSession(expired);
        expect(await storage.revokeSession(expired.tokenHash, at(10))).toBe(false);
      });

      it('revokes a whole family and counts the sessions not yet revoked', async () => {
        const user = await makeUser();
        const first = sessionInput(user.id);
        await storage.createSession(first);
        const second = successor();
        const third = successor();
        await storage.rotateSession(first.tokenHash, second, at(1));
        await storage.rotateSession(second.tokenHash, third, at(2));
        const earlier = sessionInput(user.id, { familyId: first.familyId });
        await storage.createSession(earlier);
        await storage.revokeSession(earlier.tokenHash, at(3));
        const otherFamily = sessionInput(user.id);
        await storage.createSession(otherFamily);

        expect(await storage.revokeSessionFamily(first.familyId, at(4))).toBe(3);
        for (const hash of [first.tokenHash, second.tokenHash, third.tokenHash]) {
          expect((await storage.getSessionByHash(hash))?.revokedAt).toBe(at(4));
        }
        expect((await storage.getSessionByHash(earlier.tokenHash))?.revokedAt).toBe(at(3));
        expect((await storage.getSessionByHash(otherFamily.tokenHash))?.revokedAt).toBeNull();
        expect(await storage.revokeSessionFamily(first.familyId, at(5))).toBe(0);
        expect(await storage.revokeSessionFamily(randomUUID(), at(5))).toBe(0);
      });

      it("revokes every session of a user and no one else's", async () => {
        const [user, other] = await makeUsers(2);
        if (!user || !other) throw new Error('fixture');
        const a = sessionInput(user.id);
        const b = sessionInput(user.id);
        const c = sessionInput(other.id);
        for (const input of [a, b, c]) await storage.createSession(input);
        expect(await storage.revokeUserSessions(user.id, at(9))).toBe(2);
        expect((await storage.getSessionByHash(a.tokenHash))?.revokedAt).toBe(at(9));
        expect((await storage.getSessionByHash(b.tokenHash))?.revokedAt).toBe(at(9));
        expect((await storage.getSessionByHash(c.tokenHash))?.revokedAt).toBeNull();
        expect(await storage.revokeUserSessions(user.id, at(10))).toBe(0);
      });
    });

    describe('settings', () => {
      it('stores the defaults on first read', async () => {
        const user = await makeUser();
        expect(await storage.getOrCreateSettings(user.id, DEFAULT_SETTINGS)).toEqual(
          DEFAULT_SETTINGS,
        );
        const otherDefaults: UserSettings = { ...DEFAULT_SETTINGS, languageCode: 'ru' };
        expect(await storage.getOrCreateSettings(user.id, otherDefaults)).toEqual(DEFAULT_SETTINGS);
      });

      it('merges updates over the defaults, then over the stored settings', async () => {
        const [user, other] = await makeUsers(2);
        if (!user || !other) throw new Error('fixture');
        const first = await storage.updateSettings(
          user.id,
          { preferredTheme: 'dark', defaultCameraDeviceId: 'cam-1' },
          DEFAULT_SETTINGS,
        );
        expect(first).toEqual({
          ...DEFAULT_SETTINGS,
          preferredTheme: 'dark',
          defaultCameraDeviceId: 'cam-1',
        });
        const second = await storage.updateSettings(
          user.id,
          { muteMicOnJoin: true, defaultCameraDeviceId: null },
          { ...DEFAULT_SETTINGS, languageCode: 'ru' },
        );
        expect(second).toEqual({
          ...DEFAULT_SETTINGS,
          preferredTheme: 'dark',
          muteMicOnJoin: true,
        });
        expect(await storage.getOrCreateSettings(user.id, DEFAULT_SETTINGS)).toEqual(second);
        expect(await storage.getOrCreateSettings(other.id, DEFAULT_SETTINGS)).toEqual(
          DEFAULT_SETTINGS,
        );
      });
    });

    describe('video profiles', () => {
      const profile = (name: string, isDefault: boolean) => ({
        name,
        backgroundType: 'blur' as const,
        backgroundImageUrl: null,
        noiseSuppressionLevel: 'medium' as const,
        isDefault,
      });

      it("creates and lists a user's own profiles", async () => {
        const [user, other] = await makeUsers(2);
        if (!user || !other) throw new Error('fixture');
        const created = await storage.createVideoProfile(user.id, profile('Office', false));
        expect(created).toEqual({ ...profile('Office', false), id: created.id });
        const image = await storage.createVideoProfile(user.id, {
          name: 'Beach',
          backgroundType: 'image',
          backgroundImageUrl: 'https://example.test/beach.jpg',
          noiseSuppressionLevel: 'off',
          isDefault: false,
        });
        await storage.createVideoProfile(other.id, profile('Not mine', false));
        const listed = await storage.listVideoProfiles(user.id);
        expect(listed.map((p) => p.id).sort()).toEqual([created.id, image.id].sort());
        expect(listed.find((p) => p.id === image.id)).toEqual(image);
        expect(await storage.listVideoProfiles(randomUUID())).toEqual([]);
      });

      it("a new default profile clears the user's other defaults only", async () => {
        const [user, other] = await makeUsers(2);
        if (!user || !other) throw new Error('fixture');
        const otherDefault = await storage.createVideoProfile(other.id, profile('Theirs', true));
        const a = await storage.createVideoProfile(user.id, profile('A', true));
        const b = await storage.createVideoProfile(user.id, profile('B', false));
        const c = await storage.createVideoProfile(user.id, profile('C', true));
        const byId = new Map((await storage.listVideoProfiles(user.id)).map((p) => [p.id, p]));
        expect(byId.get(a.id)?.isDefault).toBe(false);
        expect(byId.get(b.id)?.isDefault).toBe(false);
        expect(byId.get(c.id)?.isDefault).toBe(true);
        expect((await storage.listVideoProfiles(other.id))[0]).toEqual(otherDefault);
      });

      it("deletes only the user's own profile", async () => {
        const [user, other] = await makeUsers(2);
        if (!user || !other) throw new Error('fixture');
        const mine = await storage.createVideoProfile(user.id, profile('Mine', false));
        const theirs = await storage.createVideoProfile(other.id, profile('Theirs', false));
        expect(await storage.deleteVideoProfile(user.id, theirs.id)).toBe(false);
        expect(await storage.listVideoProfiles(other.id)).toEqual([theirs]);
        expect(await storage.deleteVideoProfile(user.id, mine.id)).toBe(true);
        expect(await storage.listVideoProfiles(user.id)).toEqual([]);
        expect(await storage.deleteVideoProfile(user.id, mine.id)).toBe(false);
        expect(await storage.deleteVideoProfile(user.id, randomUUID())).toBe(false);
      });
    });

    describe('rooms', () => {
      it('creates a scheduled room and reads it back', async () => {
        const host = await makeUser();
        const input = roomInput(host.id, {
          title: 'Design review',
          description: 'Weekly',
          maxParticipants: 12,
          waitingRoomEnabled: true,
          passwordHash: '$2b$12$room',
          scheduledStartAt: at(60),
          scheduledEndAt: at(3660),
          settings: { ...DEFAULT_ROOM_SETTINGS, chatEnabled: false, screenShare: 'hosts' },
        });
        const room = await storage.createRoom(input);
        expect(room).toMatchObject({
          ...input,
          status: 'scheduled',
          isLocked: false,
          actualStartAt: null,
          actualEndAt: null,
        });
        expect(Number.isNaN(Date.parse(room.createdAt))).toBe(false);
        expect(Number.isNaN(Date.parse(room.updatedAt))).toBe(false);
        expect(await storage.getRoom(room.id)).toEqual(room);
        expect(await storage.getRoom(randomUUID())).toBeNull();
      });

      it("lists a host's rooms newest first, with paging and total", async () => {
        const [host, other] = await makeUsers(2);
        if (!host || !other) throw new Error('fixture');
        const created = [];
        for (const title of ['first', 'second', 'third']) {
          created.push(await storage.createRoom(roomInput(host.id, { title })));
          await pause();
        }
        await storage.createRoom(roomInput(other.id));
        const all = await storage.listRoomsByHost(host.id, { limit: 10, offset: 0 });
        expect(all.total).toBe(3);
        expect(all.items.map((r) => r.title)).toEqual(['third', 'second', 'first']);
        expect(all.items[0]).toEqual(created[2]);
        const page1 = await storage.listRoomsByHost(host.id, { limit: 2, offset: 0 });
        const page2 = await storage.listRoomsByHost(host.id, { limit: 2, offset: 2 });
        expect(page1.total).toBe(3);
        expect(page2.total).toBe(3);
        expect([...page1.items, ...page2.items].map((r) => r.id)).toEqual(
          all.items.map((r) => r.id),
        );
        expect(await storage.listRoomsByHost(randomUUID(), { limit: 10, offset: 0 })).toEqual({
          items: [],
          total: 0,
        });
      });

      it('updates only the patched fields', async () => {
        const { room } = await makeRoom({ passwordHash: '$2b$12$x', description: 'keep' });
        const settings = { ...DEFAULT_ROOM_SETTINGS, muteOnJoin: true };
        const updated = await storage.updateRoom(room.id, {
          title: 'Renamed',
          maxParticipants: 5,
          passwordHash: null,
          isLocked: true,
          settings,
        });
        expect(updated).toEqual({
          ...room,
          title: 'Renamed',
          maxParticipants: 5,
          passwordHash: null,
          isLocked: true,
          settings,
          updatedAt: updated?.updatedAt,
        });
        expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThanOrEqual(
          Date.parse(room.updatedAt),
        );
        expect(await storage.getRoom(room.id)).toEqual(updated);
        expect(await storage.updateRoom(randomUUID(), { title: 'x' })).toBeNull();
      });

      it('deletes a room with everything in it but keeps the audit log', async () => {
        const { host, room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const guest = await makeUser();
        const { participant } = await admit(room.id, host.id, { role: 'host' });
        const waiter = await makeUser();
        const { entry } = await storage.requestWaitingEntry({
          roomId: room.id,
          userId: waiter.id,
          displayName: 'W',
          now: at(1),
        });
        const invite = await storage.createInvite(inviteInput(room.id, host.id));
        await storage.redeemInvite({ token: invite.token, userId: guest.id, now: at(1) });
        const { message: sent } = await storage.appendMessage(message(room.id));
        const { message: kept } = await storage.appendMessage(message(otherRoom.id));
        await storage.addStatsSample(statsInput(room.id, participant.id));
        const audit = await storage.appendAudit({
          actorUserId: host.id,
          actorRole: 'host',
          roomId: room.id,
          eventType: 'room_created',
          payload: {},
          now: at(0),
        });

        expect(await storage.deleteRoom(room.id)).toBe(true);
        expect(await storage.getRoom(room.id)).toBeNull();
        expect(await storage.getParticipant(participant.id)).toBeNull();
        expect(await storage.countActiveParticipants(room.id)).toBe(0);
        expect(await storage.getWaitingEntry(entry.id)).toBeNull();
        expect(await storage.getInvite(invite.id)).toBeNull();
        expect(await storage.listInvites(room.id)).toEqual([]);
        await expectCode(
          storage.redeemInvite({ token: invite.token, userId: guest.id, now: at(2) }),
          'INVITE_NOT_FOUND',
        );
        expect(await storage.hasRedeemedInvite(room.id, guest.id)).toBe(false);
        expect(await storage.getMessage(sent.id)).toBeNull();
        expect(await storage.lastSeq(room.id)).toBe(0);
        expect(await storage.listMessages(room.id, { limit: 50 })).toEqual({
          items: [],
          hasMore: false,
        });
        expect(await storage.listStatsSamples(room.id, participant.id)).toEqual([]);
        expect(await storage.summarizeRoomStats(room.id)).toEqual([]);
        expect(await storage.listAudit({ roomId: room.id, limit: 10 })).toEqual([audit]);
        expect(await storage.getMessage(kept.id)).toEqual(kept);
        expect(await storage.deleteRoom(room.id)).toBe(false);
        expect(await storage.deleteRoom(randomUUID())).toBe(false);
      });

      it('ends a room: participants leave, pending entries expire', async () => {
        const { host, room } = await makeRoom();
        const [a, b, c, waiter, rejected] = await makeUsers(5);
        if (!a || !b || !c || !waiter || !rejected) throw new Error('fixture');
        await admit(room.id, host.id, { role: 'host', enforceCapacity: false });
        const pa = (await admit(room.id, a.id)).participant;
        await admit(room.id, b.id);
        const pc = (await admit(room.id, c.id)).participant;
        await storage.leaveParticipant(pc.id, 'left', at(5));
        const pending = (
          await storage.requestWaitingEntry({
            roomId: room.id,
            userId: waiter.id,
            displayName: 'W',
            now: at(6),
          })
        ).entry;
        const toReject = (
          await storage.requestWaitingEntry({
            roomId: room.id,
            userId: rejected.id,
            displayName: 'R',
            now: at(6),
          })
        ).entry;
        await storage.decideWaitingEntry({
          entryId: toReject.id,
          decision: 'rejected',
          decidedByUserId: host.id,
          reason: 'no',
          now: at(7),
        });

        const result = await storage.endRoom(room.id, at(100), 'room_ended');
        expect(result?.room).toMatchObject({ id: room.id, status: 'ended', actualEndAt: at(100) });
        expect(result?.participants).toHaveLength(3);
        for (const p of result?.participants ?? []) {
          expect(p).toMatchObject({ leftAt: at(100), leaveReason: 'room_ended', isKicked: false });
        }
        expect(result?.participants.map((p) => p.userId).sort()).toEqual(
          [host.id, a.id, b.id].sort(),
        );
        expect(result?.entries).toEqual([{ ...pending, status: 'expired', decidedAt: at(100) }]);
        expect(await storage.getRoom(room.id)).toEqual(result?.room);
        expect(await storage.countActiveParticipants(room.id)).toBe(0);
        expect(await storage.getParticipant(pa.id)).toMatchObject({ leftAt: at(100) });
        expect(await storage.getParticipant(pc.id)).toMatchObject({
          leftAt: at(5),
          leaveReason: 'left',
        });
        expect(await storage.listPendingEntries(room.id)).toEqual([]);
        expect((await storage.getWaitingEntry(toReject.id))?.status).toBe('rejected');
        await expectCode(admit(room.id, a.id, { now: at(101) }), 'ROOM_ENDED');
        expect(await storage.endRoom(randomUUID(), at(100), 'room_ended')).toBeNull();
      });
    });

    describe('participants', () => {
      it('admits a user and starts a scheduled room', async () => {
        const { room } = await makeRoom();
        const [a, b] = await makeUsers(2);
        if (!a || !b) throw new Error('fixture');
        const first = await admit(room.id, a.id, { displayName: 'Ann', now: at(3) });
        expect(first).toMatchObject({ created: true, roomStarted: true });
        expect(first.participant).toMatchObject({
          roomId: room.id,
          userId: a.id,
          displayName: 'Ann',
          role: 'participant',
          joinedAt: at(3),
          leftAt: null,
          leaveReason: null,
          isKicked: false,
          livekitSid: null,
        });
        expect(await storage.getRoom(room.id)).toMatchObject({
          status: 'active',
          actualStartAt: at(3),
        });
        const second = await admit(room.id, b.id, { role: 'co_host', now: at(4) });
        expect(second).toMatchObject({ created: true, roomStarted: false });
        expect(second.participant.role).toBe('co_host');
        expect((await storage.getRoom(room.id))?.actualStartAt).toBe(at(3));
        expect(await storage.getParticipant(first.participant.id)).toEqual(first.participant);
      });

      it('returns the active participant when the user is already in', async () => {
        const { room } = await makeRoom({ maxParticipants: 1 });
        const user = await makeUser();
        const first = await admit(room.id, user.id);
        // The room is full now, but the user is already in: no ROOM_FULL.
        const again = await admit(room.id, user.id, { displayName: 'Other name', now: at(9) });
        expect(again).toEqual({
          participant: first.participant,
          created: false,
          roomStarted: false,
        });
        expect(await storage.countActiveParticipants(room.id)).toBe(1);
      });

      it('throws ROOM_NOT_FOUND, ROOM_ENDED and PARTICIPANT_KICKED', async () => {
        const user = await makeUser();
        await expectCode(admit(randomUUID(), user.id), 'ROOM_NOT_FOUND');

        const { room: ended } = await makeRoom();
        await storage.endRoom(ended.id, at(1), 'room_ended');
        await expectCode(admit(ended.id, user.id, { enforceCapacity: false }), 'ROOM_ENDED');

        const { room: cancelled } = await makeRoom();
        await storage.updateRoom(cancelled.id, { status: 'cancelled' });
        await expectCode(admit(cancelled.id, user.id), 'ROOM_ENDED');

        const { room } = await makeRoom();
        const { participant } = await admit(room.id, user.id);
        await storage.kickParticipant(participant.id, 'spam', at(2));
        await expectCode(admit(room.id, user.id), 'PARTICIPANT_KICKED');
        await expectCode(admit(room.id, user.id, { enforceCapacity: false }), 'PARTICIPANT_KICKED');
        expect(await storage.countActiveParticipants(room.id)).toBe(0);
      });

      it('enforces capacity only when asked', async () => {
        const { host, room } = await makeRoom({ maxParticipants: 2 });
        const [a, b, c] = await makeUsers(3);
        if (!a || !b || !c) throw new Error('fixture');
        const pa = (await admit(room.id, a.id)).participant;
        await admit(room.id, b.id);
        await expectCode(admit(room.id, c.id), 'ROOM_FULL');
        expect(await storage.findActiveParticipant(room.id, c.id)).toBeNull();
        // The host bypasses capacity.
        const hostAdmission = await admit(room.id, host.id, {
          role: 'host',
          enforceCapacity: false,
        });
        expect(hostAdmission.created).toBe(true);
        expect(await storage.countActiveParticipants(room.id)).toBe(3);
        await storage.leaveParticipant(pa.id, 'left', at(1));
        await expectCode(admit(room.id, c.id), 'ROOM_FULL');
        await storage.leaveParticipant(hostAdmission.participant.id, 'left', at(1));
        expect((await admit(room.id, c.id)).created).toBe(true);
        expect(await storage.countActiveParticipants(room.id)).toBe(2);
      });

      it('finds, lists and counts active participants only', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const [a, b, c] = await makeUsers(3);
        if (!a || !b || !c) throw new Error('fixture');
        const pa = (await admit(room.id, a.id)).participant;
        const pb = (await admit(room.id, b.id)).participant;
        await admit(otherRoom.id, c.id);
        await storage.leaveParticipant(pb.id, 'left', at(1));
        expect(await storage.findActiveParticipant(room.id, a.id)).toEqual(pa);
        expect(await storage.findActiveParticipant(room.id, b.id)).toBeNull();
        expect(await storage.findActiveParticipant(room.id, c.id)).toBeNull();
        expect(await storage.listActiveParticipants(room.id)).toEqual([pa]);
        expect(await storage.countActiveParticipants(room.id)).toBe(1);
        expect(await storage.countActiveParticipants(otherRoom.id)).toBe(1);
        expect(await storage.getParticipant(pb.id)).toMatchObject({ leftAt: at(1) });
        expect(await storage.getParticipant(randomUUID())).toBeNull();
        expect(await storage.listActiveParticipants(randomUUID())).toEqual([]);
      });

      it('reads a room with the active participant of a user', async () => {
        const { host, room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const [a, b, c, d] = await makeUsers(4);
        if (!a || !b || !c || !d) throw new Error('fixture');
        const pa = (await admit(room.id, a.id)).participant;
        const pb = (await admit(room.id, b.id)).participant;
        await storage.leaveParticipant(pb.id, 'left', at(1));
        const pc = (await admit(room.id, c.id)).participant;
        await storage.kickParticipant(pc.id, 'spam', at(2));
        await admit(otherRoom.id, d.id);
        const stored = await storage.getRoom(room.id);
        expect(await storage.getRoomWithParticipant(room.id, a.id)).toEqual({
          room: stored,
          participant: pa,
        });
        // Left, kicked, active elsewhere, never joined: the room without a participant.
        for (const user of [b, c, d, host]) {
          expect(await storage.getRoomWithParticipant(room.id, user.id)).toEqual({
            room: stored,
            participant: null,
          });
        }
        // Rejoined: the new participant, not the one who left.
        const again = (await admit(room.id, b.id, { now: at(3) })).participant;
        expect((await storage.getRoomWithParticipant(room.id, b.id))?.participant).toEqual(again);
        expect(await storage.getRoomWithParticipant(randomUUID(), a.id)).toBeNull();
        expect(await storage.getRoomWithParticipant('not-a-uuid', a.id)).toBeNull();
        expect(await storage.getRoomWithParticipant(room.id, 'not-a-uuid')).toEqual({
          room: stored,
          participant: null,
        });
      });

      it('lets an active participant leave once, then rejoin as a new participant', async () => {
        const { room } = await makeRoom();
        const user = await makeUser();
        const { participant } = await admit(room.id, user.id);
        const left = await storage.leaveParticipant(participant.id, 'left', at(7));
        expect(left).toEqual({ ...participant, leftAt: at(7), leaveReason: 'left' });
        expect(await storage.leaveParticipant(participant.id, 'left', at(8))).toBeNull();
        expect(await storage.leaveParticipant(randomUUID(), 'left', at(8))).toBeNull();
        expect(await storage.hasBeenKicked(room.id, user.id)).toBe(false);
        const rejoined = await admit(room.id, user.id, { now: at(9) });
        expect(rejoined.created).toBe(true);
        expect(rejoined.participant.id).not.toBe(participant.id);
        expect(await storage.getParticipant(participant.id)).toEqual(left);
      });

      it('kicks an active participant', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const [user, bystander, leaver] = await makeUsers(3);
        if (!user || !bystander || !leaver) throw new Error('fixture');
        const { participant } = await admit(room.id, user.id);
        await admit(room.id, bystander.id);
        const kicked = await storage.kickParticipant(participant.id, 'spamming links', at(4));
        expect(kicked).toEqual({
          ...participant,
          isKicked: true,
          leftAt: at(4),
          leaveReason: 'kicked',
        });
        expect(await storage.getParticipant(participant.id)).toEqual(kicked);
        expect(await storage.hasBeenKicked(room.id, user.id)).toBe(true);
        expect(await storage.hasBeenKicked(room.id, bystander.id)).toBe(false);
        expect(await storage.hasBeenKicked(otherRoom.id, user.id)).toBe(false);
        expect(await storage.kickParticipant(participant.id, 'again', at(5))).toBeNull();
        expect(await storage.kickParticipant(randomUUID(), 'x', at(5))).toBeNull();
        // A participant who already left cannot be kicked.
        const gone = (await admit(room.id, leaver.id)).participant;
        await storage.leaveParticipant(gone.id, 'left', at(5));
        expect(await storage.kickParticipant(gone.id, 'late', at(6))).toBeNull();
        expect(await storage.hasBeenKicked(room.id, leaver.id)).toBe(false);
        expect((await admit(otherRoom.id, user.id)).created).toBe(true);
      });

      it('sets the role and the LiveKit sid', async () => {
        const { room } = await makeRoom();
        const user = await makeUser();
        const { participant } = await admit(room.id, user.id);
        expect(await storage.setParticipantRole(participant.id, 'co_host')).toEqual({
          ...participant,
          role: 'co_host',
        });
        expect(await storage.setParticipantLivekitSid(participant.id, 'PA_abc')).toMatchObject({
          role: 'co_host',
          livekitSid: 'PA_abc',
        });
        expect(await storage.getParticipant(participant.id)).toMatchObject({
          role: 'co_host',
          livekitSid: 'PA_abc',
        });
        expect(
          (await storage.setParticipantLivekitSid(participant.id, null))?.livekitSid,
        ).toBeNull();
        expect(await storage.setParticipantRole(randomUUID(), 'participant')).toBeNull();
        expect(await storage.setParticipantLivekitSid(randomUUID(), 'PA_x')).toBeNull();
      });
    });

    describe('waiting room', () => {
      const request = (roomId: string, userId: string, now = at(0), displayName = 'Waiter') =>
        storage.requestWaitingEntry({ roomId, userId, displayName, now });

      const decide = (
        entryId: string,
        decision: 'approved' | 'rejected',
        decidedByUserId: string,
        now = at(10),
        reason: string | null = null,
      ) => storage.decideWaitingEntry({ entryId, decision, decidedByUserId, reason, now });

      it('creates one pending entry per room and user', async () => {
        const { room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const first = await request(room.id, user.id, at(2), 'Knocker');
        expect(first.created).toBe(true);
        expect(first.entry).toMatchObject({
          roomId: room.id,
          userId: user.id,
          displayName: 'Knocker',
          status: 'pending',
          requestedAt: at(2),
          decidedAt: null,
          decidedByUserId: null,
          reason: null,
        });
        const again = await request(room.id, user.id, at(3));
        expect(again).toEqual({ entry: first.entry, created: false });
        expect(await storage.getWaitingEntry(first.entry.id)).toEqual(first.entry);
        expect(await storage.findPendingEntry(room.id, user.id)).toEqual(first.entry);
        expect(await storage.getWaitingEntry(randomUUID())).toBeNull();
        expect(await storage.findPendingEntry(room.id, randomUUID())).toBeNull();
      });

      it('creates a new entry once the previous one was decided', async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const first = await request(room.id, user.id);
        await decide(first.entry.id, 'rejected', host.id);
        expect(await storage.findPendingEntry(room.id, user.id)).toBeNull();
        const second = await request(room.id, user.id, at(20));
        expect(second.created).toBe(true);
        expect(second.entry.id).not.toBe(first.entry.id);
        expect(second.entry.status).toBe('pending');
      });

      it("lists a room's pending entries oldest first", async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const { room: otherRoom } = await makeRoom({ waitingRoomEnabled: true });
        const [a, b, c, d] = await makeUsers(4);
        if (!a || !b || !c || !d) throw new Error('fixture');
        const late = (await request(room.id, a.id, at(30))).entry;
        const early = (await request(room.id, b.id, at(10))).entry;
        const decided = (await request(room.id, c.id, at(5))).entry;
        await request(otherRoom.id, d.id, at(1));
        await decide(decided.id, 'rejected', host.id);
        const middle = (await request(room.id, d.id, at(20))).entry;
        expect((await storage.listPendingEntries(room.id)).map((e) => e.id)).toEqual([
          early.id,
          middle.id,
          late.id,
        ]);
        expect(await storage.listPendingEntries(randomUUID())).toEqual([]);
      });

      it('approving admits the user as a participant', async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const { entry } = await request(room.id, user.id, at(1), 'Knocker');
        const result = await decide(entry.id, 'approved', host.id, at(10), 'welcome');
        expect(result.entry).toEqual({
          ...entry,
          status: 'approved',
          decidedAt: at(10),
          decidedByUserId: host.id,
          reason: 'welcome',
        });
        expect(result.participant).toMatchObject({
          roomId: room.id,
          userId: user.id,
          displayName: 'Knocker',
          role: 'participant',
          joinedAt: at(10),
          leftAt: null,
          isKicked: false,
        });
        expect(result.roomStarted).toBe(true);
        expect(await storage.getRoom(room.id)).toMatchObject({
          status: 'active',
          actualStartAt: at(10),
        });
        expect(await storage.findActiveParticipant(room.id, user.id)).toEqual(result.participant);
        expect(await storage.getWaitingEntry(entry.id)).toEqual(result.entry);
        expect(await storage.findPendingEntry(room.id, user.id)).toBeNull();
      });

      it('rejecting admits no one', async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const { entry } = await request(room.id, user.id);
        const result = await decide(entry.id, 'rejected', host.id, at(10), 'not invited');
        expect(result).toEqual({
          entry: {
            ...entry,
            status: 'rejected',
            decidedAt: at(10),
            decidedByUserId: host.id,
            reason: 'not invited',
          },
          participant: null,
          roomStarted: false,
        });
        expect(await storage.findActiveParticipant(room.id, user.id)).toBeNull();
        expect((await storage.getRoom(room.id))?.status).toBe('scheduled');
      });

      it('throws ENTRY_NOT_FOUND and ENTRY_NOT_PENDING', async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const [a, b] = await makeUsers(2);
        if (!a || !b) throw new Error('fixture');
        await expectCode(decide(randomUUID(), 'approved', host.id), 'ENTRY_NOT_FOUND');
        const approved = (await request(room.id, a.id)).entry;
        await decide(approved.id, 'approved', host.id);
        await expectCode(decide(approved.id, 'approved', host.id), 'ENTRY_NOT_PENDING');
        await expectCode(decide(approved.id, 'rejected', host.id), 'ENTRY_NOT_PENDING');
        const rejected = (await request(room.id, b.id)).entry;
        await decide(rejected.id, 'rejected', host.id);
        await expectCode(decide(rejected.id, 'approved', host.id), 'ENTRY_NOT_PENDING');
        expect(await storage.findActiveParticipant(room.id, b.id)).toBeNull();
      });

      it('ROOM_FULL on approval leaves the entry pending', async () => {
        const { host, room } = await makeRoom({ maxParticipants: 1, waitingRoomEnabled: true });
        const [inside, waiter] = await makeUsers(2);
        if (!inside || !waiter) throw new Error('fixture');
        const { participant } = await admit(room.id, inside.id);
        const { entry } = await request(room.id, waiter.id);
        await expectCode(decide(entry.id, 'approved', host.id), 'ROOM_FULL');
        expect(await storage.getWaitingEntry(entry.id)).toEqual(entry);
        expect(await storage.findActiveParticipant(room.id, waiter.id)).toBeNull();
        await storage.leaveParticipant(participant.id, 'left', at(5));
        const result = await decide(entry.id, 'approved', host.id);
        expect(result.entry.status).toBe('approved');
        expect(result.participant?.userId).toBe(waiter.id);
      });

      it('approval of a user who is already in returns that participant', async () => {
        const { host, room } = await makeRoom({ maxParticipants: 1, waitingRoomEnabled: true });
        const user = await makeUser();
        const { entry } = await request(room.id, user.id);
        const { participant } = await admit(room.id, user.id);
        const result = await decide(entry.id, 'approved', host.id);
        expect(result.entry.status).toBe('approved');
        expect(result.participant).toEqual(participant);
        expect(await storage.countActiveParticipants(room.id)).toBe(1);
      });

      it('approval runs the admission checks (ROOM_ENDED, PARTICIPANT_KICKED)', async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const [kicked, late] = await makeUsers(2);
        if (!kicked || !late) throw new Error('fixture');
        const { participant } = await admit(room.id, kicked.id);
        await storage.kickParticipant(participant.id, 'spam', at(1));
        const kickedEntry = (await request(room.id, kicked.id)).entry;
        await expectCode(decide(kickedEntry.id, 'approved', host.id), 'PARTICIPANT_KICKED');
        expect((await storage.getWaitingEntry(kickedEntry.id))?.status).toBe('pending');

        const lateEntry = (await request(room.id, late.id)).entry;
        await storage.updateRoom(room.id, { status: 'cancelled' });
        await expectCode(decide(lateEntry.id, 'approved', host.id), 'ROOM_ENDED');
        expect((await storage.getWaitingEntry(lateEntry.id))?.status).toBe('pending');
        expect(await storage.findActiveParticipant(room.id, late.id)).toBeNull();
      });
    });

    describe('invites', () => {
      it('creates an invite and reads it back', async () => {
        const { host, room } = await makeRoom();
        const input = { ...inviteInput(room.id, host.id, 5), label: 'Team', expiresAt: at(500) };
        const invite = await storage.createInvite(input);
        expect(invite).toMatchObject({
          roomId: room.id,
          token: input.token,
          label: 'Team',
          expiresAt: at(500),
          maxUses: 5,
          usedCount: 0,
        });
        expect(Number.isNaN(Date.parse(invite.createdAt))).toBe(false);
        expect(await storage.getInvite(invite.id)).toEqual(invite);
        expect(await storage.getInvite(randomUUID())).toBeNull();
      });

      it("lists a room's live invites newest first", async () => {
        const { host, room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const first = await storage.createInvite(inviteInput(room.id, host.id));
        await pause();
        const revoked = await storage.createInvite(inviteInput(room.id, host.id));
        await pause();
        const third = await storage.createInvite(inviteInput(room.id, host.id));
        await storage.createInvite(inviteInput(otherRoom.id, host.id));
        expect(await storage.revokeInvite(revoked.id, at(1))).toBe(true);
        expect(await storage.listInvites(room.id)).toEqual([third, first]);
      });

      it('revokes an invite once; a revoked invite is gone', async () => {
        const { host, room } = await makeRoom();
        const user = await makeUser();
        const invite = await storage.createInvite(inviteInput(room.id, host.id));
        expect(await storage.revokeInvite(invite.id, at(1))).toBe(true);
        expect(await storage.revokeInvite(invite.id, at(2))).toBe(false);
        expect(await storage.revokeInvite(randomUUID(), at(2))).toBe(false);
        expect(await storage.getInvite(invite.id)).toBeNull();
        await expectCode(
          storage.redeemInvite({ token: invite.token, userId: user.id, now: at(3) }),
          'INVITE_NOT_FOUND',
        );
      });

      it('redeems for an existing user, once per user', async () => {
        const { host, room } = await makeRoom();
        const user = await makeUser();
        const invite = await storage.createInvite(inviteInput(room.id, host.id, 2));
        expect(await storage.hasRedeemedInvite(room.id, user.id)).toBe(false);
        const first = await storage.redeemInvite({
          token: invite.token,
          userId: user.id,
          now: at(1),
        });
        expect(first.firstUse).toBe(true);
        expect(first.invite).toEqual({ ...invite, usedCount: 1 });
        expect(first.user).toEqual(user);
        const again = await storage.redeemInvite({
          token: invite.token,
          userId: user.id,
          now: at(2),
        });
        expect(again.firstUse).toBe(false);
        expect(again.invite.usedCount).toBe(1);
        expect(again.user.id).toBe(user.id);
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(1);
        expect(await storage.hasRedeemedInvite(room.id, user.id)).toBe(true);
      });

      it('redeems for a new guest created with the given fields', async () => {
        const { host, room } = await makeRoom();
        const invite = await storage.createInvite(inviteInput(room.id, host.id, 1));
        const guest = guestInput();
        const result = await storage.redeemInvite({ token: invite.token, guest, now: at(1) });
        expect(result.firstUse).toBe(true);
        expect(result.user).toMatchObject({
          email: guest.email,
          displayName: 'Visitor',
          isGuest: true,
          globalRole: 'guest',
          isActive: true,
          passwordHash: null,
        });
        expect(await storage.getUser(result.user.id)).toEqual(result.user);
        expect(result.invite.usedCount).toBe(1);
        expect(await storage.hasRedeemedInvite(room.id, result.user.id)).toBe(true);
      });

      it('throws INVITE_NOT_FOUND for an unknown token', async () => {
        const user = await makeUser();
        await expectCode(
          storage.redeemInvite({ token: `tok_${randomUUID()}`, userId: user.id, now: at(1) }),
          'INVITE_NOT_FOUND',
        );
        const guest = guestInput();
        await expectCode(
          storage.redeemInvite({ token: `tok_${randomUUID()}`, guest, now: at(1) }),
          'INVITE_NOT_FOUND',
        );
        expect(await storage.getUserByEmail(guest.email)).toBeNull();
      });

      it('throws INVITE_EXPIRED from expiresAt on, creating no guest', async () => {
        const { host, room } = await makeRoom();
        const [early, late] = await makeUsers(2);
        if (!early || !late) throw new Error('fixture');
        const invite = await storage.createInvite({
          ...inviteInput(room.id, host.id),
          expiresAt: at(100),
        });
        expect(
          (await storage.redeemInvite({ token: invite.token, userId: early.id, now: at(99) }))
            .firstUse,
        ).toBe(true);
        await expectCode(
          storage.redeemInvite({ token: invite.token, userId: late.id, now: at(100) }),
          'INVITE_EXPIRED',
        );
        const guest = guestInput();
        await expectCode(
          storage.redeemInvite({ token: invite.token, guest, now: at(200) }),
          'INVITE_EXPIRED',
        );
        expect(await storage.getUserByEmail(guest.email)).toBeNull();
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(1);
        expect(await storage.hasRedeemedInvite(room.id, late.id)).toBe(false);
      });

      it('throws ROOM_ENDED once the room has ended, counting no use and creating no guest', async () => {
        const { host, room } = await makeRoom();
        const [first, later] = await makeUsers(2);
        if (!first || !later) throw new Error('fixture');
        const invite = await storage.createInvite(inviteInput(room.id, host.id));
        await storage.redeemInvite({ token: invite.token, userId: first.id, now: at(1) });
        await storage.endRoom(room.id, at(2), 'room_ended');
        await expectCode(
          storage.redeemInvite({ token: invite.token, userId: later.id, now: at(3) }),
          'ROOM_ENDED',
        );
        await expectCode(
          storage.redeemInvite({ token: invite.token, userId: first.id, now: at(3) }),
          'ROOM_ENDED',
        );
        const guest = guestInput();
        await expectCode(
          storage.redeemInvite({ token: invite.token, guest, now: at(3) }),
          'ROOM_ENDED',
        );
        expect(await storage.getUserByEmail(guest.email)).toBeNull();
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(1);
      });

      it('throws INVITE_EXHAUSTED when every use is spent, but a past redeemer may return', async () => {
        const { host, room } = await makeRoom();
        const [first, second] = await makeUsers(2);
        if (!first || !second) throw new Error('fixture');
        const invite = await storage.createInvite(inviteInput(room.id, host.id, 1));
        await storage.redeemInvite({ token: invite.token, userId: first.id, now: at(1) });
        await expectCode(
          storage.redeemInvite({ token: invite.token, userId: second.id, now: at(2) }),
          'INVITE_EXHAUSTED',
        );
        const guest = guestInput();
        await expectCode(
          storage.redeemInvite({ token: invite.token, guest, now: at(2) }),
          'INVITE_EXHAUSTED',
        );
        expect(await storage.getUserByEmail(guest.email)).toBeNull();
        const again = await storage.redeemInvite({
          token: invite.token,
          userId: first.id,
          now: at(3),
        });
        expect(again.firstUse).toBe(false);
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(1);
        expect(await storage.hasRedeemedInvite(room.id, second.id)).toBe(false);
      });

      it('an invite without maxUses is unlimited', async () => {
        const { host, room } = await makeRoom();
        const users = await makeUsers(5);
        const invite = await storage.createInvite(inviteInput(room.id, host.id, null));
        for (const user of users) {
          await storage.redeemInvite({ token: invite.token, userId: user.id, now: at(1) });
        }
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(5);
      });

      it('remembers redemptions per room, even after the invite is revoked', async () => {
        const { host, room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const [user, other] = await makeUsers(2);
        if (!user || !other) throw new Error('fixture');
        const invite = await storage.createInvite(inviteInput(room.id, host.id));
        await storage.redeemInvite({ token: invite.token, userId: user.id, now: at(1) });
        await storage.revokeInvite(invite.id, at(2));
        expect(await storage.hasRedeemedInvite(room.id, user.id)).toBe(true);
        expect(await storage.hasRedeemedInvite(otherRoom.id, user.id)).toBe(false);
        expect(await storage.hasRedeemedInvite(room.id, other.id)).toBe(false);
      });
    });

    describe('chat', () => {
      it('appends messages with a gap-free seq per room', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const sender = await makeUser();
        const { participant } = await admit(room.id, sender.id, { displayName: 'Ada' });
        expect(await storage.lastSeq(room.id)).toBe(0);
        const input = userMessage(room.id, sender.id, { content: '<b>verbatim</b>', now: at(1) });
        const first = await storage.appendMessage(input);
        expect(first.created).toBe(true);
        expect(first.message).toMatchObject({
          roomId: room.id,
          seq: 1,
          senderParticipantId: participant.id,
          senderUserId: sender.id,
          senderDisplayName: 'Ada',
          messageType: 'user',
          content: '<b>verbatim</b>',
          createdAt: at(1),
          editedAt: null,
          deletedAt: null,
        });
        expect(first.message).not.toHaveProperty('clientMessageId');
        const second = await storage.appendMessage(message(room.id, { senderDisplayName: 'Bot' }));
        expect(second.message).toMatchObject({
          seq: 2,
          messageType: 'system',
          senderParticipantId: null,
          senderUserId: null,
          senderDisplayName: 'Bot',
        });
        expect((await storage.appendMessage(message(otherRoom.id))).message.seq).toBe(1);
        expect(await storage.lastSeq(room.id)).toBe(2);
        expect(await storage.lastSeq(otherRoom.id)).toBe(1);
        expect(await storage.getMessage(first.message.id)).toEqual(first.message);
        expect(await storage.getMessage(randomUUID())).toBeNull();
      });

      it('refuses sends to an ended room and from participants who left or were kicked', async () => {
        const { host, room } = await makeRoom();
        const [left, kicked, active, stranger] = await makeUsers(4);
        if (!left || !kicked || !active || !stranger) throw new Error('fixture');
        const leaver = (await admit(room.id, left.id)).participant;
        const victim = (await admit(room.id, kicked.id)).participant;
        await admit(room.id, active.id);
        await storage.leaveParticipant(leaver.id, 'left', at(1));
        await storage.kickParticipant(victim.id, 'spam', at(1));
        // Left, kicked, never joined (the host too, until they join), an id that is no user's.
        for (const userId of [left.id, kicked.id, stranger.id, host.id, randomUUID(), 'x']) {
          await expectCode(
            storage.appendMessage(userMessage(room.id, userId)),
            'NOT_A_PARTICIPANT',
          );
        }
        await expectCode(
          storage.appendMessage(userMessage(randomUUID(), active.id)),
          'ROOM_NOT_FOUND',
        );
        await expectCode(storage.appendMessage(message('not-a-room')), 'ROOM_NOT_FOUND');
        const sent = await storage.appendMessage(userMessage(room.id, active.id));
        expect(sent.message.seq).toBe(1);
        await storage.endRoom(room.id, at(2), 'room_ended');
        await expectCode(storage.appendMessage(userMessage(room.id, active.id)), 'ROOM_ENDED');
        for (const userId of [stranger.id, 'x']) {
          await expectCode(storage.appendMessage(userMessage(room.id, userId)), 'ROOM_ENDED');
        }
        await expectCode(storage.appendMessage(message(room.id)), 'ROOM_ENDED');
        // Refused sends consumed no seq.
        expect(await storage.lastSeq(room.id)).toBe(1);
      });

      it("refuses users' messages while the room's chat is disabled, not system messages", async () => {
        const { room } = await makeRoom();
        const user = await makeUser();
        await admit(room.id, user.id);
        await storage.updateRoom(room.id, { settings: { ...room.settings, chatEnabled: false } });
        await expectCode(storage.appendMessage(userMessage(room.id, user.id)), 'CHAT_DISABLED');
        // Not a participant comes first.
        const stranger = await makeUser();
        await expectCode(
          storage.appendMessage(userMessage(room.id, stranger.id)),
          'NOT_A_PARTICIPANT',
        );
        expect((await storage.appendMessage(message(room.id))).message.seq).toBe(1);
        await storage.updateRoom(room.id, { settings: { ...room.settings, chatEnabled: true } });
        expect((await storage.appendMessage(userMessage(room.id, user.id))).message.seq).toBe(2);
      });

      it('is idempotent on (room, sender, clientMessageId)', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const [sender, other] = await makeUsers(2);
        if (!sender || !other) throw new Error('fixture');
        await admit(room.id, sender.id);
        await admit(room.id, other.id);
        await admit(otherRoom.id, sender.id);
        const clientMessageId = `c-${randomUUID()}`;
        const first = await storage.appendMessage(
          userMessage(room.id, sender.id, { clientMessageId, content: 'one' }),
        );
        const again = await storage.appendMessage(
          userMessage(room.id, sender.id, { clientMessageId, content: 'two' }),
        );
        expect(again).toEqual({ message: first.message, created: false });
        expect(await storage.lastSeq(room.id)).toBe(1);
        const fromOther = await storage.appendMessage(
          userMessage(room.id, other.id, { clientMessageId }),
        );
        expect(fromOther).toMatchObject({ created: true, message: { seq: 2 } });
        const fromSystem = await storage.appendMessage(message(room.id, { clientMessageId }));
        expect(fromSystem).toMatchObject({ created: true, message: { seq: 3 } });
        expect(await storage.appendMessage(message(room.id, { clientMessageId }))).toEqual({
          message: fromSystem.message,
          created: false,
        });
        const inOtherRoom = await storage.appendMessage(
          userMessage(otherRoom.id, sender.id, { clientMessageId }),
        );
        expect(inOtherRoom.created).toBe(true);
        // A deleted first message is still the answer to a repeat.
        await storage.softDeleteMessage(first.message.id, at(3));
        expect(
          await storage.appendMessage(userMessage(room.id, sender.id, { clientMessageId })),
        ).toMatchObject({ created: false, message: { id: first.message.id, deletedAt: at(3) } });
        // Without a clientMessageId every call is a new message.
        await storage.appendMessage(userMessage(room.id, sender.id));
        await storage.appendMessage(userMessage(room.id, sender.id));
        expect(await storage.lastSeq(room.id)).toBe(5);
      });

      it('pages through messages by seq, leaving deleted ones out', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const ids: string[] = [];
        for (let i = 1; i <= 10; i += 1) {
          ids.push(
            (await storage.appendMessage(message(room.id, { content: `m${i}` }))).message.id,
          );
        }
        await storage.appendMessage(message(otherRoom.id));
        await storage.softDeleteMessage(ids[4] ?? '', at(5));
        const seqs = async (query: { limit: number; before?: number; after?: number }) => {
          const page = await storage.listMessages(room.id, query);
          return { seqs: page.items.map((m) => m.seq), hasMore: page.hasMore };
        };
        expect(await seqs({ limit: 50 })).toEqual({
          seqs: [1, 2, 3, 4, 6, 7, 8, 9, 10],
          hasMore: false,
        });
        expect(await seqs({ limit: 3 })).toEqual({ seqs: [8, 9, 10], hasMore: true });
        expect(await seqs({ limit: 3, before: 8 })).toEqual({ seqs: [4, 6, 7], hasMore: true });
        expect(await seqs({ limit: 10, before: 4 })).toEqual({ seqs: [1, 2, 3], hasMore: false });
        expect(await seqs({ limit: 3, before: 4 })).toEqual({ seqs: [1, 2, 3], hasMore: false });
        expect(await seqs({ limit: 3, after: 2 })).toEqual({ seqs: [3, 4, 6], hasMore: true });
        expect(await seqs({ limit: 3, after: 7 })).toEqual({ seqs: [8, 9, 10], hasMore: false });
        expect(await seqs({ limit: 5, after: 10 })).toEqual({ seqs: [], hasMore: false });
        expect(await seqs({ limit: 10, after: 2, before: 8 })).toEqual({
          seqs: [3, 4, 6, 7],
          hasMore: false,
        });
        expect(await seqs({ limit: 2, after: 2, before: 8 })).toEqual({
          seqs: [3, 4],
          hasMore: true,
        });
        const page = await storage.listMessages(room.id, { limit: 1 });
        expect(page.items[0]).toMatchObject({ roomId: room.id, seq: 10, content: 'm10' });
        expect(await storage.lastSeq(room.id)).toBe(10);
        expect(await storage.listMessages(randomUUID(), { limit: 10 })).toEqual({
          items: [],
          hasMore: false,
        });
      });

      it('edits a message that is not deleted', async () => {
        const { room } = await makeRoom();
        const { message: sent } = await storage.appendMessage(message(room.id));
        const edited = await storage.editMessage(sent.id, 'fixed', at(3));
        expect(edited).toEqual({ ...sent, content: 'fixed', editedAt: at(3) });
        expect(await storage.getMessage(sent.id)).toEqual(edited);
        expect(await storage.editMessage(randomUUID(), 'x', at(4))).toBeNull();
        await storage.softDeleteMessage(sent.id, at(5));
        expect(await storage.editMessage(sent.id, 'too late', at(6))).toBeNull();
        expect((await storage.getMessage(sent.id))?.content).toBe('fixed');
      });

      it('soft-deletes a message once', async () => {
        const { room } = await makeRoom();
        const { message: sent } = await storage.appendMessage(message(room.id));
        const deleted = await storage.softDeleteMessage(sent.id, at(5));
        expect(deleted).toEqual({ ...sent, deletedAt: at(5) });
        expect(await storage.getMessage(sent.id)).toEqual(deleted);
        expect(await storage.softDeleteMessage(sent.id, at(6))).toEqual(deleted);
        expect(await storage.softDeleteMessage(randomUUID(), at(6))).toBeNull();
        expect((await storage.listMessages(room.id, { limit: 10 })).items).toEqual([]);
        expect(await storage.lastSeq(room.id)).toBe(1);
        expect((await storage.appendMessage(message(room.id))).message.seq).toBe(2);
      });
    });

    describe('stats', () => {
      it('stores samples and lists one participant oldest first', async () => {
        const { room } = await makeRoom();
        const [a, b] = await makeUsers(2);
        if (!a || !b) throw new Error('fixture');
        const pa = (await admit(room.id, a.id)).participant;
        const pb = (await admit(room.id, b.id)).participant;
        const later = await storage.addStatsSample(statsInput(room.id, pa.id, { now: at(20) }));
        const input = statsInput(room.id, pa.id, { now: at(10), avgRttMs: 55.5 });
        const earlier = await storage.addStatsSample(input);
        await storage.addStatsSample(statsInput(room.id, pb.id));
        const { now: _now, ...body } = input;
        expect(earlier).toEqual({ ...body, id: earlier.id, recordedAt: at(10) });
        expect(await storage.listStatsSamples(room.id, pa.id)).toEqual([earlier, later]);
        expect(await storage.listStatsSamples(room.id, randomUUID())).toEqual([]);
      });

      it('averages every sample per participant, ordered by participant id', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const [a, b, c] = await makeUsers(3);
        if (!a || !b || !c) throw new Error('fixture');
        const pa = (await admit(room.id, a.id)).participant;
        const pb = (await admit(room.id, b.id)).participant;
        const pc = (await admit(otherRoom.id, c.id)).participant;
        const reports: [string, number, number, number, number, number, number][] = [
          // participant, rtt, jitter, lossUp, lossDown, bitrate, score
          [pa.id, 10, 1, 0, 2, 1000, 5],
          [pa.id, 20, 2, 1, 4, 2000, 4],
          [pa.id, 60, 6, 2, 0, 3000, 3],
          [pb.id, 100, 10, 5, 5, 500, 2],
        ];
        for (const [participantId, rtt, jitter, up, down, bitrate, score] of reports) {
          await storage.addStatsSample(
            statsInput(room.id, participantId, {
              avgRttMs: rtt,
              maxRttMs: rtt * 2,
              avgJitterMs: jitter,
              packetLossUpPercent: up,
              packetLossDownPercent: down,
              avgBitrateKbps: bitrate,
              networkScore: score,
            }),
          );
        }
        await storage.addStatsSample(statsInput(otherRoom.id, pc.id));
        const rows = await storage.summarizeRoomStats(room.id);
        expect(rows.map((r) => r.participantId)).toEqual([pa.id, pb.id].sort());
        const rowA = rows.find((r) => r.participantId === pa.id);
        const rowB = rows.find((r) => r.participantId === pb.id);
        expect(rowA?.samples).toBe(3);
        expect(rowA?.avgRttMs).toBeCloseTo(30);
        expect(rowA?.avgJitterMs).toBeCloseTo(3);
        expect(rowA?.packetLossUpPercent).toBeCloseTo(1);
        expect(rowA?.packetLossDownPercent).toBeCloseTo(2);
        expect(rowA?.avgBitrateKbps).toBeCloseTo(2000);
        expect(rowA?.networkScore).toBeCloseTo(4);
        expect(rowB).toEqual({
          participantId: pb.id,
          samples: 1,
          avgRttMs: 100,
          avgJitterMs: 10,
          packetLossUpPercent: 5,
          packetLossDownPercent: 5,
          avgBitrateKbps: 500,
          networkScore: 2,
        });
        expect(await storage.summarizeRoomStats(randomUUID())).toEqual([]);
      });
    });

    describe('audit', () => {
      const entry = (roomId: string | null, now: string, eventType = 'room_updated') => ({
        actorUserId: null,
        actorRole: 'host',
        roomId,
        eventType,
        payload: { title: 'New', nested: { count: 2, tags: ['a'] } },
        now,
      });

      it('appends entries and lists a room newest first', async () => {
        const { host, room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        const first = await storage.appendAudit({ ...entry(room.id, at(1)), actorUserId: host.id });
        expect(first).toEqual({
          id: first.id,
          eventTime: at(1),
          actorUserId: host.id,
          actorRole: 'host',
          roomId: room.id,
          eventType: 'room_updated',
          payload: { title: 'New', nested: { count: 2, tags: ['a'] } },
        });
        const third = await storage.appendAudit(entry(room.id, at(3)));
        const second = await storage.appendAudit(entry(room.id, at(2)));
        await storage.appendAudit(entry(otherRoom.id, at(4)));
        const ids = async (query: { before?: string; limit: number }) =>
          (await storage.listAudit({ roomId: room.id, ...query })).map((e) => e.id);
        expect(await ids({ limit: 10 })).toEqual([third.id, second.id, first.id]);
        expect(await ids({ limit: 2 })).toEqual([third.id, second.id]);
        expect(await ids({ limit: 10, before: at(3) })).toEqual([second.id, first.id]);
        expect(await ids({ limit: 10, before: at(1) })).toEqual([]);
        expect((await storage.listAudit({ roomId: room.id, limit: 1 }))[0]).toEqual(third);
      });

      it('breaks ties of eventTime by id, descending', async () => {
        const { room } = await makeRoom();
        const entries = [];
        for (let i = 0; i < 4; i += 1)
          entries.push(await storage.appendAudit(entry(room.id, at(7))));
        const expected = entries
          .map((e) => e.id)
          .sort()
          .reverse();
        const listed = await storage.listAudit({ roomId: room.id, limit: 10 });
        expect(listed.map((e) => e.id)).toEqual(expected);
      });

      it('lists every room when no room is given', async () => {
        const { room } = await makeRoom();
        const { room: otherRoom } = await makeRoom();
        // A random window far in the past keeps entries of other tests out.
        const base = Date.parse('1990-01-01T00:00:00.000Z') + Math.floor(Math.random() * 1e10);
        const t = (seconds: number) => new Date(base + seconds * 1000).toISOString();
        const a = await storage.appendAudit(entry(room.id, t(1)));
        const b = await storage.appendAudit(entry(null, t(2), 'rate_limit_changed'));
        const c = await storage.appendAudit(entry(otherRoom.id, t(3)));
        const listed = await storage.listAudit({ before: t(4), limit: 3 });
        expect(listed).toEqual([c, b, a]);
      });
    });

    describe('rate-limit rules', () => {
      const ruleInput = (input: Partial<NewRateLimitRule> = {}): NewRateLimitRule => ({
        scope: 'ip',
        routePattern: '/api/v1/rooms/:id/chat/messages',
        perMinute: 60,
        perHour: null,
        perDay: null,
        enabled: true,
        ...input,
      });

      it('creates, reads, lists in creation order, updates and deletes rules', async () => {
        const first = await storage.createRateLimitRule(ruleInput());
        expect(first).toMatchObject(ruleInput());
        expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
        expect(await storage.getRateLimitRule(first.id)).toEqual(first);
        await pause();
        const second = await storage.createRateLimitRule(
          ruleInput({ scope: 'global', routePattern: null, perMinute: null, perDay: 10_000 }),
        );
        await pause();
        const third = await storage.createRateLimitRule(ruleInput({ scope: 'user' }));
        const mine = new Set([first.id, second.id, third.id]);
        const listed = (await storage.listRateLimitRules()).filter((r) => mine.has(r.id));
        expect(listed).toEqual([first, second, third]);

        const updated = await storage.updateRateLimitRule(second.id, {
          enabled: false,
          perHour: 500,
        });
        expect(updated).toEqual({
          ...second,
          enabled: false,
          perHour: 500,
          updatedAt: updated?.updatedAt,
        });
        expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThanOrEqual(
          Date.parse(second.updatedAt),
        );
        expect(await storage.getRateLimitRule(second.id)).toEqual(updated);
        expect(await storage.updateRateLimitRule(randomUUID(), { enabled: false })).toBeNull();

        expect(await storage.deleteRateLimitRule(first.id)).toBe(true);
        expect(await storage.getRateLimitRule(first.id)).toBeNull();
        expect(await storage.deleteRateLimitRule(first.id)).toBe(false);
        expect(await storage.getRateLimitRule(randomUUID())).toBeNull();
        const remaining = (await storage.listRateLimitRules()).filter((r) => mine.has(r.id));
        expect(remaining.map((r) => r.id)).toEqual([second.id, third.id]);
      });
    });

    describe('livekit webhooks', () => {
      const webhookEvent = (input: Partial<WebhookEventRecord> = {}): WebhookEventRecord => ({
        id: `EV_${randomUUID()}`,
        event: 'participant_joined',
        roomName: `vc-${randomUUID()}`,
        participantSid: `PA_${randomUUID()}`,
        createdAt: at(0),
        ...input,
      });

      it('finds a room by its LiveKit name', async () => {
        const { room } = await makeRoom();
        await makeRoom();
        expect(await storage.getRoomByLivekitName(room.livekitRoomName)).toEqual(room);
        expect(await storage.getRoomByLivekitName(`vc-${randomUUID()}`)).toBeNull();
        expect(await storage.getRoomByLivekitName('')).toBeNull();
        await storage.deleteRoom(room.id);
        expect(await storage.getRoomByLivekitName(room.livekitRoomName)).toBeNull();
      });

      it('records an event id once; a redelivery changes nothing', async () => {
        const first = webhookEvent();
        expect(await storage.recordWebhookEvent(first)).toBe(true);
        expect(await storage.recordWebhookEvent(first)).toBe(false);
        // The same id with other content is still the same event: the first record stays.
        const other = webhookEvent({ id: first.id, participantSid: first.participantSid });
        expect(await storage.recordWebhookEvent({ ...other, createdAt: at(60) })).toBe(false);
        const found = await storage.findWebhookEvent({
          event: first.event,
          participantSid: first.participantSid ?? '',
        });
        expect(found).toEqual(first);
        expect(
          await storage.recordWebhookEvent(webhookEvent({ roomName: null, participantSid: null })),
        ).toBe(true);
      });

      it('finds the newest event of a type by participant sid or room name', async () => {
        const roomName = `vc-${randomUUID()}`;
        const sid = `PA_${randomUUID()}`;
        const joined = webhookEvent({ roomName, participantSid: sid, createdAt: at(10) });
        const left = webhookEvent({
          event: 'participant_left',
          roomName,
          participantSid: sid,
          createdAt: at(20),
        });
        const laterJoin = webhookEvent({ roomName, createdAt: at(30) });
        const earlierJoin = webhookEvent({ roomName, createdAt: at(5) });
        for (const event of [joined, left, laterJoin, earlierJoin]) {
          expect(await storage.recordWebhookEvent(event)).toBe(true);
        }
        expect(
          await storage.findWebhookEvent({ event: 'participant_left', participantSid: sid }),
        ).toEqual(left);
        expect(
          await storage.findWebhookEvent({ event: 'participant_joined', participantSid: sid }),
        ).toEqual(joined);
        // Recorded last but created earlier: the newest by createdAt is the answer.
        expect(await storage.findWebhookEvent({ event: 'participant_joined', roomName })).toEqual(
          laterJoin,
        );
        expect(
          await storage.findWebhookEvent({
            event: 'participant_joined',
            roomName,
            participantSid: sid,
          }),
        ).toEqual(joined);
        expect(
          await storage.findWebhookEvent({ event: 'room_finished', participantSid: sid }),
        ).toBeNull();
        expect(
          await storage.findWebhookEvent({
            event: 'participant_left',
            participantSid: `PA_${randomUUID()}`,
          }),
        ).toBeNull();
        expect(
          await storage.findWebhookEvent({
            event: 'participant_joined',
            roomName: `vc-${randomUUID()}`,
          }),
        ).toBeNull();

        // Equal createdAt: the one recorded later wins.
        const tieRoom = `vc-${randomUUID()}`;
        const a = webhookEvent({ roomName: tieRoom, createdAt: at(40) });
        const b = webhookEvent({ roomName: tieRoom, createdAt: at(40) });
        await storage.recordWebhookEvent(a);
        await pause();
        await storage.recordWebhookEvent(b);
        expect(
          await storage.findWebhookEvent({ event: 'participant_joined', roomName: tieRoom }),
        ).toEqual(b);
      });

      race('10 simultaneous records of one event id: exactly one is first', async () => {
        const event = webhookEvent();
        const results = await Promise.all(
          Array.from({ length: 10 }, () => storage.recordWebhookEvent({ ...event })),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(
          await storage.findWebhookEvent({
            event: event.event,
            participantSid: event.participantSid ?? '',
          }),
        ).toEqual(event);
      });
    });

    describe('copies', () => {
      it('values passed in or handed out never alias stored state', async () => {
        const { room } = await makeRoom();
        const settings = { ...DEFAULT_ROOM_SETTINGS };
        await storage.updateRoom(room.id, { settings });
        settings.chatEnabled = false;
        const read = await storage.getRoom(room.id);
        expect(read?.settings.chatEnabled).toBe(true);
        if (read) read.settings.chatEnabled = false;
        expect((await storage.getRoom(room.id))?.settings.chatEnabled).toBe(true);

        const user = await makeUser();
        const defaults = { ...DEFAULT_SETTINGS };
        const stored = await storage.getOrCreateSettings(user.id, defaults);
        defaults.languageCode = 'de';
        stored.languageCode = 'fr';
        expect((await storage.getOrCreateSettings(user.id, DEFAULT_SETTINGS)).languageCode).toBe(
          'en',
        );

        const payload = { list: [1] };
        const audit = await storage.appendAudit({
          actorUserId: null,
          actorRole: null,
          roomId: room.id,
          eventType: 'room_updated',
          payload,
          now: at(1),
        });
        payload.list.push(2);
        (audit.payload.list as number[]).push(3);
        expect((await storage.listAudit({ roomId: room.id, limit: 1 }))[0]?.payload).toEqual({
          list: [1],
        });
      });
    });

    describe('concurrency', () => {
      race('200 simultaneous admissions to 50 places admit exactly 50', async () => {
        const { room } = await makeRoom({ maxParticipants: 50 });
        const users = await makeUsers(200);
        const results = settle(
          await Promise.allSettled(users.map((user) => admit(room.id, user.id))),
        );
        expect(results.values).toHaveLength(50);
        expect(results.codes).toEqual(times(150, 'ROOM_FULL'));
        expect(new Set(results.values.map((r) => r.participant.userId)).size).toBe(50);
        expect(await storage.countActiveParticipants(room.id)).toBe(50);
        expect(await storage.listActiveParticipants(room.id)).toHaveLength(50);
        expect(results.values.filter((r) => r.roomStarted)).toHaveLength(1);
      });

      race('simultaneous admissions of one user create one participant', async () => {
        const { room } = await makeRoom({ maxParticipants: 5 });
        const user = await makeUser();
        const results = await Promise.all(
          Array.from({ length: 10 }, () => admit(room.id, user.id)),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.participant.id)).size).toBe(1);
        expect(await storage.countActiveParticipants(room.id)).toBe(1);
      });

      race('12 simultaneous redemptions of a 3-use invite: exactly 3 succeed', async () => {
        const { host, room } = await makeRoom();
        const users = await makeUsers(12);
        const invite = await storage.createInvite(inviteInput(room.id, host.id, 3));
        const results = settle(
          await Promise.allSettled(
            users.map((user) =>
              storage.redeemInvite({ token: invite.token, userId: user.id, now: at(1) }),
            ),
          ),
        );
        expect(results.values).toHaveLength(3);
        expect(results.values.every((r) => r.firstUse)).toBe(true);
        expect(results.codes).toEqual(times(9, 'INVITE_EXHAUSTED'));
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(3);
        const winners = new Set(results.values.map((r) => r.user.id));
        for (const user of users) {
          expect(await storage.hasRedeemedInvite(room.id, user.id)).toBe(winners.has(user.id));
        }
      });

      race('10 simultaneous redemptions by one user count once', async () => {
        const { host, room } = await makeRoom();
        const user = await makeUser();
        const invite = await storage.createInvite(inviteInput(room.id, host.id, 5));
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            storage.redeemInvite({ token: invite.token, userId: user.id, now: at(1) }),
          ),
        );
        expect(results.filter((r) => r.firstUse)).toHaveLength(1);
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(1);
      });

      race('simultaneous guest redemptions create only the guests that got a use', async () => {
        const { host, room } = await makeRoom();
        const invite = await storage.createInvite(inviteInput(room.id, host.id, 2));
        const guests = Array.from({ length: 6 }, () => guestInput());
        const results = settle(
          await Promise.allSettled(
            guests.map((guest) => storage.redeemInvite({ token: invite.token, guest, now: at(1) })),
          ),
        );
        expect(results.values).toHaveLength(2);
        expect(results.codes).toEqual(times(4, 'INVITE_EXHAUSTED'));
        const created = new Set(results.values.map((r) => r.user.email));
        for (const guest of guests) {
          const stored = await storage.getUserByEmail(guest.email);
          expect(stored !== null).toBe(created.has(guest.email));
        }
        expect((await storage.getInvite(invite.id))?.usedCount).toBe(2);
      });

      race('approve and reject of one entry: exactly one wins', async (index) => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const { entry } = await storage.requestWaitingEntry({
          roomId: room.id,
          userId: user.id,
          displayName: 'W',
          now: at(1),
        });
        const approve = () =>
          storage.decideWaitingEntry({
            entryId: entry.id,
            decision: 'approved',
            decidedByUserId: host.id,
            reason: null,
            now: at(2),
          });
        const reject = () =>
          storage.decideWaitingEntry({
            entryId: entry.id,
            decision: 'rejected',
            decidedByUserId: host.id,
            reason: null,
            now: at(2),
          });
        // Alternate which call starts first.
        const calls = index % 2 === 0 ? [approve(), reject()] : [reject(), approve()];
        const results = settle(await Promise.allSettled(calls));
        expect(results.values).toHaveLength(1);
        expect(results.codes).toEqual(['ENTRY_NOT_PENDING']);
        const winner = results.values[0];
        const stored = await storage.getWaitingEntry(entry.id);
        expect(stored?.status).toBe(winner?.entry.status);
        const active = await storage.findActiveParticipant(room.id, user.id);
        if (winner?.entry.status === 'approved') expect(active).toEqual(winner.participant);
        else expect(active).toBeNull();
      });

      race('simultaneous approvals of one entry admit once', async () => {
        const { host, room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const { entry } = await storage.requestWaitingEntry({
          roomId: room.id,
          userId: user.id,
          displayName: 'W',
          now: at(1),
        });
        const results = settle(
          await Promise.allSettled(
            Array.from({ length: 5 }, () =>
              storage.decideWaitingEntry({
                entryId: entry.id,
                decision: 'approved',
                decidedByUserId: host.id,
                reason: null,
                now: at(2),
              }),
            ),
          ),
        );
        expect(results.values).toHaveLength(1);
        expect(results.codes).toEqual(times(4, 'ENTRY_NOT_PENDING'));
        expect(await storage.countActiveParticipants(room.id)).toBe(1);
      });

      race('simultaneous approvals for 2 places admit exactly 2', async () => {
        const { host, room } = await makeRoom({ maxParticipants: 2, waitingRoomEnabled: true });
        const users = await makeUsers(6);
        const entries = await Promise.all(
          users.map(
            async (user) =>
              (
                await storage.requestWaitingEntry({
                  roomId: room.id,
                  userId: user.id,
                  displayName: 'W',
                  now: at(1),
                })
              ).entry,
          ),
        );
        const results = settle(
          await Promise.allSettled(
            entries.map((entry) =>
              storage.decideWaitingEntry({
                entryId: entry.id,
                decision: 'approved',
                decidedByUserId: host.id,
                reason: null,
                now: at(2),
              }),
            ),
          ),
        );
        expect(results.values).toHaveLength(2);
        expect(results.codes).toEqual(times(4, 'ROOM_FULL'));
        expect(await storage.countActiveParticipants(room.id)).toBe(2);
        expect(await storage.listPendingEntries(room.id)).toHaveLength(4);
      });

      race('kick against a rejoin of the same user: the user stays out', async (index) => {
        const { room } = await makeRoom();
        const user = await makeUser();
        const { participant } = await admit(room.id, user.id);
        const kick = () => storage.kickParticipant(participant.id, 'spam', at(5));
        const rejoin = () => admit(room.id, user.id, { now: at(5) });
        const [kickResult, rejoinResult] =
          index % 2 === 0
            ? await Promise.allSettled([kick(), rejoin()])
            : await Promise.allSettled([rejoin(), kick()]).then(([r, k]) => [k, r] as const);
        expect(kickResult?.status).toBe('fulfilled');
        if (kickResult?.status === 'fulfilled') expect(kickResult.value?.isKicked).toBe(true);
        if (rejoinResult?.status === 'fulfilled') {
          // The rejoin saw the participant still active and returned it.
          expect(rejoinResult.value.participant.id).toBe(participant.id);
          expect(rejoinResult.value.created).toBe(false);
        } else {
          expect(codeOf(rejoinResult?.reason)).toBe('PARTICIPANT_KICKED');
        }
        expect(await storage.findActiveParticipant(room.id, user.id)).toBeNull();
        expect(await storage.countActiveParticipants(room.id)).toBe(0);
        await expectCode(admit(room.id, user.id, { now: at(6) }), 'PARTICIPANT_KICKED');
      });

      race('100 simultaneous messages get seq 1..100 without a gap', async () => {
        const { room } = await makeRoom();
        const senders = await makeUsers(4);
        for (const sender of senders) await admit(room.id, sender.id);
        // From 4 participants and the system, interleaved.
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => {
            const sender = senders[i % 5];
            return storage.appendMessage(
              sender
                ? userMessage(room.id, sender.id, { content: `m${i}` })
                : message(room.id, { content: `m${i}` }),
            );
          }),
        );
        const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(await storage.lastSeq(room.id)).toBe(100);
        const listed = await storage.listMessages(room.id, { limit: 100 });
        expect(listed.items.map((m) => m.seq)).toEqual(seqs);
        expect(listed.hasMore).toBe(false);
      });

      race('20 simultaneous sends of one clientMessageId store one message', async () => {
        const { room } = await makeRoom();
        const sender = await makeUser();
        await admit(room.id, sender.id);
        const clientMessageId = `c-${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            storage.appendMessage(userMessage(room.id, sender.id, { clientMessageId })),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
        expect(await storage.lastSeq(room.id)).toBe(1);
        expect((await storage.listMessages(room.id, { limit: 50 })).items).toHaveLength(1);
      });

      race('10 simultaneous rotations of one token: exactly one rotates', async () => {
        const user = await makeUser();
        const input = sessionInput(user.id);
        await storage.createSession(input);
        const successors = Array.from({ length: 10 }, () => successor());
        const results = await Promise.all(
          successors.map((next) => storage.rotateSession(input.tokenHash, next, at(10))),
        );
        expect(results.filter((r) => r.status === 'rotated')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'reused')).toHaveLength(9);
        const stored = await Promise.all(
          successors.map((s) => storage.getSessionByHash(s.tokenHash)),
        );
        expect(stored.filter((s) => s !== null)).toHaveLength(1);
      });

      race('simultaneous sign-ups with one email: exactly one succeeds', async () => {
        const email = uniqueEmail('race');
        const results = settle(
          await Promise.allSettled(
            Array.from({ length: 10 }, (_, i) =>
              storage.createUser({ email, displayName: `Racer ${i}` }),
            ),
          ),
        );
        expect(results.values).toHaveLength(1);
        expect(results.codes).toEqual(times(9, 'EMAIL_TAKEN'));
        expect((await storage.getUserByEmail(email))?.id).toBe(results.values[0]?.id);
      });

      race('simultaneous knocks of one user create one entry', async () => {
        const { room } = await makeRoom({ waitingRoomEnabled: true });
        const user = await makeUser();
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            storage.requestWaitingEntry({
              roomId: room.id,
              userId: user.id,
              displayName: 'W',
              now: at(1),
            }),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
        expect(await storage.listPendingEntries(room.id)).toHaveLength(1);
      });
    });
  });
}
