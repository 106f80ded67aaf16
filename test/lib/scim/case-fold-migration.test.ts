import { describe, expect, it } from 'vitest';
import { migrateLatest } from '../../../lib/persistence/migrate.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import * as caseFolds from '../../../migrations/20261202-03-case-folds.js';
import * as userNameUnique from '../../../migrations/20261202-04-user-name-unique.js';
import { createTestDatabase } from '../../support/test-database.js';

describe('migration 20261202-03-case-folds', () => {
  it('folds the values of existing rows on the way up, and keeps contacts on the way down', async () => {
    const db = await createTestDatabase();
    try {
      await migrateLatest(db.knex);
      // Down in reverse order: the unique index of 20261202-04 stands on the folded userName.
      await userNameUnique.down(db.knex);
      await caseFolds.down(db.knex);
      expect(await db.knex.schema.hasColumn(TABLES.users, 'user_name_fold')).toBe(false);
      const now = '2026-03-01T08:00:00.000Z';
      await db.knex(TABLES.orgs).insert({ id: 'o1', seq: 1, name: 'Öffentlich', data: '{}', hash: 'h', created_at: now, last_modified: now });
      await db.knex(TABLES.users).insert({ id: 'u1', seq: 2, user_name: 'Jörg', title: 'STRAẞE', active: true, data: '{}', hash: 'h', created_at: now, last_modified: now });
      await db.knex(TABLES.userEmails).insert({ user_id: 'u1', position: 0, value: 'JÖRG@Example.de', type: 'Work', primary: true });
      await caseFolds.up(db.knex);
      expect(await db.knex(TABLES.users).first('user_name_fold', 'title_fold', 'display_name_fold')).toEqual({
        user_name_fold: 'jörg',
        title_fold: 'strasse',
        display_name_fold: null,
      });
      expect(await db.knex(TABLES.userEmails).first('value_fold', 'type_fold')).toEqual({ value_fold: 'jörg@example.de', type_fold: 'work' });
      expect(await db.knex(TABLES.orgs).first('name_fold')).toEqual({ name_fold: 'öffentlich' });
      await caseFolds.down(db.knex);
      expect((await db.knex(TABLES.userEmails).select('value')).length).toBe(1);
    } finally {
      await db.cleanup();
    }
  });
});
