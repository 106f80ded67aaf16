import type { Knex } from 'knex';

/** sqlite allows 32,766 bound variables per statement; stay far below it with any column count. */
const MAX_BINDINGS = 2_000;

/**
 * A multi-row INSERT built by hand: knex compiles every value of every row through its query
 * builder, which at 100k users costs more main-thread time than the database itself. The table
 * and column names are ours (constants), never input; values are always bound.
 */
export async function bulkInsert(
  db: Knex | Knex.Transaction,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  /** e.g. `on conflict (a, b) do update set c = excluded.c` (sqlite ≥ 3.24 and PostgreSQL alike). */
  onConflict = '',
): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.max(1, Math.floor(MAX_BINDINGS / columns.length));
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const bindings: unknown[] = [];
    for (const row of slice) for (const value of row) bindings.push(value === undefined ? null : value);
    await db.raw(`${head}${new Array(slice.length).fill(tuple).join(', ')}${onConflict ? ` ${onConflict}` : ''}`, bindings as Knex.RawBinding[]);
  }
}

/** `excluded.x` assignments for an upsert of these columns. */
export function updateFromExcluded(columns: readonly string[]): string {
  return columns.map((column) => `${quote(column)} = excluded.${quote(column)}`).join(', ');
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
