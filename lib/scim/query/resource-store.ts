import type { Knex } from 'knex';
import type { Dialect, Sql } from '../filter/compare.js';

/** Everything a query needs to know about who asks and when. */
export interface QueryContext {
  knex: Knex;
  dialect: Dialect;
  /** The source's scope: org ids whose subtrees it sees; empty means the whole directory. */
  scopeOrgIds: readonly string[];
  /** Tombstones deleted after this instant are still shown to incremental pulls; older ones are gone. */
  tombstoneCutoff: string;
  /**
   * The source's user filter, compiled over the users table (alias `u`): live users it does not
   * match read as absent (404 by id, left out of lists and Group members), as out of scope.
   */
  userWhere?: Sql;
}

/** A mirror table as the SCIM server reads it. */
export interface ResourceTable {
  table: string;
  alias: string;
  /** Keeps the rows a scoped source may see; refers to the `scope_orgs` CTE. */
  scopeCondition: string;
  /**
   * The rows that left a scoped source's view within the tombstone retention (refers to the
   * `scope_roots` CTE; its one `?` is the tombstone cutoff). Incremental pulls show them as
   * tombstones, as they show deletions.
   */
  scopeExitCondition?: string;
  /** Whether deleted rows are shown (as tombstones) to incremental pulls, or never. */
  tombstones: boolean;
  /** Computed columns read with each row (correlated subqueries), so presenting needs no more queries. */
  extraColumns?: (context: QueryContext) => Knex.Raw[];
}

function rowColumns(context: QueryContext, resource: ResourceTable): Array<string | Knex.Raw> {
  return [`${resource.alias}.*`, ...(resource.extraColumns?.(context) ?? [])];
}

export interface Selection {
  where?: Sql;
  includeTombstones: boolean;
}

export interface Ordering {
  /** A fixed SQL expression over the alias, or undefined for id order. */
  expression?: string;
  descending: boolean;
}

/**
 * The subtrees of the scope roots, computed by the database. UNION (not UNION ALL) stops at rows
 * already seen, so even a corrupt cyclic tree terminates. Deleted orgs keep their parent_id, so
 * tombstones in a subtree stay in scope while they are retained.
 */
function scopeCte(knex: Knex, scopeOrgIds: readonly string[]): Knex.Raw {
  const placeholders = scopeOrgIds.map(() => '?').join(', ');
  return knex.raw(
    `SELECT id FROM sync_orgs WHERE id IN (${placeholders}) UNION SELECT c.id FROM sync_orgs c JOIN scope_orgs p ON c.parent_id = p.id`,
    [...scopeOrgIds],
  );
}

/** The scope roots themselves, as `scope_roots`: what a source saw a user through, whatever the tree is now. */
function rootsCte(knex: Knex, scopeOrgIds: readonly string[]): Knex.Raw {
  return knex.raw(`SELECT id FROM sync_orgs WHERE id IN (${scopeOrgIds.map(() => '?').join(', ')})`, [...scopeOrgIds]);
}

/** A query over the visible rows of one table, with the scope CTEs when the source is scoped. */
export function visibleRows(context: QueryContext, resource: ResourceTable, selection: Selection): Knex.QueryBuilder {
  const { knex } = context;
  const query = knex.queryBuilder();
  if (context.scopeOrgIds.length > 0) {
    query.withRecursive('scope_orgs', scopeCte(knex, context.scopeOrgIds)).with('scope_roots', rootsCte(knex, context.scopeOrgIds));
  }
  query.from({ [resource.alias]: resource.table });
  const alias = resource.alias;
  if (selection.includeTombstones && resource.tombstones) {
    query.whereRaw(`(${alias}.deleted_at IS NULL OR ${alias}.deleted_at > ?)`, [context.tombstoneCutoff]);
  } else {
    // Written exactly like the partial indexes' predicate, so the planner can use them.
    query.whereRaw(`${alias}.deleted_at IS NULL`);
  }
  if (context.scopeOrgIds.length > 0) {
    if (selection.includeTombstones && resource.tombstones && resource.scopeExitCondition) {
      query.whereRaw(`(${resource.scopeCondition} OR ${resource.scopeExitCondition})`, [context.tombstoneCutoff]);
    } else query.whereRaw(resource.scopeCondition);
  }
  if (context.userWhere && resource.table === 'sync_users') {
    query.whereRaw(`(${alias}.deleted_at IS NOT NULL OR (${context.userWhere.sql}))`, context.userWhere.bindings as Knex.RawBinding[]);
  }
  if (selection.where) query.whereRaw(selection.where.sql, selection.where.bindings as Knex.RawBinding[]);
  return query;
}

