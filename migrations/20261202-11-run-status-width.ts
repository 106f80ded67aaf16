import type { Knex } from 'knex';
import { isPostgres } from '../lib/persistence/database.js';

/**
 * `succeeded_with_failures` (23 characters) does not fit the 16-character status columns of
 * `sync_runs.status` and `sync_sources.last_sync_status`: PostgreSQL refused to record the end of
 * such a run (sqlite does not enforce a varchar length, so only PostgreSQL is altered).
 */
export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw('ALTER TABLE sync_runs ALTER COLUMN status TYPE varchar(32)');
  await knex.raw('ALTER TABLE sync_sources ALTER COLUMN last_sync_status TYPE varchar(32)');
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw("UPDATE sync_runs SET status = 'succeeded' WHERE status = 'succeeded_with_failures'");
  await knex.raw("UPDATE sync_sources SET last_sync_status = 'succeeded' WHERE last_sync_status = 'succeeded_with_failures'");
  await knex.raw('ALTER TABLE sync_runs ALTER COLUMN status TYPE varchar(16)');
  await knex.raw('ALTER TABLE sync_sources ALTER COLUMN last_sync_status TYPE varchar(16)');
}
