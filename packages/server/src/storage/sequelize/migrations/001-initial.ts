import type { MigrationContext } from './index';

/**
 * The initial schema. Written as PostgreSQL DDL rather than `queryInterface.createTable`
 * because most of what matters here (partial unique indexes, expression indexes, CHECKs,
 * ON DELETE CASCADE) is Postgres-specific. The Sequelize models in `../models.ts` describe the
 * same columns for queries; `test/storage.postgres.test.ts` checks that the two agree.
 *
 * Rules:
 * - Everything that belongs to a room cascades with it; `audit_log.room_id` has no foreign key
 *   on purpose (the audit trail outlives the room).
 * - Rows that cannot exist without their user (session, settings, profile, hosted room,
 *   participant, waiting entry, redemption) reference `users` ON DELETE CASCADE. Ids kept only
 *   as history (message sender, decider, invite creator, audit actor) are plain columns.
 * - `created_at` defaults to `now()` (microseconds), so insertion order survives ties of the
 *   millisecond ISO timestamps that callers pass in.
 */
const UP = [
  `CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    display_name text NOT NULL,
    password_hash text,
    global_role text NOT NULL DEFAULT 'user' CHECK (global_role IN ('user', 'technical_admin', 'guest')),
    is_guest boolean NOT NULL DEFAULT false,
    is_active boolean NOT NULL DEFAULT true,
    is_email_verified boolean NOT NULL DEFAULT false,
    avatar_url text,
    external_id text,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE UNIQUE INDEX users_email_key ON users (lower(btrim(email)))',
  'CREATE UNIQUE INDEX users_external_id_key ON users (external_id) WHERE external_id IS NOT NULL',

  `CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id text NOT NULL,
    token_hash text NOT NULL,
    ip_address text,
    user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
  )`,
  'CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash)',
  'CREATE INDEX sessions_family_id_idx ON sessions (family_id)',
  'CREATE INDEX sessions_user_id_idx ON sessions (user_id)',

  `CREATE TABLE user_settings (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    default_camera_device_id text,
    default_microphone_device_id text,
    default_speaker_device_id text,
    preferred_video_quality text NOT NULL,
    preferred_theme text NOT NULL,
    mute_mic_on_join boolean NOT NULL,
    disable_camera_on_join boolean NOT NULL,
    language_code text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,

  `CREATE TABLE video_profiles (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    background_type text NOT NULL,
    background_image_url text,
    noise_suppression_level text NOT NULL,
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX video_profiles_user_id_idx ON video_profiles (user_id, created_at)',
  'CREATE UNIQUE INDEX video_profiles_one_default_key ON video_profiles (user_id) WHERE is_default',

  `CREATE TABLE rooms (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    description text,
    host_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'active', 'ended', 'cancelled')),
    max_participants integer NOT NULL,
    waiting_room_enabled boolean NOT NULL DEFAULT false,
    is_locked boolean NOT NULL DEFAULT false,
    password_hash text,
    scheduled_start_at timestamptz,
    scheduled_end_at timestamptz,
    actual_start_at timestamptz,
    actual_end_at timestamptz,
    livekit_room_name text NOT NULL,
    settings jsonb NOT NULL,
    last_chat_seq integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE UNIQUE INDEX rooms_livekit_room_name_key ON rooms (livekit_room_name)',
  'CREATE INDEX rooms_host_user_id_idx ON rooms (host_user_id, created_at DESC, id DESC)',

  `CREATE TABLE participants (
    id uuid PRIMARY KEY,
    room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('host', 'co_host', 'participant')),
    joined_at timestamptz NOT NULL,
    left_at timestamptz,
    leave_reason text,
    is_kicked boolean NOT NULL DEFAULT false,
    livekit_sid text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX participants_room_id_user_id_idx ON participants (room_id, user_id)',
  'CREATE UNIQUE INDEX participants_active_key ON participants (room_id, user_id) WHERE left_at IS NULL',

  `CREATE TABLE waiting_entries (
    id uuid PRIMARY KEY,
    room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
    requested_at timestamptz NOT NULL,
    decided_at timestamptz,
    decided_by_user_id uuid,
    reason text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  'CREATE INDEX waiting_entries_room_id_idx ON waiting_entries (room_id, status, requested_at)',
  `CREATE UNIQUE INDEX waiting_entries_pending_key ON waiting_entries (room_id, user_id)
    WHERE status = 'pending'`,

  `CREATE TABLE invites (
    id uuid PRIMARY KEY,
    room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    token text NOT NULL,
    label text,
    expires_at timestamptz,
    max_uses integer,
    used_count integer NOT NULL DEFAULT 0,
    created_by_user_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  )`,
  'CREATE UNIQUE INDEX invites_token_key ON invites (token)',
  'CREATE INDEX invites_room_id_idx ON invites (room_id, created_at DESC, id DESC)',

  `CREATE TABLE invite_redemptions (
    id uuid PRIMARY KEY,
    invite_id uuid NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
    room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redeemed_at timestamptz NOT NULL
  )`,
  'CREATE UNIQUE INDEX invite_redemptions_invite_id_user_id_key ON invite_redemptions (invite_id, user_id)',
  'CREATE INDEX invite_redemptions_room_id_user_id_idx ON invite_redemptions (room_id, user_id)',

  `CREATE TABLE chat_messages (
    id uuid PRIMARY KEY,
    room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    sender_participant_id uuid,
    sender_user_id uuid,
    sender_display_name text NOT NULL,
    message_type text NOT NULL CHECK (message_type IN ('user', 'system')),
    content text NOT NULL,
    client_message_id text,
    created_at timestamptz NOT NULL,
    edited_at timestamptz,
    deleted_at timestamptz
  )`,
  'CREATE UNIQUE INDEX chat_messages_room_id_seq_key ON chat_messages (room_id, seq)',
  `CREATE UNIQUE INDEX chat_messages_client_message_id_key
    ON chat_messages (room_id, sender_user_id, client_message_id)
    WHERE client_message_id IS NOT NULL`,

  `CREATE TABLE participant_stats (
    id uuid PRIMARY KEY,
    room_id uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    participant_id uuid NOT NULL,
    recorded_at timestamptz NOT NULL,
    avg_rtt_ms double precision NOT NULL,
    max_rtt_ms double precision NOT NULL,
    avg_jitter_ms double precision NOT NULL,
    packet_loss_up_percent double precision NOT NULL,
    packet_loss_down_percent double precision NOT NULL,
    avg_bitrate_kbps double precision NOT NULL,
    network_score double precision NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX participant_stats_room_id_participant_id_idx
    ON participant_stats (room_id, participant_id, recorded_at)`,

  `CREATE TABLE audit_log (
    id uuid PRIMARY KEY,
    event_time timestamptz NOT NULL,
    actor_user_id uuid,
    actor_role text,
    room_id uuid,
    event_type text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb
  )`,
  'CREATE INDEX audit_log_room_id_event_time_idx ON audit_log (room_id, event_time DESC, id DESC)',
  'CREATE INDEX audit_log_event_time_idx ON audit_log (event_time DESC, id DESC)',

  `CREATE TABLE rate_limit_rules (
    id uuid PRIMARY KEY,
    scope text NOT NULL CHECK (scope IN ('global', 'ip', 'user', 'room')),
    route_pattern text,
    per_minute integer,
    per_hour integer,
    per_day integer,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
];

const TABLES = [
  'rate_limit_rules',
  'audit_log',
  'participant_stats',
  'chat_messages',
  'invite_redemptions',
  'invites',
  'waiting_entries',
  'participants',
  'rooms',
  'video_profiles',
  'user_settings',
  'sessions',
  'users',
];

export async function up({ context }: { context: MigrationContext }): Promise<void> {
  const { sequelize } = context;
  await sequelize.transaction(async (transaction) => {
    for (const sql of UP) await sequelize.query(sql, { transaction });
  });
}

export async function down({ context }: { context: MigrationContext }): Promise<void> {
  const { sequelize } = context;
  await sequelize.transaction(async (transaction) => {
    for (const table of TABLES)
      await sequelize.query(`DROP TABLE IF EXISTS ${table}`, { transaction });
  });
}
