import type { Knex } from 'knex';
import { foldCase } from '../lib/util/case-fold.js';

/**
 * What the console's log search compares (lib/runs/log-search.ts): a case-folded copy
 * (`foldCase`) of each run item's and delivery's object name, and of each pull request's path
 * and filter, so that sqlite and PostgreSQL match the same rows whatever their lower() does.
 * The indexes serve the exact search by object id within one source or run.
 */
const FOLDED = [
  { table: 'sync_delivery_log', column: 'object_name_fold', fold: (row: Row) => foldSearch(row.object_name) },
  { table: 'sync_run_items', column: 'object_name_fold', fold: (row: Row) => foldSearch(row.object_name) },
  { table: 'sync_pull_log', column: 'search_fold', fold: (row: Row) => foldSearch(row.path, row.filter) },
] as const;

const INDEXES = [
  ['sync_delivery_log_source_object', 'sync_delivery_log (source_id, object_id)'],
  ['sync_run_items_run_object', 'sync_run_items (run_id, object_id)'],
] as const;

const PAGE = 500;

type Row = Record<string, string | number | null>;

/** The same text `pullSearchFold` / `outcomeColumns` write (kept here: a migration never changes with the code). */
function foldSearch(...parts: Array<string | number | null>): string | null {
  const present = parts.filter((part): part is string => typeof part === 'string' && part !== '');
  return present.length === 0 ? null : foldCase(present.join('\n'));
}

export async function up(knex: Knex): Promise<void> {
  for (const { table, column, fold } of FOLDED) {
    await knex.schema.alterTable(table, (t) => {
      t.text(column);
    });
    // Keyset pages by id: a log of a million rows is folded 500 rows at a time.
    let afterId = 0;
    for (;;) {
      const rows: Row[] = await knex(table).where('id', '>', afterId).orderBy('id').limit(PAGE);
      for (const row of rows) {
        const value = fold(row);
        if (value !== null) await knex(table).where({ id: row.id }).update({ [column]: value });
      }
      if (rows.length < PAGE) break;
      afterId = Number(rows[rows.length - 1]!.id);
    }
  }
  for (const [name, definition] of INDEXES) await knex.raw(`CREATE INDEX ${name} ON ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  // Plain ALTER TABLE … DROP COLUMN: a sqlite table rebuild would cascade-delete child rows.
  for (const { table, column } of [...FOLDED].reverse()) await knex.raw('ALTER TABLE ?? DROP COLUMN ??', [table, column]);
}
