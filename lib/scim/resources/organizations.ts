import { toMirrorRecord } from '../../mirror/mirror-rows.js';
import type { MirrorOrgData } from '../../mirror/normalize.js';
import { TABLES } from '../../persistence/tables.js';
import { toScimOrganization } from '../presenters.js';
import { visibleOrgIds } from '../query/resource-store.js';
import { ORGANIZATION_TYPE } from '../resource-types.js';
import type { ResourceKind } from './resource-kind.js';
import { ORG_ALIAS, ORGANIZATION_TARGETS, SCOPED_ORGANIZATION_TARGETS } from './resource-targets.js';

export const ORG_TABLE = {
  table: TABLES.orgs,
  alias: ORG_ALIAS,
  tombstones: true,
  scopeCondition: `${ORG_ALIAS}.id IN (SELECT id FROM scope_orgs)`,
};

export const ORGANIZATIONS: ResourceKind = {
  type: ORGANIZATION_TYPE,
  targets: ORGANIZATION_TARGETS,
  scopedTargets: SCOPED_ORGANIZATION_TARGETS,
  table: ORG_TABLE,
  async present(context, rows, location) {
    const orgs = rows.map((row) => toMirrorRecord<MirrorOrgData>(row));
    const parents = await visibleOrgIds(context, orgs.map((org) => org.data.parentId).filter((id): id is string => id !== undefined));
    return orgs.map((org) => toScimOrganization(org, { parentVisible: org.data.parentId !== undefined && parents.has(org.data.parentId) }, location));
  },
};
