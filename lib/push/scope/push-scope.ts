import type { Knex } from 'knex';
import type { MirrorOrg, ObjectKind } from '../../mirror/mirror-rows.js';
import { compileOrgScope, compileUserScope, type CompiledOrgScope, type CompiledUserScope } from '../../scim/query/source-scope.js';
import type { SourceScope } from '../../sources/source-types.js';

/**
 * Who a scoped push source covers, as SQL over the mirror: the users of its subtrees that match
 * its user filter, and the orgs of its subtrees (with their ancestors when the source says
 * `withAncestors`). Everything the engine asks of a scope goes through here.
 */
export interface PushScope {
  readonly users: CompiledUserScope;
  readonly orgs: CompiledOrgScope;
  /** A subquery of the live ids in scope: linked objects outside it leave the downstream. */
  inScopeQuery(kind: ObjectKind): Knex.QueryBuilder;
  /** The live org ids in scope (read once per run or batch: orgs are few next to users). */
  orgIds(): Promise<Set<string>>;
}

/** True when the settings narrow the source at all (some subtree, or a user filter). */
export function isScoped(scope: SourceScope | null | undefined): scope is SourceScope {
  return Boolean(scope && (scope.orgIds.length > 0 || (scope.userFilter ?? '').trim() !== ''));
}

/** The source's scope, or null when it covers the whole directory (the engine then reads as it always did). */
export function pushScopeOf(knex: Knex, scope: SourceScope | null | undefined): PushScope | null {
  if (!isScoped(scope)) return null;
  const users = compileUserScope(knex, { orgIds: scope.orgIds, userFilter: scope.userFilter?.trim() || null });
  const orgs = compileOrgScope(knex, { orgIds: scope.orgIds, orgs: scope.orgs });
  let orgIds: Promise<Set<string>> | undefined;
  return {
    users,
    orgs,
    inScopeQuery: (kind) => (kind === 'user' ? users.idsQuery() : orgs.idsQuery()),
    orgIds: () => (orgIds ??= orgs.ids()),
  };
}

/**
 * An org as a scoped source receives it: a parent outside the scope is left out, so the top of
 * a subtree lands as a root on the downstream (with `withAncestors` the parent is in scope).
 */
export function scopedOrg(org: MirrorOrg, inScope: ReadonlySet<string>): MirrorOrg {
  const parentId = org.data.parentId;
  if (parentId === undefined || inScope.has(parentId)) return org;
  const { parentId: _parentId, ...data } = org.data;
  return { ...org, data };
}
