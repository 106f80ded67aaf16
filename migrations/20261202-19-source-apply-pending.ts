import type { Knex } from 'knex';

/**
 * `sync_sources.apply_pending_at`: set when a push source's scope or user mappings changed and
 * the change has not been applied to the downstream yet (a `trustLinks` run does it, as soon as
 * the source is enabled and no other run of it is unfinished). Null when nothing waits.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_sources', (t) => {
    t.string('apply_pending_at', 24).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_sources', (t) => {
    t.dropColumn('apply_pending_at');
  });
}
