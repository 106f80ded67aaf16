import { describe, expect, it } from 'vitest';
import { migrateDownAll, migrateLatest } from '../../../lib/persistence/migrate.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { useTestDatabase } from '../../support/test-database.js';
import * as pull from '../../../migrations/20261126-02-pull.js';

describe('migration 20261126-02-pull', () => {
  const db = useTestDatabase();

  it('migrates up and down and up again', async () => {
    await migrateLatest(db.knex);
    expect(await db.knex.schema.hasTable(TABLES.oauthTokens)).toBe(true);
    expect(await db.knex.schema.hasColumn(TABLES.users, 'middle_name')).toBe(true);
    await migrateDownAll(db.knex);
    expect(await db.knex.schema.hasTable(TABLES.users)).toBe(false);
    await migrateLatest(db.knex);
    expect(await db.knex.schema.hasTable(TABLES.oauthTokens)).toBe(true);
  });

  it('fills the new name columns from the data of existing users, and keeps contacts on the way down', async () => {
    await migrateLatest(db.knex);
    await pull.down(db.knex);
    const now = '2026-03-01T08:00:00.000Z';
    await db.knex(TABLES.users).insert({
      id: 'u1',
      seq: 1,
      user_name: 'ann',
      active: true,
      data: JSON.stringify({ id: 'u1', userName: 'ann', name: { middleName: 'Mae', formatted: 'Ann Mae Lee' }, locale: 'en-GB' }),
      hash: 'h',
      created_at: now,
      last_modified: now,
    });
    await db.knex(TABLES.userEmails).insert({ user_id: 'u1', position: 0, value: 'ann@example.com', primary: true });
    await pull.up(db.knex);
    expect(await db.knex(TABLES.users).first('middle_name', 'formatted_name', 'locale', 'preferred_language')).toEqual({
      middle_name: 'Mae',
      formatted_name: 'Ann Mae Lee',
      locale: 'en-GB',
      preferred_language: null,
    });
    await pull.down(db.knex);
    expect(await db.knex(TABLES.userEmails).count({ n: '*' })).toEqual([{ n: expect.anything() }]);
    expect(Number((await db.knex(TABLES.userEmails).count({ n: '*' }))[0]!.n)).toBe(1);
  });
});
