import type { Knex } from 'knex';

/**
 * A run's status and a source's last-sync status may be `succeeded_with_failures` (23
 * characters): the columns made for `succeeded` (varchar 16) refused it on PostgreSQL, and the
 * run stayed `running`. sqlite does not enforce the length, so only PostgreSQL is altered (an
 * `alter()` on sqlite would copy the whole table for nothing).
 */
export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw('ALTER TABLE sync_runs ALTER COLUMN status TYPE varchar(32)');
  await knex.raw('ALTER TABLE sync_sources ALTER COLUMN last_sync_status TYPE varchar(32)');
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex('sync_runs').where({ status: 'succeeded_with_failures' }).update({ status: 'succeeded' });
  await knex('sync_sources').where({ last_sync_status: 'succeeded_with_failures' }).update({ last_sync_status: 'succeeded' });
  await knex.raw('ALTER TABLE sync_runs ALTER COLUMN status TYPE varchar(16)');
  await knex.raw('ALTER TABLE sync_sources ALTER COLUMN last_sync_status TYPE varchar(16)');
}

function isPostgres(knex: Knex): boolean {
  const client = String(knex.client.config.client);
  return client === 'pg' || client === 'postgres' || client === 'postgresql';
}
