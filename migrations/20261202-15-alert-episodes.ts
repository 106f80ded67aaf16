import type { Knex } from 'knex';

/**
 * `sync_alert_episodes`: the alert conditions in progress per source (a quarantine, a backlog
 * older than the threshold), so that each alerts once when it starts, on one instance only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_alert_episodes', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.string('opened_at', 24).notNullable();
    t.primary(['source_id', 'kind']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_alert_episodes');
}
