import { compileFilter, parseFilter, type CompiledFilter } from './filter/filter-sql.js';
import { sortExpression } from './filter/filter-targets.js';
import type { ScimLocation, ScimResource } from './presenters.js';
import { compileProjection, project, type CompiledProjection } from './projection.js';
import type { ListParams, Projection } from './query/list-params.js';
import { DEEP_PAGE_OFFSET, deepPage, idsNear } from './query/deep-page.js';
import { countRows, findRow, loadRows, pageRows, type Ordering, type QueryContext, type Selection } from './query/resource-store.js';
import { resolvePath } from './resource-types.js';
import { targetsFor, type ResourceKind } from './resources/resource-kind.js';
import { ScimError } from './scim-error.js';
import { URN } from './urns.js';

export interface ListResponse {
  schemas: [typeof URN.listResponse];
  totalResults: number;
  itemsPerPage: number;
  /** Index paging only; a cursor-paged response (RFC 9865) has none. */
  startIndex?: number;
  /** RFC 9865: the next page's cursor, on every cursor-paged page but the last. */
  nextCursor?: string;
  /** RFC 9865: the previous page's cursor, on cursor-paged pages after the first. */
  previousCursor?: string;
  /** Always present, empty when nothing matched or `count=0` (RFC 7644 §3.4.2). */
  Resources: ScimResource[];
}

/**
 * Tombstones (deleted users and orgs, while retained) appear in a list only when the filter
 * names `meta.lastModified`: that is how an incremental pull asks "what changed", deletions
 * included. Plain lists, other filters and reads by id show live objects only: a deleted
 * resource is 404 by id, as after a DELETE (RFC 7644 §3.6), and absent from every other list.
 */
export function selectionOf(compiled: CompiledFilter | undefined): Selection {
  return { where: compiled, includeTombstones: compiled?.attributes.has('meta.lastModified') ?? false };
}

export function orderingOf(kind: ResourceKind, params: ListParams, context: QueryContext): Ordering {
  const descending = params.sortOrder === 'descending';
  if (!params.sortBy) return { descending };
  const resolved = resolvePath(kind.type, params.sortBy);
  const target = resolved && !('wholeSchema' in resolved) ? targetsFor(kind, context)[resolved.key] : undefined;
  if (target?.kind !== 'column') throw ScimError.invalidValue(`cannot sort ${kind.type.name} resources by "${params.sortBy}"`);
  return { expression: sortExpression(target), descending };
}

export function compile(kind: ResourceKind, params: ListParams, context: QueryContext): CompiledFilter | undefined {
  return params.filter ? compileFilter(parseFilter(params.filter), kind.type, targetsFor(kind, context), context.dialect) : undefined;
}

/**
 * GET /Users?… and POST /Users/.search: filter, sort and page in SQL, then present one page.
 * The page is read first; when it is a partial page the total follows from it, so a lookup
 * (`userName eq …`) costs no separate COUNT. A deep page is counted first and read from the
 * nearer end of the list (deep-page.ts).
 */
export async function listResources(kind: ResourceKind, params: ListParams, context: QueryContext, location: ScimLocation): Promise<ListResponse> {
  const selection = selectionOf(compile(kind, params, context));
  const ordering = orderingOf(kind, params, context);
  const response: ListResponse = { schemas: [URN.listResponse], totalResults: 0, itemsPerPage: 0, startIndex: params.startIndex, Resources: [] };
  if (params.count === 0) {
    response.totalResults = await countRows(context, kind.table, selection);
    return response;
  }
  const offset = params.startIndex - 1;
  let rows: Record<string, unknown>[];
  if (offset >= DEEP_PAGE_OFFSET) {
    // A deep page: counted first, then read from the nearer end of the list.
    ({ total: response.totalResults, rows } = await deepPage(context, kind.table, selection, ordering, offset, params.count));
  } else {
    rows = await pageRows(context, kind.table, selection, ordering, offset, params.count);
    const partial = rows.length < params.count && (rows.length > 0 || params.startIndex === 1);
    response.totalResults = partial ? offset + rows.length : await countRows(context, kind.table, selection);
  }
  const projection = compileProjection(kind.type, params);
  const resources = (await kind.present(context, rows, location, projection)).map((resource) => project(resource, projection));
  response.itemsPerPage = resources.length;
  response.Resources = resources;
  return response;
}

export async function getResource(kind: ResourceKind, id: string, projection: Projection, context: QueryContext, location: ScimLocation): Promise<ScimResource> {
  // No stored id holds U+0000 (PostgreSQL text cannot, and refuses it as a parameter).
  const row = id.includes('\u0000') ? undefined : await findRow(context, kind.table, id);
  if (!row) throw ScimError.notFound(kind.type.name, id);
  const compiled = compileProjection(kind.type, projection);
  const [resource] = await kind.present(context, [row], location, compiled);
  return project(resource!, compiled);
}

async function presentIds(kind: ResourceKind, ids: string[], projection: CompiledProjection, context: QueryContext, location: ScimLocation) {
  const rows = await loadRows(context, kind.table, ids);
  const resources = await kind.present(context, rows, location, projection);
  return resources.map((resource) => project(resource, projection));
}

/**
 * POST /.search at the root: every resource type the filter applies to, Users first, then
 * Organizations, then Groups, paged as one list. A type whose attributes the filter does not
 * know is left out; when no type knows them, the filter is refused.
 */
export async function searchAll(kinds: readonly ResourceKind[], params: ListParams, context: QueryContext, location: ScimLocation): Promise<ListResponse> {
  const parts: Array<{ kind: ResourceKind; selection: Selection; ordering: Ordering; total: number }> = [];
  let firstError: ScimError | undefined;
  for (const kind of kinds) {
    let compiled: CompiledFilter | undefined;
    try {
      compiled = compile(kind, params, context);
    } catch (error) {
      if (error instanceof ScimError && error.scimType === 'invalidFilter' && !/could not be parsed|longer than|more than/.test(error.detail)) {
        firstError ??= error;
        continue;
      }
      throw error;
    }
    let ordering: Ordering = { descending: params.sortOrder === 'descending' };
    try {
      ordering = orderingOf(kind, params, context);
    } catch {
      // sortBy names an attribute of another type: this type keeps id order.
    }
    const selection = selectionOf(compiled);
    parts.push({ kind, selection, ordering, total: await countRows(context, kind.table, selection) });
  }
  if (parts.length === 0) throw firstError ?? ScimError.invalidFilter('the filter applies to no resource type');
  const totalResults = parts.reduce((sum, part) => sum + part.total, 0);
  const response: ListResponse = { schemas: [URN.listResponse], totalResults, itemsPerPage: 0, startIndex: params.startIndex, Resources: [] };
  if (params.count === 0) return response;
  const resources: ScimResource[] = [];
  let skip = params.startIndex - 1;
  for (const part of parts) {
    const wanted = params.count - resources.length;
    if (wanted <= 0) break;
    if (skip >= part.total) {
      skip -= part.total;
      continue;
    }
    const ids = await idsNear(context, part.kind.table, part.selection, part.ordering, skip, wanted, part.total);
    skip = 0;
    resources.push(...(await presentIds(part.kind, ids, compileProjection(part.kind.type, params), context, location)));
  }
  response.itemsPerPage = resources.length;
  response.Resources = resources;
  return response;
}
