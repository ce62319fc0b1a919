import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import * as initial from './001-initial';

export interface MigrationContext {
  sequelize: Sequelize;
}

/**
 * Every migration, in order. Listed as modules (not loaded by a glob) so that they are part of
 * the bundle. Add a new file `NNN-what.ts` and append it here; never edit a released one.
 */
export const migrations = [{ name: '001-initial', ...initial }];

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
