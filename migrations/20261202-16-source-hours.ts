import type { Knex } from 'knex';

/**
 * `sync_source_hours`: per source and UTC hour, how many incremental deliveries (push) or SCIM
 * requests (pull) went through and how many failed, and when the last one went through. The
 * status pages read their history and "failures in the last 24 h" from here: a few hundred rows
 * per source, whatever the size of the logs it sums up.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_source_hours', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    /** `YYYY-MM-DDTHH`, UTC. */
    t.string('hour', 13).notNullable();
    t.integer('delivered').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.string('last_delivered_at', 24);
    t.primary(['source_id', 'hour']);
    t.index(['hour']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_source_hours');
}
