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

/** The user being mapped and how its references are written: what an attribute reader reads. */
export interface UserContext {
  user: MirrorUserData;
  refs: UserReferences;
}

/** One attribute of the user, resolved from its path once (when a table compiles), read per user. */
export type UserAttributeReader = (context: UserContext) => Value | undefined;

type NameField = keyof NonNullable<MirrorUserData['name']>;

/** `readAttribute(path)(context)` is `userAttributes(user, refs).value(path)`, without the look-up per call. */
export function readAttribute(path: string): UserAttributeReader {
  const name = canonical(path);
  switch (name) {
    case 'id':
      return ({ user }) => user.id;
    case 'active':
      return ({ user }) => user.active;
    case 'name':
      return ({ user }) => user.name?.formatted ?? ([user.name?.givenName, user.name?.familyName].filter(Boolean).join(' ') || null);
    case 'emails':
      return ({ user }) => user.emails?.map((contact) => contact.value) ?? null;
    case 'phoneNumbers':
      return ({ user }) => user.phoneNumbers?.map((contact) => contact.value) ?? null;
    case 'manager':
      return ({ user, refs }) => (user.managerId ? (refs.managerRef(user.managerId) ?? null) : null);
    case 'orgs':
      return ({ user, refs }) => user.orgIds.map((id) => refs.orgRef(id)).filter((id): id is string => id !== undefined);
    case 'primaryOrg':
      return ({ user, refs }) => (user.primaryOrgId ? (refs.orgRef(user.primaryOrgId) ?? null) : null);
  }
  if (name.startsWith(EXTRA_PREFIX)) {
    const key = name.slice(EXTRA_PREFIX.length);
    return ({ user }) => user.attributes?.[key] ?? null;
  }
  if (name.startsWith('name.')) {
    const field = name.slice(5) as NameField;
    return ({ user }) => user.name?.[field] ?? null;
  }
  if (name.startsWith('emails.')) {
    const which = name.slice(7);
    return ({ user }) => contactOf(user.emails, which);
  }
  if (name.startsWith('phoneNumbers.')) {
    const which = name.slice(13);
    return ({ user }) => contactOf(user.phoneNumbers, which);
  }
  if (KNOWN.has(name)) {
    const field = name as keyof MirrorUserData;
    return ({ user }) => (user[field] as Value | undefined) ?? null;
  }
  return () => undefined;
}

/** `readWhole(path)(context)` is `userAttributes(user, refs).whole(path)`, resolved once. */
export function readWhole(path: string): (context: UserContext) => unknown {
  switch (canonical(path)) {
    case 'name':
      return ({ user }) => (user.name && Object.keys(user.name).length > 0 ? { ...user.name } : null);
    case 'emails':
      return ({ user }) => (user.emails?.length ? user.emails.map((contact) => ({ ...contact })) : null);
    case 'phoneNumbers':
      return ({ user }) => (user.phoneNumbers?.length ? user.phoneNumbers.map((contact) => ({ ...contact })) : null);
    case 'manager': {
      const manager = readAttribute('manager');
      return (context) => {
        const value = manager(context);
        return value ? { value } : null;
      };
    }
    default:
      return readAttribute(path);
  }
}

export function userAttributes(user: MirrorUserData, refs: UserReferences): UserAttributes {
  const context: UserContext = { user, refs };
  return { value: (path) => readAttribute(path)(context), whole: (path) => readWhole(path)(context) };
}

/** `emails.work`: the first of that type; `emails.primary`: the primary one, else the first. */
function contactOf(contacts: readonly DirectoryContact[] | undefined, which: string): string | null {
  if (!contacts?.length) return null;
  if (which === 'primary') return (contacts.find((contact) => contact.primary) ?? contacts[0]!).value;
  return contacts.find((contact) => contact.type === which)?.value ?? null;
}
