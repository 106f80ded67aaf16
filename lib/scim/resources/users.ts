import { toMirrorRecord } from '../../mirror/mirror-rows.js';
import type { MirrorUserData } from '../../mirror/normalize.js';
import { TABLES } from '../../persistence/tables.js';
import { toScimUser, type UserRelations } from '../presenters.js';
import { rawRows, visibleOrgIds, visibleRows, type QueryContext } from '../query/resource-store.js';
import { USER_TYPE } from '../resource-types.js';
import type { ResourceKind } from './resource-kind.js';
import { USER_ALIAS, USER_TARGETS } from './targets.js';

/** Deep enough for any real org tree; bounds the walk if the tree were ever corrupt. */
const MAX_DEPTH = 64;

export const USERS: ResourceKind = {
  type: USER_TYPE,
  targets: USER_TARGETS,
  table: {
    table: TABLES.users,
    alias: USER_ALIAS,
    tombstones: true,
    // A user is in scope when any of its orgs is.
    scopeCondition: `EXISTS (SELECT 1 FROM sync_user_orgs so WHERE so.user_id = ${USER_ALIAS}.id AND so.org_id IN (SELECT id FROM scope_orgs))`,
  },
  async present(context, rows, location) {
    const users = rows.map((row) => toMirrorRecord<MirrorUserData>(row));
    const allOrgIds = users.flatMap((user) => user.data.orgIds);
    const visible = await visibleOrgIds(context, allOrgIds);
    const primaryIds = users.map((user) => user.data.primaryOrgId).filter((id): id is string => id !== undefined && visible.has(id));
    const names = await departmentsAndOrganizations(context, primaryIds);
    const managers = await visibleManagers(context, users.map((user) => user.data.managerId).filter((id): id is string => Boolean(id)));
    return users.map((user) => {
      const primaryOrgId = user.data.primaryOrgId && visible.has(user.data.primaryOrgId) ? user.data.primaryOrgId : undefined;
      const relations: UserRelations = {
        orgIds: user.data.orgIds.filter((id) => visible.has(id)),
        primaryOrgId,
        department: primaryOrgId ? names.get(primaryOrgId)?.department : undefined,
        organization: primaryOrgId ? names.get(primaryOrgId)?.organization : undefined,
        managerVisible: user.data.managerId !== undefined && managers.has(user.data.managerId),
      };
      return toScimUser(user, relations, location);
    });
  },
};

/**
 * department = the primary org's name; organization = the name of the top of its branch (the
 * root, or the scope root for a scoped source). One recursive query walks up from every primary
 * org of the page at once.
 */
async function departmentsAndOrganizations(
  context: QueryContext,
  primaryIds: readonly string[],
): Promise<Map<string, { department: string; organization: string }>> {
  const result = new Map<string, { department: string; organization: string }>();
  const ids = [...new Set(primaryIds)];
  if (ids.length === 0) return result;
  const stopAtScope = context.scopeOrgIds.length > 0 ? ` AND up.id NOT IN (${context.scopeOrgIds.map(() => '?').join(', ')})` : '';
  const rows = await rawRows<{ start_id: string; name: string; depth: number | string }>(
    context.knex.raw(
      `WITH RECURSIVE up(start_id, id, parent_id, name, depth) AS (
         SELECT id, id, parent_id, name, 0 FROM sync_orgs WHERE id IN (${ids.map(() => '?').join(', ')})
         UNION ALL
         SELECT up.start_id, p.id, p.parent_id, p.name, up.depth + 1 FROM up JOIN sync_orgs p ON p.id = up.parent_id
         WHERE up.depth < ${MAX_DEPTH}${stopAtScope}
       ) SELECT start_id, name, depth FROM up`,
      [...ids, ...context.scopeOrgIds],
    ),
  );
  const deepest = new Map<string, number>();
  for (const row of rows) {
    const depth = Number(row.depth);
    const entry = result.get(row.start_id) ?? { department: '', organization: '' };
    if (depth === 0) entry.department = row.name;
    if (depth >= (deepest.get(row.start_id) ?? -1)) {
      deepest.set(row.start_id, depth);
      entry.organization = row.name;
    }
    result.set(row.start_id, entry);
  }
  return result;
}

async function visibleManagers(context: QueryContext, managerIds: readonly string[]): Promise<Set<string>> {
  const ids = [...new Set(managerIds)];
  if (ids.length === 0) return new Set();
  if (context.scopeOrgIds.length === 0) return new Set(ids);
  const rows: Array<{ id: string }> = await visibleRows(context, USERS.table, { includeTombstones: false }).whereIn(`${USER_ALIAS}.id`, ids).select(`${USER_ALIAS}.id`);
  return new Set(rows.map((row) => row.id));
}
