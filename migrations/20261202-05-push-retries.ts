import type { Knex } from 'knex';

/**
 * `sync_push_retries`: the objects of a push source whose last delivery failed transiently and
 * that are retried on their own schedule, so that the source's cursor can move past them and
 * the objects that succeed go on. A retry sends the mirror's latest state of the object.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_push_retries', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('kind', 8).notNullable();
    t.string('local_id', 255).notNullable();
    /** The first change of the object the cursor moved past without delivering it. */
    t.bigInteger('first_seq').notNullable();
    t.integer('attempts').notNullable();
    t.string('next_attempt_at', 24).notNullable();
    t.text('last_error');
    t.primary(['source_id', 'kind', 'local_id']);
    t.index(['source_id', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_push_retries');
}
