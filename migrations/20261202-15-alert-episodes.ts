import type { Knex } from 'knex';
import { isPostgres } from '../lib/persistence/database.js';

/**
 * `sync_alert_episodes`: the alert conditions in progress per source (a quarantine, a backlog
 * older than the threshold), so that each alerts once when it starts, on one instance only.
 *
 * Also widens the run status columns: `succeeded_with_failures` (23 characters) does not fit the
 * 16 they had, which PostgreSQL refuses (sqlite does not check a varchar's length, so only
 * PostgreSQL is altered: rebuilding sync_runs on sqlite would drop its partial unique index).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_alert_episodes', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('opened_at', 24).notNullable();
    t.primary(['source_id', 'kind']);
  });
  if (isPostgres(knex)) {
    await knex.raw('ALTER TABLE sync_runs ALTER COLUMN status TYPE varchar(32)');
    await knex.raw('ALTER TABLE sync_sources ALTER COLUMN last_sync_status TYPE varchar(32)');
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_alert_episodes');
}
