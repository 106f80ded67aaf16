import type { Knex } from 'knex';
import { toMirrorRecord } from '../../mirror/mirror-rows.js';
import type { MirrorOrgData } from '../../mirror/normalize.js';
import { toScimGroup, type GroupMember, type GroupMembership } from '../presenters.js';
import type { QueryContext } from '../query/resource-store.js';
import { GROUP_TYPE } from '../resource-types.js';
import { ORG_TABLE } from './organizations.js';
import { keepsAttribute } from '../projection.js';
import type { ResourceKind } from './resource-kind.js';
import { GROUP_TARGETS } from './resource-targets.js';

/**
 * Orgs as Groups. A deleted org is simply gone here (404): the Group schema has no way to say
 * "deleted", so clients that need deletions pull /Organizations or compare id lists.
 */
export const GROUPS: ResourceKind = {
  type: GROUP_TYPE,
  targets: GROUP_TARGETS,
  // Members of an org in scope are in scope themselves: nothing to hide.
  scopedTargets: GROUP_TARGETS,
  // No tombstones, so no scope exits either: a group that left the scope is simply gone.
  table: { table: ORG_TABLE.table, alias: ORG_TABLE.alias, scopeCondition: ORG_TABLE.scopeCondition, tombstones: false },
  async present(context, rows, location, projection) {
    const orgs = rows.map((row) => toMirrorRecord<MirrorOrgData>(row));
    const ids = orgs.map((org) => org.id);
    const stats = await membershipStats(context, ids);
    const members = keepsAttribute(projection, 'members') ? await directMembers(context, ids) : undefined;
    return orgs.map((org, index) => {
      const stat = stats.get(org.id);
      const membership: GroupMembership = {
        members: members ? (members.get(org.id) ?? []) : undefined,
        count: stat?.count ?? 0,
        maxSeq: stat?.maxSeq ?? 0,
        membersChangedAt: (rows[index]!.members_changed_at as string | null | undefined) ?? null,
      };
      return toScimGroup(org, membership, location);
    });
  },
};

/** Member count and newest member seq per group: the version moves whenever membership does. */
async function membershipStats(context: QueryContext, orgIds: readonly string[]) {
  const stats = new Map<string, { count: number; maxSeq: number }>();
  if (orgIds.length === 0) return stats;
  const rows: Array<{ org_id: string; n: unknown; s: unknown }> = await context
    .knex('sync_user_orgs as m')
    .join('sync_users as mu', 'mu.id', 'm.user_id')
    .whereNull('mu.deleted_at')
    .whereIn('m.org_id', [...orgIds])
    .modify((query) => filteredMembers(context, query))
    .groupBy('m.org_id')
    .select('m.org_id', context.knex.raw('count(*) as n'), context.knex.raw('max(mu.seq) as s'));
  for (const row of rows) stats.set(row.org_id, { count: Number(row.n), maxSeq: Number(row.s) });
  return stats;
}

async function directMembers(context: QueryContext, orgIds: readonly string[]): Promise<Map<string, GroupMember[]>> {
  const members = new Map<string, GroupMember[]>();
  if (orgIds.length === 0) return members;
  const rows: Array<{ org_id: string; id: string; display_name: string | null; user_name: string }> = await context
    .knex('sync_user_orgs as m')
    .join('sync_users as mu', 'mu.id', 'm.user_id')
    .whereNull('mu.deleted_at')
    .whereIn('m.org_id', [...orgIds])
    .modify((query) => filteredMembers(context, query))
    .orderBy(['m.org_id', 'mu.id'])
    .select('m.org_id', 'mu.id', 'mu.display_name', 'mu.user_name');
  for (const row of rows) {
    const list = members.get(row.org_id) ?? [];
    list.push({ id: row.id, display: row.display_name ?? row.user_name });
    members.set(row.org_id, list);
  }
  return members;
}

/** A source with a user filter sees only the members it matches (the filter is over alias `u`). */
function filteredMembers(context: QueryContext, query: Knex.QueryBuilder): void {
  if (!context.userWhere) return;
  query.whereRaw(`mu.id IN (SELECT u.id FROM sync_users u WHERE ${context.userWhere.sql})`, context.userWhere.bindings as Knex.RawBinding[]);
}
