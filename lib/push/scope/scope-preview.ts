import type { Knex } from 'knex';
import type { EngineMessage } from '../../i18n/engine-message.js';
import type { ObjectKind } from '../../mirror/mirror-rows.js';
import { TABLES } from '../../persistence/tables.js';
import { compileOrgScope, compileUserScope } from '../../scim/query/source-scope.js';
import type { PushPolicy } from '../../sources/push-policy-validation.js';
import type { SourceScope } from '../../sources/source-types.js';
import { thresholdExceeded } from '../deletion-hold.js';

/** How many names of each side a preview shows. */
export const PREVIEW_SAMPLE = 5;

export interface PreviewObject {
  id: string;
  name: string;
}

/** Objects on one side of a scope edit: how many, and the first few by id. */
export interface PreviewSide {
  count: number;
  sample: PreviewObject[];
}

export interface KindPreview {
  /** In the proposed scope and not linked: created (after matching) by the next delivery. */
  enter: PreviewSide;
  /** Linked and out of the proposed scope: deprovisioned by the policy. */
  leave: PreviewSide;
  /** What the policy does to those that leave. */
  action: 'disable' | 'delete' | 'leave';
  /** How many of those leaving would change on the downstream (count toward the threshold). */
  deletes: number;
  /** How many are in the proposed scope. */
  inScope: number;
}

/** A scope edit's effect, before it is saved. Computed by SQL over the mirror and the links. */
export interface ScopePreview {
  scope: SourceScope;
  users: KindPreview;
  /** Null when the source pushes no orgs (no Org URL). */
  orgs: KindPreview | null;
  /** Why applying it would pause for an admin (the deletion threshold), or null. */
  pause: EngineMessage | null;
}

/**
 * What saving `scope` would do to the source: users and orgs that would enter and leave, what
 * the deprovisioning policy does to those leaving, and whether that exceeds the deletion
 * threshold (the change would then wait for an admin's Confirm, as a run does). Reads only:
 * counts and a few names, each one query over the scope's SQL and the source's links.
 */
export async function previewScope(knex: Knex, sourceId: string, scope: SourceScope, policy: PushPolicy, pushesOrgs: boolean): Promise<ScopePreview> {
  const users = compileUserScope(knex, { orgIds: scope.orgIds, userFilter: scope.userFilter || null });
  const orgs = compileOrgScope(knex, { orgIds: scope.orgIds, orgs: scope.orgs });
  const userPreview = await kindPreview(knex, sourceId, 'user', users.idsQuery(), policy.deprovision.users);
  const orgPreview = pushesOrgs ? await kindPreview(knex, sourceId, 'org', orgs.idsQuery(), policy.deprovision.orgs) : null;
  const [row] = await knex(TABLES.links).where({ source_id: sourceId }).whereNotNull('remote_id').count({ n: '*' });
  const linked = Number(row?.n ?? 0);
  const deletes = userPreview.deletes + (orgPreview?.deletes ?? 0);
  return { scope, users: userPreview, orgs: orgPreview, pause: thresholdExceeded(policy.deletionThreshold, deletes, linked) };
}

async function kindPreview(knex: Knex, sourceId: string, kind: ObjectKind, inScope: Knex.QueryBuilder, action: KindPreview['action']): Promise<KindPreview> {
  const table = kind === 'user' ? TABLES.users : TABLES.orgs;
  const nameColumns = kind === 'user' ? ['p.user_name', 'p.display_name'] : ['p.name'];
  const entering = () =>
    knex(`${table} as p`)
      .whereIn('p.id', inScope.clone())
      .whereNotExists(knex(TABLES.links).where({ source_id: sourceId, kind }).whereRaw(`${TABLES.links}.local_id = p.id`).select(knex.raw('1')));
  const leaving = () => knex(`${TABLES.links} as l`).where({ 'l.source_id': sourceId, 'l.kind': kind }).whereNotNull('l.remote_id').whereNotIn('l.local_id', inScope.clone());
  const [enterRows, enterCount, leaveRows, leaveCount, inScopeCount] = await Promise.all([
    entering().select('p.id', ...nameColumns).orderBy('p.id').limit(PREVIEW_SAMPLE),
    entering().count({ n: '*' }),
    leaving().select('l.local_id', 'l.object_name').orderBy('l.local_id').limit(PREVIEW_SAMPLE),
    leaving().count({ n: '*' }),
    knex.from(inScope.clone().as('s')).count({ n: '*' }),
  ]);
  let deletes = 0;
  if (action === 'delete') deletes = numberOf(leaveCount);
  // Disabling one already disabled changes nothing, as a run's plan counts it.
  else if (action === 'disable') deletes = numberOf(await leaving().where((q) => q.whereNull('l.last_status').orWhereNot('l.last_status', 'disabled')).count({ n: '*' }));
  return {
    enter: {
      count: numberOf(enterCount),
      sample: enterRows.map((row: Record<string, string | null>) => ({ id: row.id!, name: (kind === 'user' ? row.display_name || row.user_name : row.name) ?? row.id! })),
    },
    leave: { count: numberOf(leaveCount), sample: leaveRows.map((row: Record<string, string | null>) => ({ id: row.local_id!, name: row.object_name ?? row.local_id! })) },
    action,
    deletes,
    inScope: numberOf(inScopeCount),
  };
}

function numberOf(rows: unknown): number {
  const [row] = rows as Array<{ n?: unknown }>;
  return Number(row?.n ?? 0);
}
