import type { DirectoryContact } from '../hooks/directory.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { MirrorUserData } from '../mirror/normalize.js';
import { URN } from '../scim/urns.js';
import type { ScimBody } from './bodies.js';
import type { ConnectorObject, Placement } from './connector.js';

export function orgRemoteIdsOf(body: ScimBody | null | undefined): string[] {
  const orgs = body?.[URN.userOrgs] as { orgIds?: unknown } | undefined;
  return Array.isArray(orgs?.orgIds) ? orgs.orgIds.filter((id): id is string => typeof id === 'string') : [];
}


/**
 * The mirror-shaped object a connector takes, read back from the body the engine built (after the
 * host's hooks and the source's mapping table), so mappings apply to every protocol alike.
 */
export function objectOf(kind: ObjectKind, localId: string, body: ScimBody): ConnectorObject {
  if (kind === 'org') {
    const name = text(body.displayName) ?? text(body.name) ?? localId;
    const code = text(body.code);
    return { kind, data: { id: localId, name, order: typeof body.order === 'number' ? body.order : 0, ...(code && { code }) } };
  }
  const enterprise = body[URN.enterpriseUser] as { employeeNumber?: unknown } | undefined;
  const orgs = body[URN.userOrgs] as { primaryOrgId?: unknown; orgIds?: unknown } | undefined;
  const data: MirrorUserData = { id: localId, userName: text(body.userName) ?? localId, active: body.active !== false, orgIds: orgRemoteIdsOf(body) };
  const name = body.name as Record<string, unknown> | undefined;
  if (name && typeof name === 'object') data.name = Object.fromEntries(Object.entries(name).filter(([, value]) => typeof value === 'string')) as typeof data.name;
  for (const field of ['displayName', 'title', 'externalId', 'locale', 'preferredLanguage'] as const) {
    const value = text(body[field]);
    if (value) data[field] = value;
  }
  const employeeNumber = text(enterprise?.employeeNumber);
  if (employeeNumber) data.employeeNumber = employeeNumber;
  const primary = text(orgs?.primaryOrgId);
  if (primary) data.primaryOrgId = primary;
  for (const field of ['emails', 'phoneNumbers'] as const) {
    const contacts = contactsOf(body[field]);
    if (contacts.length > 0) data[field] = contacts;
  }
  return { kind: 'user', data };
}

/** Where the body puts the object: an org under its parent, a user under its primary org (else its first). */
export function placementOf(kind: ObjectKind, body: ScimBody): Placement {
  const parent = kind === 'org' ? text(body.parent) : (text((body[URN.userOrgs] as { primaryOrgId?: unknown } | undefined)?.primaryOrgId) ?? orgRemoteIdsOf(body)[0]);
  return parent ? { parent: { id: parent } } : {};
}

function contactsOf(value: unknown): DirectoryContact[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const contact = entry as { value?: unknown; type?: unknown; primary?: unknown } | null;
    const address = text(contact?.value);
    if (!address) return [];
    return [{ value: address, ...(text(contact?.type) && { type: text(contact?.type)! }), ...(contact?.primary === true && { primary: true }) }];
  });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
