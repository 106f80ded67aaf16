import type { DirectoryContact } from '../hooks/directory.js';
import type { MirrorUserData } from '../mirror/normalize.js';
import { URN } from '../scim/urns.js';
import type { Value } from './expression/functions.js';

/** How a user's references are written, decided by the caller from the links; no I/O here. */
export interface UserReferences {
  /**
   * The id to send for one of the user's orgs: the org's remote id when orgs are pushed to this
   * downstream, the host id when they are not; undefined leaves it out (not on the downstream yet).
   */
  orgRef(localOrgId: string): string | undefined;
  /** The manager's remote id, undefined while the manager is not on the downstream. */
  managerRef(localUserId: string): string | undefined;
  /** Which extension schemas the downstream takes. */
  extensions: { enterprise: boolean; orgs: boolean };
}

/**
 * What a user mapping's expression may read: `[path]` names one of these. Most are the mirror
 * user's own fields; a few are derived (the work e-mail, references as the downstream knows them).
 */
export const USER_SOURCE_ATTRIBUTES = [
  'id',
  'externalId',
  'userName',
  'displayName',
  'active',
  'name',
  'name.givenName',
  'name.familyName',
  'name.middleName',
  'name.formatted',
  'name.honorificPrefix',
  'name.honorificSuffix',
  'emails',
  'emails.work',
  'emails.primary',
  'phoneNumbers',
  'phoneNumbers.work',
  'phoneNumbers.mobile',
  'phoneNumbers.primary',
  'title',
  'locale',
  'preferredLanguage',
  'employeeNumber',
  'manager',
  'orgs',
  'primaryOrg',
] as const;

export type UserSourceAttribute = (typeof USER_SOURCE_ATTRIBUTES)[number];

const KNOWN = new Set<string>(USER_SOURCE_ATTRIBUTES);
/** The enterprise extension's names for the same fields, so `[urn:…:User:employeeNumber]` reads too. */
const ENTERPRISE_PREFIX = `${URN.enterpriseUser}:`;

/** The host's extra fields (`DirectoryUser.attributes`) read as `[extra.costCenter]`. */
export const EXTRA_PREFIX = 'extra.';
const EXTRA = /^extra\.[A-Za-z][\w-]{0,63}$/;

export function isUserSourceAttribute(path: string): boolean {
  return KNOWN.has(canonical(path)) || EXTRA.test(path);
}

function canonical(path: string): string {
  return path.startsWith(ENTERPRISE_PREFIX) ? path.slice(ENTERPRISE_PREFIX.length) : path;
}

/**
 * One user's attributes for mapping: `value(path)` is what an expression sees (texts, lists of
 * texts, true/false), `whole(path)` the attribute as SCIM sends it (an e-mail list with types,
 * the name object, `{ value }` for the manager), used when a mapping copies an attribute whole.
 */
export interface UserAttributes {
  value(path: string): Value | undefined;
  whole(path: string): unknown;
}

export function userAttributes(user: MirrorUserData, refs: UserReferences): UserAttributes {
  const value = (path: string): Value | undefined => {
    const name = canonical(path);
    switch (name) {
      case 'id':
        return user.id;
      case 'active':
        return user.active;
      case 'name':
        return user.name?.formatted ?? ([user.name?.givenName, user.name?.familyName].filter(Boolean).join(' ') || null);
      case 'emails':
        return user.emails?.map((contact) => contact.value) ?? null;
      case 'phoneNumbers':
        return user.phoneNumbers?.map((contact) => contact.value) ?? null;
      case 'manager':
        return user.managerId ? (refs.managerRef(user.managerId) ?? null) : null;
      case 'orgs':
        return user.orgIds.map((id) => refs.orgRef(id)).filter((id): id is string => id !== undefined);
      case 'primaryOrg':
        return user.primaryOrgId ? (refs.orgRef(user.primaryOrgId) ?? null) : null;
    }
    if (name.startsWith(EXTRA_PREFIX)) return user.attributes?.[name.slice(EXTRA_PREFIX.length)] ?? null;
    if (name.startsWith('name.')) return user.name?.[name.slice(5) as keyof NonNullable<MirrorUserData['name']>] ?? null;
    if (name.startsWith('emails.')) return contactOf(user.emails, name.slice(7));
    if (name.startsWith('phoneNumbers.')) return contactOf(user.phoneNumbers, name.slice(13));
    if (KNOWN.has(name)) return (user[name as keyof MirrorUserData] as Value | undefined) ?? null;
    return undefined;
  };
  const whole = (path: string): unknown => {
    switch (canonical(path)) {
      case 'name':
        return user.name && Object.keys(user.name).length > 0 ? { ...user.name } : null;
      case 'emails':
        return user.emails?.length ? user.emails.map((contact) => ({ ...contact })) : null;
      case 'phoneNumbers':
        return user.phoneNumbers?.length ? user.phoneNumbers.map((contact) => ({ ...contact })) : null;
      case 'manager': {
        const manager = value('manager');
        return manager ? { value: manager } : null;
      }
      default:
        return value(path);
    }
  };
  return { value, whole };
}

/** `emails.work`: the first of that type; `emails.primary`: the primary one, else the first. */
function contactOf(contacts: readonly DirectoryContact[] | undefined, which: string): string | null {
  if (!contacts?.length) return null;
  if (which === 'primary') return (contacts.find((contact) => contact.primary) ?? contacts[0]!).value;
  return contacts.find((contact) => contact.type === which)?.value ?? null;
}
