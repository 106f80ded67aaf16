import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { useFixture, type Closable } from './fixture.js';

/** Set SYNC_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the suite on PostgreSQL. */
export const PG_URL = process.env.SYNC_TEST_PG_URL;
export const DIALECT: 'pg' | 'sqlite' = PG_URL ? 'pg' : 'sqlite';

export interface TestDatabase {
  /** Pass as the `database` option. */
  database: Knex | Knex.Config;
  /** A knex for the test itself to inspect tables (same database). */
  knex: Knex;
  cleanup(): Promise<void>;
}

/**
 * A private database per test: sqlite in memory, or a fresh PostgreSQL schema that is dropped
 * afterwards, so tests never see each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!PG_URL) {
    const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    await knex.raw('PRAGMA foreign_keys = ON');
    return { database: knex, knex, cleanup: () => knex.destroy() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  await admin.raw('CREATE SCHEMA ??', [schema]);
  await admin.destroy();
  const knex = knexFactory({ client: 'pg', connection: PG_URL, searchPath: [schema], pool: { min: 0, max: 5 } });
  return {
    database: knex,
    knex,
    async cleanup() {
      await knex.raw('DROP SCHEMA ?? CASCADE', [schema]);
      await knex.destroy();
    },
  };
}

/** `createTestDatabase()` for every test of the calling describe, dropped after it (for tests below the center: migrations, chunking). */
export function useTestDatabase(): TestDatabase & Closable {
  return useFixture(async () => {
    const db = await createTestDatabase();
    return { ...db, close: db.cleanup };
  });
}
