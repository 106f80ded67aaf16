import type { Knex } from 'knex';
import { toMirrorRecord } from '../../mirror/mirror-rows.js';
import type { MirrorUserData } from '../../mirror/normalize.js';
import { TABLES } from '../../persistence/tables.js';
import { toScimScopeExit, toScimUser, type UserRelations } from '../presenters.js';
import { visibleOrgIds, visibleRows, type QueryContext } from '../query/resource-store.js';
import { USER_TYPE } from '../resource-types.js';
import type { ResourceKind } from './resource-kind.js';
import { SCOPED_USER_TARGETS, USER_ALIAS, USER_IN_SCOPE, USER_LEFT_SCOPE_AT, USER_TARGETS } from './resource-targets.js';

/** Deep enough for any real org tree; bounds the walk if the tree were ever corrupt. */
const MAX_DEPTH = 64;

export const USERS: ResourceKind = {
  type: USER_TYPE,
  targets: USER_TARGETS,
  scopedTargets: SCOPED_USER_TARGETS,
  table: {
    table: TABLES.users,
    alias: USER_ALIAS,
    tombstones: true,
    extraColumns: (context) => [...orgNameColumns(context), ...leftScopeColumn(context)],
    scopeCondition: USER_IN_SCOPE,
    scopeExitCondition: `(${USER_LEFT_SCOPE_AT} > ?)`,
  },
  async present(context, rows, location) {
    const users = rows.map((row) => toMirrorRecord<MirrorUserData>(row));
    const allOrgIds = users.flatMap((user) => user.data.orgIds);
    const visible = await visibleOrgIds(context, allOrgIds);
    const managers = await visibleManagers(context, users.map((user) => user.data.managerId).filter((id): id is string => Boolean(id)));
    return users.map((user, index) => {
      const row = rows[index]!;
      // A scoped source is shown a row whose orgs it cannot see only when the user left its scope.
      const leftScopeAt = row.ssc_left_scope_at as string | null | undefined;
      if (context.scopeOrgIds.length > 0 && leftScopeAt && !user.data.orgIds.some((id) => visible.has(id))) {
        return toScimScopeExit(user, leftScopeAt, location);
      }
      const primaryOrgId = user.data.primaryOrgId && visible.has(user.data.primaryOrgId) ? user.data.primaryOrgId : undefined;
      const relations: UserRelations = {
        orgIds: user.data.orgIds.filter((id) => visible.has(id)),
        primaryOrgId,
        department: primaryOrgId ? ((row.ssc_department as string | null) ?? undefined) : undefined,
        organization: primaryOrgId ? ((row.ssc_organization as string | null) ?? undefined) : undefined,
        managerVisible: user.data.managerId !== undefined && managers.has(user.data.managerId),
      };
      return toScimUser(user, relations, location);
    });
  },
};

/**
 * department = the primary org's name; organization = the name of the top of its branch (the
 * root, or the scope root for a scoped source). Both are read with the user row as correlated
 * subqueries, so presenting a page costs no extra round trip.
 */
export function orgNameColumns(context: QueryContext): Knex.Raw[] {
  const stopAtScope = context.scopeOrgIds.length > 0 ? ` AND up.id NOT IN (${context.scopeOrgIds.map(() => '?').join(', ')})` : '';
  return [
    context.knex.raw(`(SELECT d.name FROM sync_orgs d WHERE d.id = ${USER_ALIAS}.primary_org_id) AS ssc_department`),
    context.knex.raw(
      `(WITH RECURSIVE up(id, parent_id, name, depth) AS (
         SELECT id, parent_id, name, 0 FROM sync_orgs WHERE sync_orgs.id = ${USER_ALIAS}.primary_org_id
         UNION ALL
         SELECT p.id, p.parent_id, p.name, up.depth + 1 FROM up JOIN sync_orgs p ON p.id = up.parent_id
         WHERE up.depth < ${MAX_DEPTH}${stopAtScope}
       ) SELECT name FROM up ORDER BY depth DESC LIMIT 1) AS ssc_organization`,
      [...context.scopeOrgIds],
    ),
  ];
}

/**
 * For a scoped source, when the user last left the subtree of one of its scope roots. Bound to
 * the roots rather than read from the scope CTE, since rows are also loaded by id without it.
 */
function leftScopeColumn(context: QueryContext): Knex.Raw[] {
  if (context.scopeOrgIds.length === 0) return [];
  const roots = context.scopeOrgIds.map(() => '?').join(', ');
  return [
    context.knex.raw(`(SELECT max(x.left_at) FROM sync_user_org_exits x WHERE x.user_id = ${USER_ALIAS}.id AND x.org_id IN (${roots})) AS ssc_left_scope_at`, [
      ...context.scopeOrgIds,
    ]),
  ];
}

async function visibleManagers(context: QueryContext, managerIds: readonly string[]): Promise<Set<string>> {
  const ids = [...new Set(managerIds)];
  if (ids.length === 0) return new Set();
  if (context.scopeOrgIds.length === 0) return new Set(ids);
  const rows: Array<{ id: string }> = await visibleRows(context, USERS.table, { includeTombstones: false }).whereIn(`${USER_ALIAS}.id`, ids).select(`${USER_ALIAS}.id`);
  return new Set(rows.map((row) => row.id));
}
