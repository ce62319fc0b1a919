import type { MigrationContext } from './index';

/**
 * LiveKit webhook events, recorded by id so that each is processed once (the primary key makes
 * `INSERT … ON CONFLICT DO NOTHING` the atomic "first delivery?" test), and looked up by
 * participant sid or room name to order deliveries that arrive out of order.
 *
 * `created_at` is LiveKit's event time (whole seconds), not the insert time: that one is
 * `received_at`. Rows name LiveKit rooms and participants by their LiveKit names, with no
 * foreign key: they outlive our rooms, and old rows may be deleted by age (`received_at`).
 */
const UP = [
  `CREATE TABLE livekit_webhook_events (
    id text PRIMARY KEY,
    event text NOT NULL,
    room_name text,
    participant_sid text,
    created_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX livekit_webhook_events_participant_sid_idx
    ON livekit_webhook_events (participant_sid, event, created_at DESC)
    WHERE participant_sid IS NOT NULL`,
  `CREATE INDEX livekit_webhook_events_room_name_idx
    ON livekit_webhook_events (room_name, event, created_at DESC)
    WHERE room_name IS NOT NULL`,
  'CREATE INDEX livekit_webhook_events_received_at_idx ON livekit_webhook_events (received_at)',
];

export async function up({ context }: { context: MigrationContext }): Promise<void> {
  const { sequelize } = context;
  await sequelize.transaction(async (transaction) => {
    for (const sql of UP) await sequelize.query(sql, { transaction });
  });
}

export async function down({ context }: { context: MigrationContext }): Promise<void> {
  await context.sequelize.query('DROP TABLE IF EXISTS livekit_webhook_events');
}
