import type { Knex } from 'knex';

/**
 * Push mode's own state, next to the initial schema's `sync_links`:
 * - `sync_links.sent` keeps the body last sent, so an update can say what changed (old → new)
 *   and a PATCH can clear the attributes the host removed; `object_name` serves the links page.
 * - `sync_push_members` is what the downstream's Groups hold, as we last sent it: membership
 *   deltas are computed against it in SQL instead of resending member lists.
 * - `sync_push_state` holds a source's deletion hold (a batch that would delete more than the
 *   threshold waits for an admin) and how far deletions have been confirmed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_links', (t) => {
    t.text('sent');
    t.string('object_name', 255);
  });

  await knex.schema.createTable('sync_push_members', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('org_id', 255).notNullable();
    t.string('user_id', 255).notNullable();
    t.primary(['source_id', 'org_id', 'user_id']);
    t.index(['source_id', 'user_id']);
  });

  await knex.schema.createTable('sync_push_state', (t) => {
    t.string('source_id', 36).primary().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.text('hold');
    t.bigInteger('confirmed_delete_seq').notNullable().defaultTo(0);
    t.bigInteger('cancelled_delete_seq').notNullable().defaultTo(0);
    t.string('updated_at', 24).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sync_push_state');
  await knex.schema.dropTableIfExists('sync_push_members');
  await knex.schema.alterTable('sync_links', (t) => {
    t.dropColumn('object_name');
    t.dropColumn('sent');
  });
}
