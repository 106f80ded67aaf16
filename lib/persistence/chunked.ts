import type { Knex } from 'knex';
import { isSqlite } from './database.js';

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
 *
 * On sqlite the rows of a statement go as one bound JSON text (`jsonb_each`) instead of one bound
 * variable per value: node-sqlite3 converts every bound variable on the main thread, which for a
 * push's run-log and link rows cost three to five times what one `JSON.stringify` of the same
 * values does, while sqlite reads the JSON on its own thread. `jsonb_each` hands each row over as
 * binary JSON, which `->>` reads in place; `json_each` rendered every row back to text and
 * `json_extract` parsed that text again, for each column (a third of a push's sqlite-thread
 * time; `jsonb_each` needs sqlite 3.45, which both drivers bundle). The same rows per statement as
 * the variable form keep each statement as small. A chunk holding a value JSON cannot carry as it is
 * (a Buffer, a Date, a bigint, a non-finite number) is bound value by value, as on PostgreSQL.
 */
export async function insertChunked(db: Knex | Knex.Transaction, table: string, rows: ReadonlyArray<object>, onConflict?: OnConflict): Promise<void> {
  if (rows.length === 0) return;
  const columns = columnsOf(rows);
  const tail = onConflict ? ` ${conflictClause(onConflict, columns)}` : '';
  const statements = new InsertStatements(table, columns, tail);
  const asJson = isSqlite(db as Knex);
  for (const chunk of chunks(rows, rowsPerStatement(columns.length))) {
    const json = asJson ? jsonRows(chunk, columns) : null;
    if (json !== null) await db.raw(statements.fromJson(), [json]);
    else await db.raw(statements.fromValues(chunk.length), valuesOf(chunk, columns) as Knex.RawBinding[]);
  }
}

/** The two forms of one table's insert: a VALUES list of bound variables, or a sqlite JSON array of row arrays. */
class InsertStatements {
  readonly #head: string;
  readonly #tuple: string;
  #json: string | undefined;

  constructor(
    private readonly table: string,
    private readonly columns: readonly string[],
    private readonly tail: string,
  ) {
    this.#head = `insert into ${quote(table)} (${columns.map(quote).join(', ')})`;
    this.#tuple = `(${columns.map(() => '?').join(', ')})`;
  }

  fromValues(count: number): string {
    return `${this.#head} values ${new Array(count).fill(this.#tuple).join(', ')}${this.tail}`;
  }

  /** `where true` lets sqlite parse an upsert after a SELECT (its documented ambiguity with a join's ON). */
  fromJson(): string {
    this.#json ??= `${this.#head} select ${this.columns.map((_, index) => `value ->> ${index}`).join(', ')} from jsonb_each(?) where true${this.tail}`;
    return this.#json;
  }
}

function valuesOf(chunk: ReadonlyArray<object>, columns: readonly string[]): unknown[] {
  const bindings: unknown[] = [];
  for (const row of chunk) for (const column of columns) bindings.push((row as Record<string, unknown>)[column] ?? null);
  return bindings;
}

/**
 * The chunk as a JSON array of row arrays, or null when a value would not come back from JSON as
 * sqlite stores it bound. A string with a lone surrogate is made well-formed first, as binding it
 * would (U+FFFD): sqlite would store the escape's bytes as invalid UTF-8.
 */
function jsonRows(chunk: ReadonlyArray<object>, columns: readonly string[]): string | null {
  const values: unknown[][] = [];
  for (const row of chunk) {
    const tuple: unknown[] = [];
    for (const column of columns) {
      const value = (row as Record<string, unknown>)[column] ?? null;
      if (typeof value === 'string') tuple.push(wellFormed(value));
      else if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) tuple.push(value);
      else return null;
    }
    values.push(tuple);
  }
  return JSON.stringify(values);
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

/** ES2024's String#isWellFormed / #toWellFormed (Node 20 has them; the TypeScript lib here is ES2023). */
function wellFormed(value: string): string {
  const text = value as string & { isWellFormed(): boolean; toWellFormed(): string };
  return text.isWellFormed() ? value : text.toWellFormed();
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
