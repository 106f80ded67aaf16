import type { Knex } from 'knex';

/**
 * sqlite refuses a statement with more than 32,766 bound variables (SQLITE_MAX_VARIABLE_NUMBER
 * since 3.32; PostgreSQL allows 65,535). Every bulk statement stays under a third of that, so
 * the few bindings a caller adds beside the rows or ids (a `where source_id = ?`) always fit,
 * and one statement is built in about a millisecond: the event loop is never held long by one.
 */
export const VARIABLES_PER_STATEMENT = 10_000;

/** How many rows of `columnsPerRow` values one statement takes (at least one). */
export function rowsPerStatement(columnsPerRow: number): number {
  return Math.max(1, Math.floor(VARIABLES_PER_STATEMENT / Math.max(1, columnsPerRow)));
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** What a row that collides with a stored one on `columns` (a unique key) does. */
export interface OnConflict {
  columns: readonly string[];
  /** `'nothing'` keeps the stored row; `'all'` overwrites every inserted column; a list overwrites those. */
  update: 'nothing' | 'all' | readonly string[];
}

/**
 * Inserts rows in as few statements as the bound-variable limit allows. The statement is built
 * by hand rather than through knex's builder, which compiles every value one by one and at 100k
 * users costs more main-thread time than the database. Table and column names are ours
 * (constants), never input; values are always bound. A column a row lacks is inserted as NULL.
 */
export async function insertChunked(db: Knex | Knex.Transaction, table: string, rows: ReadonlyArray<object>, onConflict?: OnConflict): Promise<void> {
  if (rows.length === 0) return;
  const columns = columnsOf(rows);
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const tail = onConflict ? ` ${conflictClause(onConflict, columns)}` : '';
  for (const chunk of chunks(rows, rowsPerStatement(columns.length))) {
    const bindings: unknown[] = [];
    for (const row of chunk) for (const column of columns) bindings.push((row as Record<string, unknown>)[column] ?? null);
    await db.raw(`${head}${new Array(chunk.length).fill(tuple).join(', ')}${tail}`, bindings as Knex.RawBinding[]);
  }
}

/**
 * Runs one statement per slice of a long id list (a `whereIn` read, update or delete), each
 * slice small enough for one statement; returns the statements' results in order. Reads
 * `.flat()` them.
 */
export async function whereInChunks<Id, Result>(ids: readonly Id[], statement: (slice: Id[]) => PromiseLike<Result>): Promise<Result[]> {
  const results: Result[] = [];
  for (const slice of chunks(ids, rowsPerStatement(1))) results.push(await statement(slice));
  return results;
}

/** Every key any row has, in first-seen order: rows of one table may leave optional columns out. */
function columnsOf(rows: ReadonlyArray<object>): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

function conflictClause({ columns: key, update }: OnConflict, inserted: readonly string[]): string {
  const target = `on conflict (${key.map(quote).join(', ')})`;
  const assigned = update === 'all' ? inserted : update === 'nothing' ? [] : update;
  if (assigned.length === 0) return `${target} do nothing`;
  return `${target} do update set ${assigned.map((column) => `${quote(column)} = excluded.${quote(column)}`).join(', ')}`;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
