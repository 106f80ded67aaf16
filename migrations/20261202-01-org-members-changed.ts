import type { Knex } from 'knex';

/**
 * `sync_orgs.members_changed_at`: when the org's direct members last changed (a user joined,
 * left, was edited or deleted). A Group's `meta.lastModified` is the later of it and the org's
 * own `last_modified`, so `meta.lastModified gt …` finds groups whose membership moved.
 * Existing orgs start at their newest member's `last_modified`, which the Group showed before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_orgs', (t) => {
    t.string('members_changed_at', 24);
  });
  await knex.raw(
    `UPDATE sync_orgs SET members_changed_at = (
       SELECT max(u.last_modified) FROM sync_user_orgs m JOIN sync_users u ON u.id = m.user_id WHERE m.org_id = sync_orgs.id
     )`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_orgs', (t) => {
    t.dropColumn('members_changed_at');
  });
}
