import type {
  AuditEntry,
  ChatMessage,
  GlobalRole,
  Invite,
  Participant,
  ParticipantRole,
  RateLimitRule,
  RateLimitScope,
  Room,
  RoomSettings,
  StatsReportBody,
  StatsSample,
  User,
  UserSettings,
  VideoProfile,
  WaitingEntry,
} from '@videoconf/protocol';

/**
 * The storage port. Every method takes and returns plain domain objects (never ORM
 * instances); dates are ISO-8601 strings as on the wire. Rules that must hold under
 * concurrency are single atomic methods here (admitParticipant, decideWaitingEntry,
 * redeemInvite, appendMessage, rotateSession), never read-then-write in a route.
 *
 * Methods that break a domain rule throw `ConferenceError` with the stable code named
 * in their documentation; every adapter must pass `runStorageConformance`.
 */
export interface Storage {
  /** A constant adapter name, e.g. `memory` or `sequelize`. */
  readonly name: string;
  /** Prepares the adapter (connects, runs migrations). Idempotent. */
  init(): Promise<void>;
  /** Resolves when the backing store answers; rejects otherwise. */
  ping(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;

  // Users
  /** Throws `EMAIL_TAKEN` when the (normalised) email exists. */
  createUser(input: NewUser): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;
  getUserByEmail(email: string): Promise<UserRecord | null>;
  /** Creates or updates the user that a custom auth adapter knows as `externalId`. */
  upsertExternalUser(input: ExternalUserInput): Promise<UserRecord>;
  updateUser(id: string, patch: UserPatch): Promise<UserRecord | null>;

  // Sessions (refresh tokens, stored as SHA-256 hashes)
  createSession(input: NewSession): Promise<SessionRecord>;
  getSessionByHash(tokenHash: string): Promise<SessionRecord | null>;
  /**
   * Atomically spends the live session with `tokenHash` and creates its successor in the
   * same family (the successor inherits `userId` and `familyId`). Exactly one of any number
   * of concurrent calls with one hash rotates.
   */
  rotateSession(tokenHash: string, next: SessionSuccessor, now: string): Promise<RotateResult>;
  /** Revokes one session; returns whether a live one was revoked. */
  revokeSession(tokenHash: string, now: string): Promise<boolean>;
  revokeSessionFamily(familyId: string, now: string): Promise<number>;
  revokeUserSessions(userId: string, now: string): Promise<number>;

  // Settings and video profiles
  /** Returns the settings, creating them from `defaults` on first read. */
  getOrCreateSettings(userId: string, defaults: UserSettings): Promise<UserSettings>;
  updateSettings(
    userId: string,
    patch: Partial<UserSettings>,
    defaults: UserSettings,
  ): Promise<UserSettings>;
  listVideoProfiles(userId: string): Promise<VideoProfile[]>;
  /** When `isDefault`, every other profile of the user stops being the default. */
  createVideoProfile(userId: string, input: NewVideoProfile): Promise<VideoProfile>;
  deleteVideoProfile(userId: string, profileId: string): Promise<boolean>;

  // Rooms
  createRoom(input: NewRoom): Promise<RoomRecord>;
  getRoom(id: string): Promise<RoomRecord | null>;
  /**
   * A room and the user's active participant in it (null if none), read together: what every
   * room route needs of the caller, in one round trip. Null for an unknown room.
   */
  getRoomWithParticipant(roomId: string, userId: string): Promise<RoomWithParticipant | null>;
  /** The room whose `livekitRoomName` is `name` (the name LiveKit knows it by), or null. */
  getRoomByLivekitName(name: string): Promise<RoomRecord | null>;
  listRoomsByHost(
    hostUserId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: RoomRecord[]; total: number }>;
  updateRoom(id: string, patch: RoomPatch): Promise<RoomRecord | null>;
  deleteRoom(id: string): Promise<boolean>;
  /**
   * Ends the room: status `ended`, `actualEndAt`, every active participant leaves with
   * `reason`, pending waiting entries become `expired`. Returns null for an unknown room.
   */
  endRoom(id: string, now: string, reason: string): Promise<EndRoomResult | null>;

  // Participants
  /**
   * Atomically admits a user: returns the active participant when there is one
   * (`created: false`); otherwise, under a lock on the room, checks that the room is not
   * ended (`ROOM_ENDED`), the user was never kicked (`PARTICIPANT_KICKED`) and, when
   * `enforceCapacity`, that active participants < maxParticipants (`ROOM_FULL`); inserts
   * the participant and moves a `scheduled` room to `active` with `actualStartAt`.
   * Throws `ROOM_NOT_FOUND` for an unknown room.
   */
  admitParticipant(input: AdmitInput): Promise<AdmitResult>;
  getParticipant(id: string): Promise<Participant | null>;
  findActiveParticipant(roomId: string, userId: string): Promise<Participant | null>;
  listActiveParticipants(roomId: string): Promise<Participant[]>;
  countActiveParticipants(roomId: string): Promise<number>;
  hasBeenKicked(roomId: string, userId: string): Promise<boolean>;
  /** Sets `leftAt` and `leaveReason` on an active participant; null when not active. */
  leaveParticipant(id: string, reason: string, now: string): Promise<Participant | null>;
  /** Marks the participant kicked and left, under the room lock; null when not active. */
  kickParticipant(id: string, reason: string, now: string): Promise<Participant | null>;
  setParticipantRole(id: string, role: ParticipantRole): Promise<Participant | null>;
  setParticipantLivekitSid(id: string, sid: string | null): Promise<Participant | null>;

  // Waiting room
  /** Creates the pending entry of (room, user), or returns the pending one (`created: false`). */
  requestWaitingEntry(input: NewWaitingEntry): Promise<{ entry: WaitingEntry; created: boolean }>;
  getWaitingEntry(id: string): Promise<WaitingEntry | null>;
  findPendingEntry(roomId: string, userId: string): Promise<WaitingEntry | null>;
  /** Pending entries of the room, oldest first. */
  listPendingEntries(roomId: string): Promise<WaitingEntry[]>;
  /**
   * Atomically decides a pending entry (`ENTRY_NOT_FOUND`, `ENTRY_NOT_PENDING`). Approving
   * admits the user as in `admitParticipant` with capacity enforced (`ROOM_FULL` leaves the
   * entry pending). Of concurrent decisions on one entry exactly one succeeds.
   */
  decideWaitingEntry(input: DecideInput): Promise<DecideResult>;

  // Invites
  createInvite(input: NewInvite): Promise<Invite>;
  getInvite(id: string): Promise<Invite | null>;
  /** Invites of the room that are not revoked, newest first. */
  listInvites(roomId: string): Promise<Invite[]>;
  revokeInvite(id: string, now: string): Promise<boolean>;
  /**
   * Atomically redeems a live invite for `userId`, or for a new guest created in the same
   * transaction. Throws, in this order, `INVITE_NOT_FOUND` (unknown or revoked),
   * `INVITE_EXPIRED`, `ROOM_ENDED` (the room ended or was cancelled: no use is counted),
   * `INVITE_EXHAUSTED`. The same user redeeming again uses it once (`firstUse: false`).
   */
  redeemInvite(input: RedeemInput): Promise<RedeemResult>;
  hasRedeemedInvite(roomId: string, userId: string): Promise<boolean>;

  // Chat
  /**
   * Atomically appends a message with the room's next `seq` (1, 2, 3… gap-free), under a lock
   * on the room, so that a send racing a kick, an end or a settings change never lands. In that
   * one step, in this order: `ROOM_NOT_FOUND` for an unknown room, `ROOM_ENDED` for an ended or
   * cancelled one; for a user's message `NOT_A_PARTICIPANT` when `senderUserId` has no active
   * participant in the room (else that participant's id and display name go into the message)
   * and `CHAT_DISABLED` when the room's chat is off; then, with a `clientMessageId` the same
   * sender already used in the room, the first message is returned (`created: false`).
   * Refusals and repeats consume no seq.
   */
  appendMessage(input: NewMessage): Promise<{ message: ChatMessage; created: boolean }>;
  getMessage(id: string): Promise<ChatMessage | null>;
  /** Not-deleted messages ascending by seq, within the optional (after, before) bounds. */
  listMessages(
    roomId: string,
    query: MessageQuery,
  ): Promise<{ items: ChatMessage[]; hasMore: boolean }>;
  lastSeq(roomId: string): Promise<number>;
  editMessage(id: string, content: string, now: string): Promise<ChatMessage | null>;
  softDeleteMessage(id: string, now: string): Promise<ChatMessage | null>;

  // Stats
  addStatsSample(input: NewStatsSample): Promise<StatsSample>;
  /** Samples of one participant, oldest first. */
  listStatsSamples(roomId: string, participantId: string): Promise<StatsSample[]>;
  /** Per-participant averages over every sample of the room. */
  summarizeRoomStats(roomId: string): Promise<ParticipantStatsRow[]>;

  // Audit
  appendAudit(input: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first; `before` is an exclusive upper bound on `eventTime`. */
  listAudit(query: AuditListQuery): Promise<AuditEntry[]>;

  // Rate-limit rules
  listRateLimitRules(): Promise<RateLimitRule[]>;
  getRateLimitRule(id: string): Promise<RateLimitRule | null>;
  createRateLimitRule(input: NewRateLimitRule): Promise<RateLimitRule>;
  updateRateLimitRule(id: string, patch: Partial<NewRateLimitRule>): Promise<RateLimitRule | null>;
  deleteRateLimitRule(id: string): Promise<boolean>;

  // LiveKit webhooks
  /**
   * Atomically records a webhook event by its LiveKit `id`: true when this call recorded it,
   * false when that id was already recorded (a redelivery). Of any number of concurrent calls
   * with one id exactly one returns true. Recorded events are never changed.
   */
  recordWebhookEvent(event: WebhookEventRecord): Promise<boolean>;
  /**
   * The recorded event of type `event` for the given participant sid and/or room name (at
   * least one of them), newest first by `createdAt`, then by the order of recording; null when
   * none. Lets the webhook handler tell which LiveKit session is the current one when
   * deliveries arrive out of order.
   */
  findWebhookEvent(query: WebhookEventQuery): Promise<WebhookEventRecord | null>;
}

export interface UserRecord extends User {
  /** bcrypt hash of the pre-hashed password; null for guests and external users. */
  passwordHash: string | null;
  /** The host application's id for users of a custom auth adapter. */
  externalId: string | null;
}

export interface NewUser {
  email: string;
  displayName: string;
  passwordHash?: string | null;
  globalRole?: GlobalRole;
  isGuest?: boolean;
  avatarUrl?: string | null;
  isEmailVerified?: boolean;
  externalId?: string | null;
}

export interface ExternalUserInput {
  externalId: string;
  email: string;
  displayName: string;
  avatarUrl?: string | null;
  globalRole?: GlobalRole;
}

export interface UserPatch {
  displayName?: string;
  avatarUrl?: string | null;
  globalRole?: GlobalRole;
  isActive?: boolean;
  lastLoginAt?: string | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /** Every session rotated from one login shares its family. */
  familyId: string;
  tokenHash: string;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: string;
  expiresAt: string;
  /** Set when the token was spent by a rotation. */
  rotatedAt: string | null;
  revokedAt: string | null;
}

export interface NewSession {
  userId: string;
  familyId: string;
  tokenHash: string;
  ipAddress: string | null;
  userAgent: string | null;
  expiresAt: string;
}

/** The new session of a rotation; user and family come from the spent one. */
export type SessionSuccessor = Pick<
  NewSession,
  'tokenHash' | 'ipAddress' | 'userAgent' | 'expiresAt'
>;

export type RotateResult =
  | { status: 'rotated'; previous: SessionRecord; session: SessionRecord }
  /** The token was already spent or revoked: the caller revokes the family. */
  | { status: 'reused'; previous: SessionRecord }
  | { status: 'expired'; previous: SessionRecord }
  | { status: 'unknown' };

export type NewVideoProfile = Omit<VideoProfile, 'id'>;

export interface RoomRecord extends Omit<Room, 'hasPassword'> {
  /** bcrypt hash of the room password, never sent to clients. */
  passwordHash: string | null;
}

export interface NewRoom {
  title: string;
  description: string | null;
  hostUserId: string;
  maxParticipants: number;
  waitingRoomEnabled: boolean;
  passwordHash: string | null;
  scheduledStartAt: string | null;
  scheduledEndAt: string | null;
  livekitRoomName: string;
  settings: RoomSettings;
}

export interface RoomPatch {
  title?: string;
  description?: string | null;
  maxParticipants?: number;
  waitingRoomEnabled?: boolean;
  passwordHash?: string | null;
  scheduledStartAt?: string | null;
  scheduledEndAt?: string | null;
  isLocked?: boolean;
  status?: Room['status'];
  settings?: RoomSettings;
}

export interface EndRoomResult {
  room: RoomRecord;
  /** Participants that were active and have now left. */
  participants: Participant[];
  /** Entries that were pending and are now expired. */
  entries: WaitingEntry[];
}

export interface AdmitInput {
  roomId: string;
  userId: string;
  displayName: string;
  role: ParticipantRole;
  enforceCapacity: boolean;
  now: string;
}

export interface AdmitResult {
  participant: Participant;
  created: boolean;
  /** True when this admission moved the room from scheduled to active. */
  roomStarted: boolean;
}

export interface NewWaitingEntry {
  roomId: string;
  userId: string;
  displayName: string;
  now: string;
}

export interface DecideInput {
  entryId: string;
  decision: 'approved' | 'rejected';
  decidedByUserId: string;
  reason: string | null;
  now: string;
}

export interface DecideResult {
  entry: WaitingEntry;
  /** The admitted participant when approved. */
  participant: Participant | null;
  roomStarted: boolean;
}

export interface NewInvite {
  roomId: string;
  token: string;
  label: string | null;
  expiresAt: string | null;
  maxUses: number | null;
  createdByUserId: string;
}

export interface RedeemInput {
  token: string;
  now: string;
  /** An existing user redeeming, or… */
  userId?: string;
  /** …a guest user to create in the same transaction when the invite is live. */
  guest?: NewUser;
}

export interface RedeemResult {
  invite: Invite;
  user: UserRecord;
  firstUse: boolean;
}

export interface RoomWithParticipant {
  room: RoomRecord;
  participant: Participant | null;
}

/** A message to append: a user's, sent by their active participant, or the system's. */
export type NewMessage = NewUserMessage | NewSystemMessage;

interface NewMessageBase {
  roomId: string;
  content: string;
  clientMessageId: string | null;
  now: string;
}

export interface NewUserMessage extends NewMessageBase {
  messageType: 'user';
  senderUserId: string;
}

/** No participant sends it and the room's `chatEnabled` does not stop it. */
export interface NewSystemMessage extends NewMessageBase {
  messageType: 'system';
  senderDisplayName: string;
}

export interface MessageQuery {
  limit: number;
  /** Exclusive upper bound on seq: the page ends just before it (newest of those first chosen). */
  before?: number;
  /** Exclusive lower bound on seq: the page starts just after it. */
  after?: number;
}

export interface NewStatsSample extends StatsReportBody {
  roomId: string;
  participantId: string;
  now: string;
}

export interface ParticipantStatsRow {
  participantId: string;
  samples: number;
  avgRttMs: number;
  avgJitterMs: number;
  packetLossUpPercent: number;
  packetLossDownPercent: number;
  avgBitrateKbps: number;
  networkScore: number;
}

export interface NewAuditEntry {
  actorUserId: string | null;
  actorRole: string | null;
  roomId: string | null;
  eventType: string;
  payload: Record<string, unknown>;
  now: string;
}

export interface AuditListQuery {
  roomId?: string;
  before?: string;
  limit: number;
}

export interface NewRateLimitRule {
  scope: RateLimitScope;
  routePattern: string | null;
  perMinute: number | null;
  perHour: number | null;
  perDay: number | null;
  enabled: boolean;
}

/** A LiveKit webhook event, as recorded to process each event id once. */
export interface WebhookEventRecord {
  /** LiveKit's unique event id (`EV_…`). */
  id: string;
  /** The event type, e.g. `participant_joined`. */
  event: string;
  /** The LiveKit room name (our `livekitRoomName`), when the event names a room. */
  roomName: string | null;
  /** The LiveKit participant sid (`PA_…`), when the event names a participant. */
  participantSid: string | null;
  /** When LiveKit created the event, ISO-8601 (LiveKit counts whole seconds). */
  createdAt: string;
}

export interface WebhookEventQuery {
  event: string;
  participantSid?: string;
  roomName?: string;
}
