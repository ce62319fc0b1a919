import { afterAll, beforeAll } from 'vitest';
import { memoryStorage } from '../../src/storage/memory';
import { sequelizeStorage } from '../../src/storage/sequelize/index';
import type { Storage } from '../../src/storage/types';
import { createTestDatabase } from './postgres';

/**
 * `[name, makeStorage]` pairs for `describe.each`: a fresh memory storage per call, and one
 * PostgreSQL database (created for the test file, dropped after it) shared by its tests.
 */
export function storages(options: { pool?: { max?: number } } = {}): [string, () => Storage][] {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let pg: Storage | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    pg = sequelizeStorage({ url: db.url, ...options });
    await pg.init();
  });
  afterAll(async () => {
    await pg?.close();
    await db?.drop();
  });
  return [
    ['memory', () => memoryStorage()],
    [
      'postgres',
      () => {
        if (!pg) throw new Error('the PostgreSQL storage is created in beforeAll');
        return pg;
      },
    ],
  ];
}
