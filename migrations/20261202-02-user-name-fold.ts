import type { Knex } from 'knex';

/**
 * `sync_users.user_name_fold`: the userName folded with JavaScript's `toLowerCase()` (SCIM
 * compares userName case-insensitively, RFC 7643 §4.1.1), written by the mirror's writer, so
 * that sqlite and PostgreSQL fold alike (sqlite's `lower()` folds ASCII only). A unique index
 * over the live rows keeps two live users from sharing a userName, whichever instance writes.
 *
 * Existing live duplicates keep the name: the oldest holder gets the fold, the others keep a
 * NULL fold (outside the index) until their next write, which the writer then refuses.
 */
const INDEX = 'sync_users_user_name_fold';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_users', (t) => {
    // Folding can lengthen a name ('İ' becomes 'i̇'): room for twice the 255 characters of user_name.
    t.string('user_name_fold', 510);
  });
  const live: Array<{ id: string; user_name: string }> = await knex('sync_users').whereNull('deleted_at').orderBy(['created_at', 'id']).select('id', 'user_name');
  const taken = new Set<string>();
  for (const row of live) {
    const fold = row.user_name.toLowerCase();
    if (taken.has(fold)) continue;
    taken.add(fold);
    await knex('sync_users').where({ id: row.id }).update({ user_name_fold: fold });
  }
  await knex.raw(`CREATE UNIQUE INDEX ${INDEX} ON sync_users (user_name_fold) WHERE deleted_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS ${INDEX}`);
  // A plain DROP COLUMN keeps the table (a sqlite rebuild would cascade-delete the contact rows).
  await knex.raw('ALTER TABLE sync_users DROP COLUMN ??', ['user_name_fold']);
}
