import type { ScimLocation } from './presenters.js';
import { compileProjection, project } from './projection.js';
import { keysetKeys, type RowKey } from './query/keyset-page.js';
import type { ListParams } from './query/list-params.js';
import type { CursorBinding, CursorCodec, CursorPosition } from './query/page-cursor.js';
import { countRows, loadRows, type QueryContext } from './query/resource-store.js';
import type { ResourceKind } from './resources/resource-kind.js';
import { compile, orderingOf, selectionOf, type ListResponse } from './scim-queries.js';
import { URN } from './urns.js';

/**
 * What a cursor is bound to: the resource type, the puller's source, the filter and sort the walk
 * began with, and the scope (every part of the query context but the connection and the clock),
 * so that a cursor from one query, source or scope is refused by another.
 */
export function cursorBinding(kind: ResourceKind, params: ListParams, context: QueryContext, sourceId: string): CursorBinding {
  const { knex: _knex, dialect: _dialect, tombstoneCutoff: _cutoff, ...scope } = context;
  return {
    resourceType: kind.type.name,
    sourceId,
    query: JSON.stringify([params.filter ?? null, params.sortBy?.toLowerCase() ?? null, params.sortOrder, scope]),
  };
}

/**
 * GET /Users?cursor=… and its .search twin (RFC 9865): the same filter, sort, scope and
 * tombstones as index paging, but each page seeks from the cursor's row instead of skipping the
 * rows before it. `nextCursor` is on every page but the last, `previousCursor` on every page
 * after the first.
 */
export async function listResourcesByCursor(
  kind: ResourceKind,
  params: ListParams,
  context: QueryContext,
  location: ScimLocation,
  cursors: CursorCodec,
  binding: CursorBinding,
): Promise<ListResponse> {
  const selection = selectionOf(compile(kind, params, context));
  const ordering = orderingOf(kind, params, context);
  const from = params.cursor ? cursors.decode(params.cursor, binding) : undefined;
  const backwards = from?.direction === 'previous';
  const keys = await keysetKeys(context, kind.table, selection, ordering, from, params.count + 1);
  const more = keys.length > params.count;
  // One row past the page tells whether another page follows (it is the first row when reading backwards).
  const page = more ? (backwards ? keys.slice(1) : keys.slice(0, params.count)) : keys;
  const response: ListResponse = { schemas: [URN.listResponse], totalResults: 0, itemsPerPage: 0, Resources: [] };
  const first = page[0];
  const last = page[page.length - 1];
  if (last && (backwards || more)) response.nextCursor = cursors.encode(positionOf('next', last), binding);
  if (first && (backwards ? more : from !== undefined)) response.previousCursor = cursors.encode(positionOf('previous', first), binding);
  response.totalResults = from === undefined && !more ? page.length : await countRows(context, kind.table, selection);
  const projection = compileProjection(kind.type, params);
  const rows = await loadRows(context, kind.table, page.map((key) => key.id));
  const resources = (await kind.present(context, rows, location, projection)).map((resource) => project(resource, projection));
  response.itemsPerPage = resources.length;
  response.Resources = resources;
  return response;
}

function positionOf(direction: CursorPosition['direction'], key: RowKey): CursorPosition {
  return 'sortValue' in key ? { direction, sortValue: key.sortValue, id: key.id } : { direction, id: key.id };
}
