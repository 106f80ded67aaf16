import type { MirrorOrg, MirrorUser } from '../mirror/mirror-rows.js';
import { URN } from './urns.js';

/** A SCIM resource as JSON. */
export type ScimResource = Record<string, unknown> & { id: string; schemas: string[] };

/** Where resources live: the SCIM base URL, e.g. `https://idp.example.com/sync-center/scim/v2`. */
export interface ScimLocation {
  base: string;
}

export function resourceUrl(location: ScimLocation, endpoint: string, id: string): string {
  return `${location.base}${endpoint}/${encodeURIComponent(id)}`;
}

/** Weak, because two representations with the same seq are equivalent, not byte-identical. */
export function weakEtag(version: string | number): string {
  return `W/"${version}"`;
}

/** What a user's presentation needs from other rows, read in one query per page. */
export interface UserRelations {
  /** The user's org ids this source can see. */
  orgIds: string[];
  /** Set when the primary org is visible to this source. */
  primaryOrgId?: string;
  department?: string;
  organization?: string;
  /** False when the manager is outside this source's scope: the reference is then left out. */
  managerVisible: boolean;
}

/** Pure: no I/O, no clock. A tombstone is shown as `active: false`. */
export function toScimUser(user: MirrorUser, relations: UserRelations, location: ScimLocation): ScimResource {
  const data = user.data;
  const resource: ScimResource = { schemas: [URN.user], id: user.id };
  if (data.externalId) resource.externalId = data.externalId;
  resource.userName = data.userName;
  if (data.name) resource.name = { ...data.name };
  if (data.displayName) resource.displayName = data.displayName;
  if (data.title) resource.title = data.title;
  if (data.preferredLanguage) resource.preferredLanguage = data.preferredLanguage;
  if (data.locale) resource.locale = data.locale;
  resource.active = user.deletedAt === null && data.active;
  if (data.emails) resource.emails = data.emails.map((email) => ({ ...email }));
  if (data.phoneNumbers) resource.phoneNumbers = data.phoneNumbers.map((phone) => ({ ...phone }));

  const enterprise: Record<string, unknown> = {};
  if (data.employeeNumber) enterprise.employeeNumber = data.employeeNumber;
  if (relations.department) enterprise.department = relations.department;
  if (relations.organization) enterprise.organization = relations.organization;
  if (data.managerId && relations.managerVisible) {
    enterprise.manager = { value: data.managerId, $ref: resourceUrl(location, '/Users', data.managerId) };
  }
  if (Object.keys(enterprise).length > 0) {
    resource.schemas.push(URN.enterpriseUser);
    resource[URN.enterpriseUser] = enterprise;
  }
  const orgs: Record<string, unknown> = { orgIds: relations.orgIds };
  if (relations.primaryOrgId) orgs.primaryOrgId = relations.primaryOrgId;
  resource.schemas.push(URN.userOrgs);
  resource[URN.userOrgs] = orgs;
  resource.meta = meta('User', user, location, '/Users', user.seq);
  return resource;
}

/**
 * Pure. A user that left a scoped source's view, as the tombstone an incremental pull shows:
 * `active: false`, last modified when it left, and only the identifiers the source already
 * knew. Its other attributes are left out, since they may have changed after the user left
 * and the source may no longer see them.
 */
export function toScimScopeExit(user: MirrorUser, leftAt: string, location: ScimLocation): ScimResource {
  const resource: ScimResource = { schemas: [URN.user, URN.userOrgs], id: user.id };
  if (user.data.externalId) resource.externalId = user.data.externalId;
  resource.userName = user.data.userName;
  resource.active = false;
  resource[URN.userOrgs] = { orgIds: [] };
  resource.meta = meta('User', { ...user, lastModified: leftAt }, location, '/Users', `${user.seq}-left`);
  return resource;
}

/** What an org's presentation needs beyond its row. */
export interface OrgRelations {
  /** False when the parent is outside this source's scope: the org is then shown as a root. */
  parentVisible: boolean;
}

export function toScimOrganization(org: MirrorOrg, relations: OrgRelations, location: ScimLocation): ScimResource {
  const data = org.data;
  const resource: ScimResource = { schemas: [URN.organization], id: org.id, displayName: data.name };
  if (data.code) resource.code = data.code;
  if (data.parentId && relations.parentVisible) resource.parent = data.parentId;
  resource.order = data.order;
  resource.active = org.deletedAt === null;
  resource.meta = meta('Organization', org, location, '/Organizations', org.seq);
  return resource;
}

/** Pure. An org that left a scoped source's view, as an incremental pull shows it (see `toScimScopeExit`). */
export function toScimOrganizationExit(org: MirrorOrg, leftAt: string, location: ScimLocation): ScimResource {
  return {
    schemas: [URN.organization],
    id: org.id,
    displayName: org.data.name,
    active: false,
    meta: meta('Organization', { ...org, lastModified: leftAt }, location, '/Organizations', `${org.seq}-left`),
  };
}

export interface GroupMember {
  id: string;
  display: string;
}

/** Membership facts that make a group's version and lastModified move when its members change. */
export interface GroupMembership {
  /** Undefined when members were not asked for (`excludedAttributes=members`). */
  members?: GroupMember[];
  count: number;
  maxSeq: number;
  /** When a direct member last joined, left, changed or was deleted (the mirror records it). */
  membersChangedAt: string | null;
}

export function toScimGroup(org: MirrorOrg, membership: GroupMembership, location: ScimLocation): ScimResource {
  const resource: ScimResource = { schemas: [URN.group], id: org.id, displayName: org.data.name };
  if (membership.members) {
    resource.members = membership.members.map((member) => ({
      value: member.id,
      $ref: resourceUrl(location, '/Users', member.id),
      display: member.display,
      type: 'User',
    }));
  }
  const lastModified =
    membership.membersChangedAt && membership.membersChangedAt > org.lastModified ? membership.membersChangedAt : org.lastModified;
  resource.meta = meta('Group', { ...org, lastModified }, location, '/Groups', `${org.seq}.${membership.count}.${membership.maxSeq}`);
  return resource;
}

function meta(
  resourceType: string,
  record: { id: string; createdAt: string; lastModified: string },
  location: ScimLocation,
  endpoint: string,
  version: string | number,
) {
  return {
    resourceType,
    created: record.createdAt,
    lastModified: record.lastModified,
    location: resourceUrl(location, endpoint, record.id),
    version: weakEtag(version),
  };
}
