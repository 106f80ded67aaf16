import type { Knex } from 'knex';

/**
 * The whole first schema: the mirror with its change feed, sources, cursors, links, runs and the
 * logs. Timestamps are ISO-8601 UTC strings with milliseconds (`Date#toISOString`), which sort and
 * compare the same way on sqlite and PostgreSQL.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_counters', (t) => {
    t.string('name', 64).primary();
    t.bigInteger('value').notNullable();
  });
  await knex('sync_counters').insert({ name: 'change_seq', value: 0 });

  await knex.schema.createTable('sync_orgs', (t) => {
    t.string('id', 255).primary();
    t.bigInteger('seq').notNullable();
    t.string('name', 255).notNullable();
    t.string('code', 255);
    t.string('parent_id', 255);
    t.integer('sort_order').notNullable().defaultTo(0);
    t.text('data').notNullable();
    t.string('hash', 64).notNullable();
    t.string('host_updated_at', 24);
    t.string('created_at', 24).notNullable();
    t.string('last_modified', 24).notNullable();
    t.string('deleted_at', 24);
    t.bigInteger('reconcile_mark');
    t.index(['seq']);
    t.index(['parent_id']);
    t.index(['last_modified']);
  });

  await knex.schema.createTable('sync_users', (t) => {
    t.string('id', 255).primary();
    t.bigInteger('seq').notNullable();
    t.string('user_name', 255).notNullable();
    t.string('external_id', 255);
    t.string('display_name', 255);
    t.string('given_name', 255);
    t.string('family_name', 255);
    t.string('title', 255);
    t.string('employee_number', 255);
    t.string('manager_id', 255);
    t.string('primary_org_id', 255);
    t.boolean('active').notNullable();
    t.text('data').notNullable();
    t.string('hash', 64).notNullable();
    t.string('host_updated_at', 24);
    t.string('created_at', 24).notNullable();
    t.string('last_modified', 24).notNullable();
    t.string('deleted_at', 24);
    t.bigInteger('reconcile_mark');
    t.index(['seq']);
    t.index(['last_modified']);
    t.index(['primary_org_id']);
  });
  // SCIM compares userName case-insensitively; the expression index serves `lower(user_name) = ?`.
  await knex.raw('CREATE INDEX sync_users_user_name_lower ON sync_users (lower(user_name))');

  await knex.schema.createTable('sync_user_emails', (t) => {
    t.string('user_id', 255).notNullable().references('id').inTable('sync_users').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('value', 320).notNullable();
    t.string('type', 64);
    t.boolean('primary').notNullable().defaultTo(false);
    t.primary(['user_id', 'position']);
  });
  await knex.raw('CREATE INDEX sync_user_emails_value_lower ON sync_user_emails (lower(value))');

  await knex.schema.createTable('sync_user_phones', (t) => {
    t.string('user_id', 255).notNullable().references('id').inTable('sync_users').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('value', 64).notNullable();
    t.string('type', 64);
    t.boolean('primary').notNullable().defaultTo(false);
    t.primary(['user_id', 'position']);
  });

  await knex.schema.createTable('sync_user_orgs', (t) => {
    t.string('user_id', 255).notNullable().references('id').inTable('sync_users').onDelete('CASCADE');
    t.string('org_id', 255).notNullable();
    t.boolean('primary').notNullable().defaultTo(false);
    t.primary(['user_id', 'org_id']);
    t.index(['org_id']);
  });

  await knex.schema.createTable('sync_changes', (t) => {
    t.bigInteger('seq').primary();
    t.string('kind', 8).notNullable(); // 'user' | 'org'
    t.string('object_id', 255).notNullable();
    t.string('op', 8).notNullable(); // 'upsert' | 'delete'
    t.string('origin', 16).notNullable(); // 'hook' | 'reconcile'
    t.string('at', 24).notNullable();
    t.index(['kind', 'object_id']);
  });

  await knex.schema.createTable('sync_sources', (t) => {
    t.string('id', 36).primary();
    t.string('name', 64).notNullable().unique();
    t.string('description', 256).notNullable().defaultTo('');
    t.string('protocol', 16).notNullable();
    t.string('mode', 8).notNullable();
    t.boolean('enabled').notNullable().defaultTo(false);
    t.text('settings').notNullable();
    t.text('secrets');
    t.string('pull_client_id', 128).unique();
    t.string('pull_client_secret_hash', 64);
    t.string('pull_token_hash', 64).unique();
    t.string('credentials_rotated_at', 24);
    t.string('quarantined_at', 24);
    t.text('quarantine_reason');
    t.integer('failure_streak').notNullable().defaultTo(0);
    t.string('last_sync_at', 24);
    t.string('last_sync_status', 16);
    t.string('created_at', 24).notNullable();
    t.string('updated_at', 24).notNullable();
  });

  await knex.schema.createTable('sync_cursors', (t) => {
    t.string('source_id', 36).primary().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.bigInteger('seq').notNullable();
    t.string('updated_at', 24).notNullable();
  });

  await knex.schema.createTable('sync_links', (t) => {
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('kind', 8).notNullable();
    t.string('local_id', 255).notNullable();
    t.string('remote_id', 255);
    t.string('hash', 64);
    t.string('last_status', 16);
    t.text('last_error');
    t.string('updated_at', 24).notNullable();
    t.primary(['source_id', 'kind', 'local_id']);
    t.index(['source_id', 'kind', 'remote_id']);
  });

  await knex.schema.createTable('sync_runs', (t) => {
    t.increments('id');
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // 'manual' | 'scheduled' | 'dry_run'
    t.string('status', 16).notNullable(); // 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled'
    t.string('started_by', 255);
    t.string('created_at', 24).notNullable();
    t.string('started_at', 24);
    t.string('finished_at', 24);
    t.integer('total').notNullable().defaultTo(0);
    t.integer('processed').notNullable().defaultTo(0);
    t.integer('created').notNullable().defaultTo(0);
    t.integer('updated').notNullable().defaultTo(0);
    t.integer('deleted').notNullable().defaultTo(0);
    t.integer('skipped').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.text('error');
    t.text('options');
    t.text('checkpoint');
    t.boolean('cancel_requested').notNullable().defaultTo(false);
    t.string('heartbeat_at', 24);
    t.string('holder', 128);
    t.index(['source_id', 'id']);
    t.index(['status']);
  });
  // At most one unfinished run per source, enforced by the database for every instance.
  await knex.raw("CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (source_id) WHERE status IN ('queued', 'running', 'paused')");

  await knex.schema.createTable('sync_run_items', (t) => {
    t.increments('id');
    t.integer('run_id').notNullable().references('id').inTable('sync_runs').onDelete('CASCADE');
    t.string('at', 24).notNullable();
    t.string('kind', 8).notNullable();
    t.string('object_id', 255).notNullable();
    t.string('object_name', 255);
    t.string('operation', 16).notNullable(); // 'create' | 'update' | 'delete' | 'disable' | 'skip'
    t.string('result', 16).notNullable(); // 'succeeded' | 'failed' | 'skipped' | 'planned'
    t.string('method', 8);
    t.string('path', 1024);
    t.integer('http_status');
    t.text('changes');
    t.text('error');
    t.integer('duration_ms');
    t.index(['run_id', 'result']);
  });

  await knex.schema.createTable('sync_delivery_log', (t) => {
    t.increments('id');
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('at', 24).notNullable();
    t.bigInteger('change_seq');
    t.string('kind', 8).notNullable();
    t.string('object_id', 255).notNullable();
    t.string('object_name', 255);
    t.string('operation', 16).notNullable();
    t.string('result', 16).notNullable(); // 'succeeded' | 'failed' | 'retrying' | 'rejected' | 'skipped'
    t.string('method', 8);
    t.string('path', 1024);
    t.integer('http_status');
    t.text('changes');
    t.text('error');
    t.integer('duration_ms');
    t.integer('attempt').notNullable().defaultTo(1);
    t.index(['source_id', 'id']);
    t.index(['source_id', 'at']);
  });

  await knex.schema.createTable('sync_pull_log', (t) => {
    t.increments('id');
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    t.string('at', 24).notNullable();
    t.string('client_id', 128);
    t.string('method', 8).notNullable();
    t.string('path', 1024).notNullable();
    t.text('filter');
    t.integer('result_count');
    t.integer('status').notNullable();
    t.integer('duration_ms').notNullable();
    t.index(['source_id', 'id']);
    t.index(['at']);
  });

  await knex.schema.createTable('sync_audit_log', (t) => {
    t.increments('id');
    t.string('at', 24).notNullable();
    t.string('actor', 255).notNullable();
    t.string('action', 64).notNullable();
    t.string('source_id', 36);
    t.text('detail');
    t.index(['source_id', 'id']);
  });

  await knex.schema.createTable('sync_leases', (t) => {
    t.string('name', 128).primary();
    t.string('holder', 128).notNullable();
    t.string('expires_at', 24).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'sync_leases',
    'sync_audit_log',
    'sync_pull_log',
    'sync_delivery_log',
    'sync_run_items',
    'sync_runs',
    'sync_links',
    'sync_cursors',
    'sync_sources',
    'sync_changes',
    'sync_user_orgs',
    'sync_user_phones',
    'sync_user_emails',
    'sync_users',
    'sync_orgs',
    'sync_counters',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
