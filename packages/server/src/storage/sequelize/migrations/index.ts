import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import * as initial from './001-initial';
import * as livekitWebhooks from './002-livekit-webhooks';
import * as chatAppend from './003-chat-append';
import * as chatPost from './004-chat-post';

export interface MigrationContext {
  sequelize: Sequelize;
}

/**
 * Every migration, in order. Listed as modules (not loaded by a glob) so that they are part of
 * the bundle. Add a new file `NNN-what.ts` and append it here; never edit a released one.
 */
export const migrations = [
  { name: '001-initial', ...initial },
  { name: '002-livekit-webhooks', ...livekitWebhooks },
  { name: '003-chat-append', ...chatAppend },
  { name: '004-chat-post', ...chatPost },
];

/** Umzug's record of applied migrations; named so it cannot clash with a host app's `SequelizeMeta`. */
export const MIGRATIONS_TABLE = 'videoconf_migrations';

export function createMigrator(sequelize: Sequelize): Umzug<MigrationContext> {
  return new Umzug<MigrationContext>({
    migrations,
    context: { sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: MIGRATIONS_TABLE }),
    logger: undefined,
  });
}

/** Key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 'videoconf_migrations';

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so that several
 * instances starting together against a fresh database migrate one after another (the later
 * ones find nothing to do). The lock lives in a transaction of its own connection and is
 * released when it ends, even if this process dies; migrations run on other pool connections,
 * so the pool needs at least two (Sequelize's default is five).
 */
export async function migrate(sequelize: Sequelize): Promise<void> {
  await sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(hashtext($1))', {
      bind: [MIGRATION_LOCK_KEY],
      transaction,
    });
    await createMigrator(sequelize).up();
  });
}
