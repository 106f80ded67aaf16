import type { Knex } from 'knex';
import { isPostgres } from '../../persistence/database.js';
import { whereInChunks } from '../../persistence/chunked.js';
import { compileFilter, parseFilter, type CompiledFilter } from '../filter/filter-sql.js';
import { targetsFor } from '../resources/resource-kind.js';
import { USERS } from '../resources/users.js';
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
  };
}
