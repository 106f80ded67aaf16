import type { Knex } from 'knex';

/**
 * `sync_user_org_exits`: the last time each user stopped being in an org's subtree (it left the
 * org or a descendant, or an org above it moved away). A scoped pull source that saw a user
 * through scope root R, and no longer does, learns of it from the exit (user, R): that is how an
 * incremental pull shows the user leaving its scope. Only the latest exit per pair is needed.
 * `sync_org_exits` is the same for orgs: when an org stopped being below an ancestor (it, or an
 * org above it, moved).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_user_org_exits', (t) => {
    t.string('user_id', 255).notNullable().references('id').inTable('sync_users').onDelete('CASCADE');
    t.string('org_id', 255).notNullable();
    t.string('left_at', 24).notNullable();
    t.primary(['user_id', 'org_id']);
    t.index(['left_at']);
  });
  await knex.schema.createTable('sync_org_exits', (t) => {
    t.string('org_id', 255).notNullable().references('id').inTable('sync_orgs').onDelete('CASCADE');
    t.string('ancestor_id', 255).notNullable();
    t.string('left_at', 24).notNullable();
    t.primary(['org_id', 'ancestor_id']);
    t.index(['left_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_org_exits');
  await knex.schema.dropTable('sync_user_org_exits');
}
