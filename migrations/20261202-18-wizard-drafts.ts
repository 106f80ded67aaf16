import type { Knex } from 'knex';

/**
 * `sync_wizard_drafts`: what an admin has told the "New downstream sync" wizard so far, between
 * its steps (each step is a POST that stores the draft, then a redirect to the next step's GET).
 * The payload is sealed by the console; a draft belongs to one admin and expires.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sync_wizard_drafts', (t) => {
    t.string('id', 32).primary();
    t.string('actor', 255).notNullable();
    t.text('payload').notNullable();
    t.string('expires_at', 24).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sync_wizard_drafts');
}
