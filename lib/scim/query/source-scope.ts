import type { Knex } from 'knex';
import { isPostgres } from '../../persistence/database.js';
import { whereInChunks } from '../../persistence/chunked.js';
import { compileFilter, parseFilter, type CompiledFilter } from '../filter/filter-sql.js';
import { targetsFor } from '../resources/resource-kind.js';
import { USERS } from '../resources/users.js';
import { ScimError } from '../scim-error.js';
import { visibleRows, type QueryContext } from './resource-store.js';

/**
 * Which users a source covers: those in the subtrees of `orgIds` (all when empty) that match
 * `userFilter`, a SCIM filter over the user (`active eq true and title co "Engineer"`). The same
 * SQL the pull server lists a scoped source's users with, so a push source and a pull source
 * with one scope see the same people, and the filter is never a loop over users in JavaScript.
 */
export interface UserScope {
  orgIds: readonly string[];
  userFilter?: string | null;
}

export interface CompiledUserScope {
  scope: UserScope;
  /** Live users in scope with ids after `after`, in id order (keyset paging). */
  idsAfter(after: string | undefined, limit: number): Promise<string[]>;
  /** Which of these users are in scope now. */
  inScope(ids: readonly string[]): Promise<Set<string>>;
  count(): Promise<number>;
  /** The ids of the live users in scope, as a subquery to join or `NOT IN` (a link store's leave list). */
  idsQuery(): Knex.QueryBuilder;
}

/**
 * Checks the scope's filter (a bad one throws the pull server's `ScimError` 400 invalidFilter,
 * with the reason) and returns its queries. References outside the scope's subtrees read as
 * absent, as they do for a scoped puller.
 */
export function compileUserScope(knex: Knex, scope: UserScope): CompiledUserScope {
  const context: QueryContext = { knex, dialect: isPostgres(knex) ? 'pg' : 'sqlite', scopeOrgIds: [...scope.orgIds], tombstoneCutoff: '' };
  const where: CompiledFilter | undefined = scope.userFilter ? compileFilter(parseFilter(scope.userFilter), USERS.type, targetsFor(USERS, context), context.dialect) : undefined;
  const rows = () => visibleRows(context, USERS.table, { where, includeTombstones: false });
  const alias = USERS.table.alias;
  return {
    scope,
    async idsAfter(after, limit) {
      const query = rows().select(`${alias}.id`).orderBy(`${alias}.id`).limit(limit);
      if (after !== undefined) query.where(`${alias}.id`, '>', after);
      return (await query).map((row: { id: string }) => row.id);
    },
    async inScope(ids) {
      const found = await whereInChunks(ids, (slice) => rows().whereIn(`${alias}.id`, slice).select(`${alias}.id`));
      return new Set(found.flat().map((row: { id: string }) => row.id));
    },
    async count() {
      const [row] = await rows().count({ n: '*' });
      return Number((row as { n?: unknown } | undefined)?.n ?? 0);
    },
    idsQuery: () => rows().select(`${alias}.id`),
  };
}

/** Which orgs a push source sends: the subtrees of `orgIds` (all when empty), and their ancestors with `withAncestors`. */
export interface OrgScope {
  orgIds: readonly string[];
  orgs?: 'subtrees' | 'withAncestors';
}

export interface CompiledOrgScope {
  scope: OrgScope;
  /** The ids of the live orgs in scope, as a subquery. */
  idsQuery(): Knex.QueryBuilder;
  /** All live org ids in scope (orgs are few next to users: a picker's worth). */
  ids(): Promise<Set<string>>;
}

/**
 * The orgs in scope, computed by the database: the subtrees (the pull server's `scope_orgs`
 * walk), plus, with `withAncestors`, every org above a scope root, so the downstream keeps the
 * path from the top of the tree. UNION stops at rows already seen, so a cyclic tree terminates.
 */
export function compileOrgScope(knex: Knex, scope: OrgScope): CompiledOrgScope {
  const roots = [...scope.orgIds];
  const placeholders = roots.map(() => '?').join(', ');
  const idsQuery = (): Knex.QueryBuilder => {
    if (roots.length === 0) return knex('sync_orgs').whereNull('deleted_at').select('id');
    const query = knex.queryBuilder().withRecursive(
      'scope_down',
      knex.raw(`SELECT id FROM sync_orgs WHERE id IN (${placeholders}) UNION SELECT c.id FROM sync_orgs c JOIN scope_down p ON c.parent_id = p.id`, roots),
    );
    if (scope.orgs === 'withAncestors') {
      query.withRecursive(
        'scope_up',
        knex.raw(`SELECT id, parent_id FROM sync_orgs WHERE id IN (${placeholders}) UNION SELECT o.id, o.parent_id FROM sync_orgs o JOIN scope_up c ON o.id = c.parent_id`, roots),
      );
    }
    query.from({ so: 'sync_orgs' }).whereNull('so.deleted_at').select('so.id');
    if (scope.orgs === 'withAncestors') query.whereRaw('(so.id IN (SELECT id FROM scope_down) OR so.id IN (SELECT id FROM scope_up))');
    else query.whereRaw('so.id IN (SELECT id FROM scope_down)');
    return query;
  };
  return {
    scope,
    idsQuery,
    async ids() {
      return new Set((await idsQuery()).map((row: { id: string }) => row.id));
    },
  };
}

/**
 * Why a user filter would be refused (the RFC 7644 `invalidFilter` detail), or null when it
 * compiles: the check a source's settings are validated with.
 */
export function userFilterProblem(knex: Knex, filter: string): string | null {
  try {
    compileUserScope(knex, { orgIds: [], userFilter: filter });
    return null;
  } catch (error) {
    if (error instanceof ScimError) return error.detail;
    throw error;
  }
}
