import type { MirrorOrg, MirrorUser } from '../../mirror/mirror-rows.js';
import type { LinkStore } from '../links-store.js';
import { scopedOrg, type PushScope } from './push-scope.js';

/** A delivery batch's live objects, sorted by the source's scope. */
export interface ScopeSplit {
  /** In scope: sent as usual (orgs with a parent outside the scope shown as roots). */
  users: MirrorUser[];
  orgs: MirrorOrg[];
  /** Out of scope and linked: they leave the downstream by the deprovisioning policy. */
  leavingUsers: MirrorUser[];
  leavingOrgs: MirrorOrg[];
  inScopeOrgs: ReadonlySet<string>;
}

/**
 * Sorts a batch's live objects by the scope, in two queries (the users in scope among these, the
 * orgs in scope) and the links of those outside it: out of scope and never sent is nothing to do.
 */
export async function splitByScope(links: LinkStore, sourceId: string, scope: PushScope, users: readonly MirrorUser[], orgs: readonly MirrorOrg[]): Promise<ScopeSplit> {
  const usersIn = users.length > 0 ? await scope.users.inScope(users.map((user) => user.id)) : new Set<string>();
  const inScopeOrgs = await scope.orgIds();
  const outUsers = users.filter((user) => !usersIn.has(user.id));
  const outOrgs = orgs.filter((org) => !inScopeOrgs.has(org.id));
  const userLinks = outUsers.length > 0 ? await links.load(sourceId, 'user', outUsers.map((user) => user.id)) : new Map();
  const orgLinks = outOrgs.length > 0 ? await links.load(sourceId, 'org', outOrgs.map((org) => org.id)) : new Map();
  return {
    users: users.filter((user) => usersIn.has(user.id)),
    orgs: orgs.filter((org) => inScopeOrgs.has(org.id)).map((org) => scopedOrg(org, inScopeOrgs)),
    leavingUsers: outUsers.filter((user) => userLinks.has(user.id)),
    leavingOrgs: outOrgs.filter((org) => orgLinks.has(org.id)),
    inScopeOrgs,
  };
}
