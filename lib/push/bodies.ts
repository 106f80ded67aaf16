import { hash } from 'node:crypto';
import type { MirrorOrgData, MirrorUserData } from '../mirror/normalize.js';
import type { OrgResourceShape } from '../sources/source-types.js';
import { URN } from '../scim/urns.js';
import { hasOwnKeys } from '../util/own-keys.js';
import type { ScimBody } from '../scim/scim-body.js';
import type { UserReferences } from '../mappings/user-attributes.js';

export type { ScimBody, UserReferences };

/**
 * The outgoing SCIM User: core + Enterprise extension (employeeNumber, manager) + our UserOrgs
 * extension. `externalId` is the host's externalId, else its id, so a lost link can be found
 * again. `department` is not sent: it would make every org rename rewrite all its members.
 */
export function userBody(user: MirrorUserData, refs: UserReferences): ScimBody {
  // The keys go in in a fixed order: the body's JSON is what `bodyHash` hashes and links compare.
  const body: ScimBody = { schemas: [URN.user], externalId: user.externalId ?? user.id, userName: user.userName, active: user.active };
  if (user.displayName) body.displayName = user.displayName;
  if (user.name && hasOwnKeys(user.name)) body.name = { ...user.name };
  if (user.emails?.length) body.emails = user.emails.map((contact) => ({ ...contact }));
  if (user.phoneNumbers?.length) body.phoneNumbers = user.phoneNumbers.map((contact) => ({ ...contact }));
  if (user.title) body.title = user.title;
  if (user.locale) body.locale = user.locale;
  if (user.preferredLanguage) body.preferredLanguage = user.preferredLanguage;

  if (refs.extensions.enterprise) {
    const manager = user.managerId ? refs.managerRef(user.managerId) : undefined;
    if (user.employeeNumber || manager) {
      const enterprise: Record<string, unknown> = {};
      if (user.employeeNumber) enterprise.employeeNumber = user.employeeNumber;
      if (manager) enterprise.manager = { value: manager };
      body.schemas.push(URN.enterpriseUser);
      body[URN.enterpriseUser] = enterprise;
    }
  }
  if (refs.extensions.orgs && user.orgIds.length > 0) {
    const orgIds: string[] = [];
    for (const id of user.orgIds) {
      const remote = refs.orgRef(id);
      if (remote !== undefined) orgIds.push(remote);
    }
    if (orgIds.length > 0) {
      const primary = user.primaryOrgId ? refs.orgRef(user.primaryOrgId) : undefined;
      body.schemas.push(URN.userOrgs);
      body[URN.userOrgs] = primary ? { primaryOrgId: primary, orgIds } : { orgIds };
    }
  }
  return body;
}

/**
 * The outgoing org in the source's shape:
 * - `organization`: our Organization schema (displayName, code, parent, order, externalId);
 * - `compat`: the reference product's plain shape (name, parentId, order, code, externalId);
 * - `group`: a SCIM Group (displayName, externalId); its members travel as PATCH deltas.
 * `parentRemoteId` is the parent's id on the downstream; undefined for a root.
 */
export function orgBody(org: MirrorOrgData, shape: OrgResourceShape, parentRemoteId: string | undefined): ScimBody {
  switch (shape) {
    case 'group':
      return { schemas: [URN.group], externalId: org.id, displayName: org.name };
    case 'compat': {
      const body: ScimBody = { schemas: [URN.compatDepartment], externalId: org.id, name: org.name, order: org.order };
      if (org.code) body.code = org.code;
      if (parentRemoteId) body.parentId = parentRemoteId;
      return body;
    }
    default: {
      const body: ScimBody = { schemas: [URN.organization], externalId: org.id, displayName: org.name, order: org.order };
      if (org.code) body.code = org.code;
      if (parentRemoteId) body.parent = parentRemoteId;
      return body;
    }
  }
}

/** The attribute that names an org in each shape, for adoption look-ups. */
export function orgNameAttribute(shape: OrgResourceShape): string {
  return shape === 'compat' ? 'name' : 'displayName';
}

/** The attribute that holds the parent's remote id in each shape (none for groups). */
export function orgParentAttribute(shape: OrgResourceShape): string | undefined {
  return shape === 'compat' ? 'parentId' : shape === 'organization' ? 'parent' : undefined;
}

/**
 * The hash a link keeps of the body last sent: sha256 of the very JSON that is sent (`jsonOf`).
 * `userBody` and `orgBody` build every body with its keys in a fixed order, so plain JSON is
 * canonical here (cheaper than a key-sorting stringify, which matters at 100k users). One-shot
 * `crypto.hash` gives the same digest as a `createHash` object, at a third of its cost.
 */
export function bodyHash(body: ScimBody): string {
  return hash('sha256', jsonOf(body), 'hex');
}

const JSON_CACHE = new WeakMap<object, string>();

/** A body's JSON, computed once: it is hashed, sent and stored as `sent` (three uses at 100k users). */
export function jsonOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let json = JSON_CACHE.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    JSON_CACHE.set(value, json);
  }
  return json;
}
