import type { Knex } from 'knex';
import type { CursorPosition } from './page-cursor.js';
import { orderPage, visibleRows, type Ordering, type QueryContext, type ResourceTable, type Selection } from './resource-store.js';

/** A row's place in the list order: what a cursor remembers. */
export interface RowKey {
  id: string;
  /** Present when the list is sorted by an attribute. */
  sortValue?: string | number | boolean | null;
}

type KeyValue = string | number | boolean | null;

/**
 * Up to `limit` row keys right after (or, for a `previous` cursor, right before) `from`, in list
 * order, read from the index in the list order: a seek, so a page costs the same at any depth.
 * Without `from`, the first rows. The order is exactly that of index paging (missing sort values
 * last ascending, first descending; then id), so both walks return the same rows.
 */
export async function keysetKeys(
  context: QueryContext,
  resource: ResourceTable,
  selection: Selection,
  ordering: Ordering,
  from: CursorPosition | undefined,
  limit: number,
): Promise<RowKey[]> {
  const backwards = from?.direction === 'previous';
  // Reading backwards is reading the reverse order forwards, then flipping the rows.
  const scan: Ordering = { expression: ordering.expression, descending: ordering.descending !== backwards };
  const query = visibleRows(context, resource, selection).select(`${resource.alias}.id`);
  if (ordering.expression) query.select(context.knex.raw(`${ordering.expression} AS ssc_sort_key`));
  if (from) {
    const after = afterCondition(resource.alias, scan, from);
    query.whereRaw(after.sql, after.bindings);
  }
  orderPage(query, resource.alias, scan);
  const rows: Array<{ id: string; ssc_sort_key?: KeyValue }> = await query.limit(limit);
  const keys = rows.map((row): RowKey => (ordering.expression ? { id: String(row.id), sortValue: row.ssc_sort_key ?? null } : { id: String(row.id) }));
  return backwards ? keys.reverse() : keys;
}

/** The rows strictly after `key` in the scan order `(E IS NULL), E, id`, all in one direction. */
function afterCondition(alias: string, scan: Ordering, key: CursorPosition): { sql: string; bindings: Knex.RawBinding[] } {
  const id = `${alias}.id`;
  const beyond = scan.descending ? '<' : '>';
  const expression = scan.expression;
  if (!expression) return { sql: `${id} ${beyond} ?`, bindings: [key.id] };
  const value = key.sortValue ?? null;
  if (!scan.descending) {
    // Ascending: non-missing values first, missing ones last.
    if (value === null) return { sql: `(${expression} IS NULL AND ${id} > ?)`, bindings: [key.id] };
    return { sql: `(${expression} IS NULL OR ${expression} > ? OR (${expression} = ? AND ${id} > ?))`, bindings: [value, value, key.id] };
  }
  // Descending: missing values first, then the others from the largest.
  if (value === null) return { sql: `(${expression} IS NOT NULL OR ${id} < ?)`, bindings: [key.id] };
  return { sql: `(${expression} IS NOT NULL AND (${expression} < ? OR (${expression} = ? AND ${id} < ?)))`, bindings: [value, value, key.id] };
}
