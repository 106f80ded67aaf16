import { describe, expect, it } from 'vitest';
import { migrateDownAll, migrateLatest } from '../../lib/persistence/migrate.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { DIALECT, useTestDatabase, type TestDatabase } from '../support/test-database.js';

async function syncTables(db: TestDatabase): Promise<string[]> {
  const rows =
    DIALECT === 'pg'
      ? await db.knex.select('table_name as name').from('information_schema.tables').whereRaw('table_schema = current_schema()')
      : await db.knex.select('name').from('sqlite_master').where({ type: 'table' });
  return rows.map((row: { name: string }) => row.name).filter((name: string) => name.startsWith('sync_')).sort();
}

describe(`migrations on ${DIALECT}`, () => {
  const db = useTestDatabase();

  it('creates every table with the sync_ prefix and records itself in sync_migrations', async () => {
    const applied = await migrateLatest(db.knex);
    expect(applied).toEqual(MIGRATIONS.map(([name]) => name));
    const tables = await syncTables(db);
    for (const table of Object.values(TABLES)) expect(tables).toContain(table);
    expect(tables.every((name) => name.startsWith('sync_'))).toBe(true);
    expect(await db.knex(TABLES.migrations).pluck('name')).toEqual(applied);
  });

  it('is idempotent', async () => {
    await migrateLatest(db.knex);
    expect(await migrateLatest(db.knex)).toEqual([]);
  });

  it('rolls all the way down and up again', async () => {
    await migrateLatest(db.knex);
    await migrateDownAll(db.knex);
    expect(await syncTables(db)).toEqual([TABLES.migrations, TABLES.migrationsLock].sort());
    await migrateLatest(db.knex);
    expect(await syncTables(db)).toContain(TABLES.users);
  });
});
