import { toMirrorRecord } from '../../mirror/mirror-rows.js';
import type { MirrorOrgData } from '../../mirror/normalize.js';
import { TABLES } from '../../persistence/tables.js';
import type { Knex } from 'knex';
import { toScimOrganization, toScimOrganizationExit } from '../presenters.js';
import { visibleOrgIds, type QueryContext, type ResourceTable } from '../query/resource-store.js';
import { ORGANIZATION_TYPE } from '../resource-types.js';
import type { ResourceKind } from './resource-kind.js';
import { ORG_ALIAS, ORG_LEFT_SCOPE_AT, ORGANIZATION_TARGETS, SCOPED_ORGANIZATION_TARGETS } from './resource-targets.js';

export const ORG_TABLE: ResourceTable = {
  table: TABLES.orgs,
  alias: ORG_ALIAS,
  tombstones: true,
  scopeCondition: `${ORG_ALIAS}.id IN (SELECT id FROM scope_orgs)`,
  scopeExitCondition: `(${ORG_LEFT_SCOPE_AT} > ?)`,
  extraColumns: leftScopeColumn,
};

export const ORGANIZATIONS: ResourceKind = {
  type: ORGANIZATION_TYPE,
  targets: ORGANIZATION_TARGETS,
  scopedTargets: SCOPED_ORGANIZATION_TARGETS,
  table: ORG_TABLE,
  async present(context, rows, location) {
    const orgs = rows.map((row) => toMirrorRecord<MirrorOrgData>(row));
    const parentIds = orgs.map((org) => org.data.parentId).filter((id): id is string => id !== undefined);
    const visible = await visibleOrgIds(context, [...parentIds, ...orgs.map((org) => org.id)]);
    return orgs.map((org, index) => {
      // A scoped source is shown an org outside its scope only when the org left the scope.
      const leftScopeAt = rows[index]!.ssc_left_scope_at as string | null | undefined;
      if (context.scopeOrgIds.length > 0 && leftScopeAt && !visible.has(org.id)) return toScimOrganizationExit(org, leftScopeAt, location);
      return toScimOrganization(org, { parentVisible: org.data.parentId !== undefined && visible.has(org.data.parentId) }, location);
    });
  },
};

/** For a scoped source, when the org last left the subtree of one of its scope roots (bound: rows are also loaded by id). */
function leftScopeColumn(context: QueryContext): Knex.Raw[] {
  if (context.scopeOrgIds.length === 0) return [];
  const roots = context.scopeOrgIds.map(() => '?').join(', ');
  return [
    context.knex.raw(`(SELECT max(x.left_at) FROM sync_org_exits x WHERE x.org_id = ${ORG_ALIAS}.id AND x.ancestor_id IN (${roots})) AS ssc_left_scope_at`, [
      ...context.scopeOrgIds,
    ]),
  ];
}
