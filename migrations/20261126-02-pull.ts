import type { Knex } from 'knex';

/**
 * Pull mode (the SCIM server): short-lived OAuth access tokens, user columns for the name parts
 * the SCIM server filters and sorts on (they lived only in the `data` JSON), and indexes for the
 * filters and paging it serves.
 */

/** Columns added to sync_users, with the `data` JSON path each is filled from. */
const USER_COLUMNS = [
  ['middle_name', '$.name.middleName', ['name', 'middleName']],
  ['formatted_name', '$.name.formatted', ['name', 'formatted']],
  ['honorific_prefix', '$.name.honorificPrefix', ['name', 'honorificPrefix']],
  ['honorific_suffix', '$.name.honorificSuffix', ['name', 'honorificSuffix']],
  ['locale', '$.locale', ['locale']],
  ['preferred_language', '$.preferredLanguage', ['preferredLanguage']],
] as const;

/** Expression and partial indexes, written once for both dialects (both accept this SQL). */
const INDEXES = [
  // Paging through live objects in id order reads only this index (deferred join).
  ['sync_users_live_id', 'sync_users (id) WHERE deleted_at IS NULL'],
  ['sync_orgs_live_id', 'sync_orgs (id) WHERE deleted_at IS NULL'],
  ['sync_users_external_id', 'sync_users (external_id)'],
  ['sync_users_employee_number_lower', 'sync_users (lower(employee_number))'],
  ['sync_users_display_name_lower', 'sync_users (lower(display_name))'],
  ['sync_users_manager_id', 'sync_users (manager_id)'],
  ['sync_user_phones_value_lower', 'sync_user_phones (lower(value))'],
  ['sync_orgs_name_lower', 'sync_orgs (lower(name))'],
  ['sync_orgs_code', 'sync_orgs (code)'],
] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_oauth_tokens', (t) => {
    // SHA-256 of the access token: the token itself is never stored.
    t.string('token_hash', 64).primary();
    t.string('source_id', 36).notNullable().references('id').inTable('sync_sources').onDelete('CASCADE');
    // The client id the token was issued to; regenerating credentials changes it, which revokes the token.
    t.string('client_id', 128).notNullable();
    t.string('created_at', 24).notNullable();
    t.string('expires_at', 24).notNullable();
    t.index(['expires_at']);
    t.index(['source_id']);
  });

  await knex.schema.alterTable('sync_users', (t) => {
    for (const [column] of USER_COLUMNS) t.string(column, 255);
  });
  const client = String(knex.client.config.client);
  for (const [column, jsonPath, pgPath] of USER_COLUMNS) {
    if (client === 'pg' || client === 'postgres' || client === 'postgresql') {
      await knex.raw(`UPDATE sync_users SET ?? = (data::jsonb #>> ?)`, [column, `{${pgPath.join(',')}}`]);
    } else {
      await knex.raw(`UPDATE sync_users SET ?? = json_extract(data, ?)`, [column, jsonPath]);
    }
  }
  for (const [name, definition] of INDEXES) await knex.raw(`CREATE INDEX ${name} ON ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  // Plain ALTER TABLE … DROP COLUMN (sqlite ≥ 3.35 and PostgreSQL) keeps the table and its
  // foreign keys in place; a table rebuild would cascade-delete the contact rows on sqlite.
  for (const [column] of [...USER_COLUMNS].reverse()) await knex.raw('ALTER TABLE sync_users DROP COLUMN ??', [column]);
  await knex.schema.dropTableIfExists('sync_oauth_tokens');
}
