import type { Knex } from 'knex';

/**
 * What a deletion hold holds, and what an admin refused to deprovision.
 * - `sync_held_deletions`: the objects a hold would delete or disable, named, so the page lists
 *   them. `run_id` 0 is the source's incremental hold; otherwise the paused run's id.
 * - `sync_cancelled_deletions`: deprovisionings an admin cancelled, per object, at the object's
 *   mirror seq: runs and deliveries leave the object on the downstream until its seq moves.
 * `origin` says what `object_id` is: `mirror` (a local id) or `downstream` (the remote id of an
 * object the IdP never had, found by verify downstream).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_held_deletions', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.bigInteger('run_id').notNullable();
    t.string('kind', 8).notNullable();
    t.string('origin', 12).notNullable();
    t.string('object_id', 255).notNullable();
    t.string('remote_id', 255);
    t.string('object_name', 255);
    t.string('operation', 8).notNullable();
    t.bigInteger('seq').notNullable();
    t.primary(['source_id', 'run_id', 'kind', 'origin', 'object_id']);
  });
  await knex.schema.createTable('sync_cancelled_deletions', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('kind', 8).notNullable();
    t.string('origin', 12).notNullable();
    t.string('object_id', 255).notNullable();
    t.string('remote_id', 255);
    t.string('object_name', 255);
    t.bigInteger('seq').notNullable();
    t.string('cancelled_by', 255).notNullable();
    t.string('cancelled_at', 24).notNullable();
    t.primary(['source_id', 'kind', 'origin', 'object_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sync_cancelled_deletions');
  await knex.schema.dropTableIfExists('sync_held_deletions');
}