export async function countRows(context: QueryContext, resource: ResourceTable, selection: Selection): Promise<number> {
  const [row] = await visibleRows(context, resource, selection).count({ n: '*' });
  return Number((row as { n?: unknown } | undefined)?.n ?? 0);
}

/**
 * One page of ids. Only ids are read here, from an index where one fits (a deferred join):
 * skipping 100k entries of an index is far cheaper than skipping 100k rows.
 */
export async function pageIds(
  context: QueryContext,
  resource: ResourceTable,
  selection: Selection,
  ordering: Ordering,
  offset: number,
  limit: number,
): Promise<string[]> {
  const query = visibleRows(context, resource, selection).select(`${resource.alias}.id`);
  orderPage(query, resource.alias, ordering);
  const rows: Array<{ id: string }> = await query.limit(limit).offset(offset);
  return rows.map((row) => row.id);
}

/** Below this offset rows are read in one query; deeper pages read ids from an index first. */
const DEFERRED_JOIN_OFFSET = 1000;

/** One page of full rows, in order. */
export async function pageRows(
  context: QueryContext,
  resource: ResourceTable,
  selection: Selection,
  ordering: Ordering,
  offset: number,
  limit: number,
): Promise<Record<string, unknown>[]> {
  if (offset >= DEFERRED_JOIN_OFFSET) return loadRows(context, resource, await pageIds(context, resource, selection, ordering, offset, limit));
  const query = visibleRows(context, resource, selection).select(rowColumns(context, resource));
  orderPage(query, resource.alias, ordering);
  return query.limit(limit).offset(offset);
}

export function orderPage(query: Knex.QueryBuilder, alias: string, ordering: Ordering): void {
  const direction = ordering.descending ? 'DESC' : 'ASC';
  if (ordering.expression) {
    // Missing values sort last ascending (first descending): the exact reverse, on both databases.
    query.orderByRaw(`(${ordering.expression} IS NULL) ${direction}, ${ordering.expression} ${direction}`);
  }
  query.orderByRaw(`${alias}.id ${direction}`);
}

/** Full rows for ids, in the order given. */
export async function loadRows(context: QueryContext, resource: ResourceTable, ids: readonly string[]): Promise<Record<string, unknown>[]> {
  if (ids.length === 0) return [];
  const rows: Record<string, unknown>[] = await context
    .knex({ [resource.alias]: resource.table })
    .whereIn(`${resource.alias}.id`, [...ids])
    .select(rowColumns(context, resource));
  const byId = new Map(rows.map((row) => [String(row.id), row]));
  return ids.map((id) => byId.get(id)).filter((row): row is Record<string, unknown> => row !== undefined);
}

/** One live, visible row by id: a deleted resource is 404 by id (RFC 7644 §3.6). */
export async function findRow(context: QueryContext, resource: ResourceTable, id: string): Promise<Record<string, unknown> | undefined> {
  return visibleRows(context, resource, { includeTombstones: false })
    .where(`${resource.alias}.id`, id)
    .select(rowColumns(context, resource))
    .first();
}

/** The subset of org ids this source can see (all of them when it is not scoped). */
export async function visibleOrgIds(context: QueryContext, orgIds: readonly string[]): Promise<Set<string>> {
  if (orgIds.length === 0) return new Set();
  if (context.scopeOrgIds.length === 0) return new Set(orgIds);
  const query = context.knex.queryBuilder().withRecursive('scope_orgs', scopeCte(context.knex, context.scopeOrgIds));
  const rows: Array<{ id: string }> = await query.from('scope_orgs').whereIn('id', [...new Set(orgIds)]).select('id');
  return new Set(rows.map((row) => row.id));
}

/** knex.raw resolves to `{ rows }` on PostgreSQL and to the row array on sqlite. */
export async function rawRows<T>(query: Knex.Raw): Promise<T[]> {
  const result: unknown = await query;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
