import { isPostgres } from '../../persistence/database.js';
import { countRows, loadRows, pageIds, type Ordering, type QueryContext, type ResourceTable, type Selection } from './resource-store.js';

/** From this offset on, an index page is read as a deep page (count first, then ids from the nearer end). */
export const DEEP_PAGE_OFFSET = 1000;

/**
 * The ids of rows `offset … offset + limit` of a list of `total` rows, read from whichever end
 * of the list is nearer: past the middle, the reverse order is read with the smaller offset and
 * flipped (the order is a total one, `(E IS NULL), E, id`, so its reverse is exact). The page at
 * startIndex 99,901 of 100k then skips nothing, and no page skips more than half the list.
 */
export async function idsNear(
  context: QueryContext,
  resource: ResourceTable,
  selection: Selection,
  ordering: Ordering,
  offset: number,
  limit: number,
  total: number,
): Promise<string[]> {
  if (offset >= total || limit <= 0) return [];
  const end = Math.min(total, offset + limit);
  const after = total - end;
  if (offset <= after) return pageIds(context, resource, selection, ordering, offset, limit);
  const reversed = await pageIds(context, resource, selection, { ...ordering, descending: !ordering.descending }, after, end - offset);
  return reversed.reverse();
}

/**
 * A deep index page and its totalResults, both read in one snapshot (a read transaction;
 * REPEATABLE READ on PostgreSQL), so that the count the page was placed by is the count
 * returned, whatever is written meanwhile. The rows themselves are loaded by id afterwards.
 */
export async function deepPage(
  context: QueryContext,
  resource: ResourceTable,
  selection: Selection,
  ordering: Ordering,
  offset: number,
  limit: number,
): Promise<{ total: number; rows: Record<string, unknown>[] }> {
  const { total, ids } = await context.knex.transaction(
    async (trx) => {
      const snapshot: QueryContext = { ...context, knex: trx };
      const counted = await countRows(snapshot, resource, selection);
      return { total: counted, ids: await idsNear(snapshot, resource, selection, ordering, offset, limit, counted) };
    },
    isPostgres(context.knex) ? { isolationLevel: 'repeatable read' } : undefined,
  );
  return { total, rows: await loadRows(context, resource, ids) };
}
