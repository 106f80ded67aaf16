import type { Knex } from 'knex';
import { foldCase } from '../lib/util/case-fold.js';

/**
 * Case-folded copies (`foldCase`) of every value SCIM filters compare case-insensitively, so
 * that `eq`, `co`, `sw` and `ew` fold the same way on sqlite (whose lower() folds ASCII only) and
 * PostgreSQL: the filter compares the stored copy with the value folded the same way. `text`,
 * since a folded value can be longer (`ß` → `ss`). The lower() expression indexes give way to
 * plain indexes on the copies.
 */
const FOLDED: ReadonlyArray<{ table: string; key: readonly string[]; columns: readonly string[] }> = [
  {
    table: 'sync_users',
    key: ['id'],
    columns: [
      'user_name',
      'display_name',
      'given_name',
      'family_name',
      'middle_name',
      'formatted_name',
      'honorific_prefix',
      'honorific_suffix',
      'title',
      'locale',
      'preferred_language',
      'employee_number',
    ],
  },
  { table: 'sync_user_emails', key: ['user_id', 'position'], columns: ['value', 'type'] },
  { table: 'sync_user_phones', key: ['user_id', 'position'], columns: ['value', 'type'] },
  { table: 'sync_orgs', key: ['id'], columns: ['name'] },
];

/** [lower() index replaced, its definition, the index on the folded copy]. */
const INDEXES = [
  ['sync_users_user_name_lower', 'sync_users (lower(user_name))', 'sync_users (user_name_fold)'],
  ['sync_user_emails_value_lower', 'sync_user_emails (lower(value))', 'sync_user_emails (value_fold)'],
  ['sync_users_employee_number_lower', 'sync_users (lower(employee_number))', 'sync_users (employee_number_fold)'],
  ['sync_users_display_name_lower', 'sync_users (lower(display_name))', 'sync_users (display_name_fold)'],
  ['sync_user_phones_value_lower', 'sync_user_phones (lower(value))', 'sync_user_phones (value_fold)'],
  ['sync_orgs_name_lower', 'sync_orgs (lower(name))', 'sync_orgs (name_fold)'],
] as const;

const PAGE = 500;

const foldIndexName = (lowerIndex: string) => lowerIndex.replace(/_lower$/, '_fold');

export async function up(knex: Knex): Promise<void> {
  for (const { table, key, columns } of FOLDED) {
    await knex.schema.alterTable(table, (t) => {
      for (const column of columns) t.text(`${column}_fold`);
    });
    await backfill(knex, table, key, columns);
  }
  for (const [lowerIndex, , folded] of INDEXES) {
    await knex.raw(`DROP INDEX IF EXISTS ${lowerIndex}`);
    await knex.raw(`CREATE INDEX ${foldIndexName(lowerIndex)} ON ${folded}`);
  }
}

/** Folds the stored values in JavaScript, a page at a time: sqlite has no Unicode lower(). */
async function backfill(knex: Knex, table: string, key: readonly string[], columns: readonly string[]): Promise<void> {
  let offset = 0;
  for (;;) {
    const rows: Array<Record<string, string | null>> = await knex(table).orderBy([...key]).limit(PAGE).offset(offset).select([...key, ...columns]);
    for (const row of rows) {
      const update = Object.fromEntries(columns.map((column) => [`${column}_fold`, row[column] === null ? null : foldCase(String(row[column]))]));
      await knex(table).where(Object.fromEntries(key.map((column) => [column, row[column]]))).update(update);
    }
    if (rows.length < PAGE) return;
    offset += PAGE;
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [lowerIndex, definition] of [...INDEXES].reverse()) {
    await knex.raw(`DROP INDEX IF EXISTS ${foldIndexName(lowerIndex)}`);
    await knex.raw(`CREATE INDEX ${lowerIndex} ON ${definition}`);
  }
  // Plain ALTER TABLE … DROP COLUMN: a sqlite table rebuild would cascade-delete child rows.
  for (const { table, columns } of [...FOLDED].reverse()) {
    for (const column of [...columns].reverse()) await knex.raw('ALTER TABLE ?? DROP COLUMN ??', [table, `${column}_fold`]);
  }
}
