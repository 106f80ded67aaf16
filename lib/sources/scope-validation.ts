import type { Knex } from 'knex';
import { ValidationError, type FieldIssue } from '../errors.js';
import { MirrorReader } from '../mirror/mirror-reader.js';
import type { PushSettings, ScopeOrgs, SourceScope } from './source-types.js';

/**
 * Checks a user filter as the SCIM server would compile it: null when it is fine, else the RFC
 * 7644 reason (the `invalidFilter` detail). Injected by the composition root, since
 * `lib/sources` cannot import the SCIM filter compiler.
 */
export type CheckUserFilter = (filter: string) => string | null;

export const USER_FILTER_MAX = 2048;
const SCOPE_ORGS: readonly ScopeOrgs[] = ['subtrees', 'withAncestors'];

/** A list of org ids, trimmed and without repeats; an issue on `field` when it is not one. */
export function validateOrgIds(value: unknown, field: string, add: (issue: FieldIssue) => void): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id.trim() === '')) {
    add({ field, code: 'type', message: `${field} must be a list of org ids` });
    return [];
  }
  return [...new Set(value.map((id: string) => id.trim()))];
}

/** The user filter, trimmed; null for none. */
export function validateUserFilter(value: unknown, field: string, check: CheckUserFilter | undefined, add: (issue: FieldIssue) => void): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    add({ field, code: 'type', message: `${field} must be a SCIM filter string` });
    return null;
  }
  const filter = value.trim();
  if (filter === '') return null;
  if (filter.length > USER_FILTER_MAX) {
    add({ field, code: 'too_long', message: `${field} must be at most ${USER_FILTER_MAX} characters`, params: { max: USER_FILTER_MAX } });
    return null;
  }
  const reason = check?.(filter) ?? null;
  if (reason !== null) add({ field, code: 'invalid_filter', message: `${field} is not a valid SCIM filter: ${reason}`, params: { detail: reason } });
  return filter;
}

/** A push source's scope as stored: `{ orgIds, userFilter, orgs }`, or undefined for none given. */
export function validatePushScope(value: unknown, check: CheckUserFilter | undefined, add: (issue: FieldIssue) => void): SourceScope | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    add({ field: 'push.scope', code: 'type', message: 'scope must be { orgIds, userFilter, orgs }' });
    return undefined;
  }
  const input = value as Partial<SourceScope>;
  const orgIds = validateOrgIds(input.orgIds, 'push.scope.orgIds', add);
  const userFilter = validateUserFilter(input.userFilter, 'push.scope.userFilter', check, add);
  const orgs = input.orgs ?? 'subtrees';
  if (!SCOPE_ORGS.includes(orgs)) add({ field: 'push.scope.orgs', code: 'invalid_choice', message: 'orgs must be subtrees or withAncestors' });
  return { orgIds, userFilter, orgs };
}

/**
 * Org ids newly put in a scope must be orgs of the mirror (live); ids already stored may name
 * orgs deleted since (they simply cover nothing), so an unrelated edit still saves.
 */
export async function assertOrgsKnown(db: Knex | Knex.Transaction, orgIds: readonly string[], stored: readonly string[]): Promise<void> {
  const added = orgIds.filter((id) => !stored.includes(id));
  if (added.length === 0) return;
  const live = new Set((await new MirrorReader(db as Knex).getOrgs(added)).filter((org) => !org.deletedAt).map((org) => org.id));
  const unknown = added.filter((id) => !live.has(id));
  if (unknown.length > 0) {
    throw ValidationError.single('push.scope.orgIds', 'unknown_org', `no org with id ${unknown.map((id) => `"${id}"`).join(', ')} in the directory`, { ids: unknown.join(', ') });
  }
}

/** Settings whose change the next delivery applies to the downstream: one list for both. */
export const DELIVERY_KEYS = ['scope', 'userMappings'] as const;

/** Which of DELIVERY_KEYS differ between the stored settings and the new ones. */
export function deliveryKeysChanged(before: PushSettings, after: PushSettings): Array<(typeof DELIVERY_KEYS)[number]> {
  const scopeOf = (scope: SourceScope | null | undefined) => JSON.stringify({ orgIds: [...(scope?.orgIds ?? [])].sort(), userFilter: scope?.userFilter || null, orgs: scope?.orgs ?? 'subtrees' });
  const changed: Array<(typeof DELIVERY_KEYS)[number]> = [];
  if (scopeOf(before.scope) !== scopeOf(after.scope)) changed.push('scope');
  if (JSON.stringify(before.userMappings ?? null) !== JSON.stringify(after.userMappings ?? null)) changed.push('userMappings');
  return changed;
}
