import type { Knex } from 'knex';
import { isPostgres } from '../lib/persistence/database.js';

/**
 * Run statuses grew `succeeded_with_failures` (23 characters): `sync_runs.status` and
 * `sync_sources.last_sync_status` were 16 wide, which PostgreSQL enforces (the run could not be
 * finished) and sqlite does not. sqlite keeps its tables: it ignores the length, and altering
 * a column there rebuilds the table.
 */
const COLUMNS = [
  ['sync_runs', 'status', true],
  ['sync_sources', 'last_sync_status', false],
] as const;

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  for (const [table, column, required] of COLUMNS) {
    await knex.schema.alterTable(table, (t) => {
      const altered = t.string(column, 32);
      (required ? altered.notNullable() : altered.nullable()).alter();
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  for (const [table, column, required] of COLUMNS) {
    await knex.schema.alterTable(table, (t) => {
      const altered = t.string(column, 16);
      (required ? altered.notNullable() : altered.nullable()).alter();
    });
  }
}

