import { randomBytes } from 'node:crypto';
import type { MirrorOrgData, MirrorUserData } from '../../mirror/normalize.js';
import { rdn, splitDn } from './dn.js';
import { commonName, fieldValues } from './ldap-mappings.js';
import type { LdapSettings } from '../../sources/ldap-destination.js';

/**
 * How mirror objects become directory entries: pure, no I/O. An entry's attributes come as a
 * full map of every attribute the center manages for that kind, `[]` where the object has no
 * value, so that comparing two maps says exactly what to replace or remove.
 */
export type EntryAttributes = Record<string, string[]>;

/** userAccountControl flags (MS-ADTS 2.2.16). */
export const UAC_NORMAL_ACCOUNT = 0x200;
export const UAC_ACCOUNTDISABLE = 0x2;

/** The attribute that holds the directory's stable id for an entry. */
export function idAttribute(settings: LdapSettings): 'entryUUID' | 'objectGUID' {
  return settings.profile === 'ad' ? 'objectGUID' : 'entryUUID';
}

export function userRdn(settings: LdapSettings, user: MirrorUserData): string {
  return rdn(settings.userNamingAttribute, user.userName);
}

export function orgRdn(org: MirrorOrgData): string {
  return rdn('ou', org.name);
}

/** An org's group lives inside the org's OU, so it moves with the subtree and goes with it. */
export function groupRdn(org: MirrorOrgData): string {
  return rdn('cn', org.name);
}

/** The attribute holding a group's members. */
export function memberAttribute(settings: LdapSettings): 'member' | 'uniqueMember' {
  return settings.profile !== 'ad' && settings.groups === 'groupOfUniqueNames' ? 'uniqueMember' : 'member';
}

export function groupObjectClass(settings: LdapSettings): string {
  return settings.profile === 'ad' ? 'group' : settings.groups;
}

/**
 * The attribute the unlinked user is matched by: its naming value (`sAMAccountName` on AD) or
 * its mail, with the value this user has; null when matching is by link only or it has no value.
 */
export function userMatch(settings: LdapSettings, user: MirrorUserData): { attribute: string; value: string } | null {
  if (settings.matchBy === 'entryUUID') return null;
  if (settings.matchBy === 'mail') {
    const [mail] = fieldValues(user, 'emails.primary');
    return mail ? { attribute: 'mail', value: mail } : null;
  }
  return settings.profile === 'ad' ? { attribute: 'sAMAccountName', value: samAccountName(user.userName) } : { attribute: settings.userNamingAttribute, value: user.userName };
}

/**
 * A user's attributes, without objectClass (fixed at creation) and the password. `encrypted` says
 * whether the connection is: AD enables an account only when it has a password, which it sets
 * over an encrypted connection only, so over plain LDAP an AD account stays disabled.
 */
export function userAttributes(settings: LdapSettings, user: MirrorUserData, encrypted: boolean): EntryAttributes {
  const attributes: EntryAttributes = {};
  const set = (name: string, values: string[], replace = false) => {
    const key = Object.keys(attributes).find((known) => known.toLowerCase() === name.toLowerCase()) ?? name;
    attributes[key] = replace ? values : [...new Set([...(attributes[key] ?? []), ...values])];
  };
  for (const mapping of settings.userAttributes) set(mapping.attribute, fieldValues(user, mapping.from));
  const cn = commonName(user);
  if (settings.profile === 'ad') {
    set('sAMAccountName', [samAccountName(user.userName)]);
    set('userPrincipalName', [userPrincipalName(user.userName, settings.baseDn)]);
    set('sn', fieldValues(user, 'name.familyName'));
    const enabled = user.active && encrypted;
    set('userAccountControl', [String(UAC_NORMAL_ACCOUNT | (enabled ? 0 : UAC_ACCOUNTDISABLE))]);
    if (!valuesOf(attributes, 'displayName').length) set('displayName', [cn]);
  } else {
    set('cn', [cn]);
    const [family] = fieldValues(user, 'name.familyName');
    set('sn', [family ?? user.userName]);
    if (settings.disable.mode === 'attribute') set(settings.disable.attribute, user.active ? [] : [settings.disable.value]);
  }
  // The naming attribute carries the userName (AD's cn too): one value, the RDN's.
  set(settings.userNamingAttribute, [user.userName], true);
  return attributes;
}

/** An attribute's values, its name compared as LDAP does (case-insensitively). */
export function valuesOf(attributes: EntryAttributes, name: string): string[] {
  const key = Object.keys(attributes).find((known) => known.toLowerCase() === name.toLowerCase());
  return key === undefined ? [] : attributes[key]!;
}

/** What a new user entry is added with: its attributes, object classes, and on AD a password nobody knows when the connection allows one. */
export function newUserEntry(settings: LdapSettings, user: MirrorUserData, encrypted: boolean): Record<string, string[] | Buffer> {
  const entry: Record<string, string[] | Buffer> = { objectClass: settings.userObjectClasses };
  for (const [name, values] of Object.entries(userAttributes(settings, user, encrypted))) if (values.length > 0) entry[name] = values;
  // AD refuses an enabled account without a password: give it a long random one (never kept,
  // never logged), so people sign in through the IdP or have it reset, as the domain decides.
  if (settings.profile === 'ad' && encrypted) entry.unicodePwd = adPassword(`${randomBytes(18).toString('base64url')}aA1!`);
  return entry;
}

export function orgEntry(settings: LdapSettings, org: MirrorOrgData): Record<string, string[]> {
  return { objectClass: settings.orgObjectClasses, ou: [org.name] };
}

/**
 * An org's group entry. groupOfNames and groupOfUniqueNames must have a member: an empty one
 * lists the empty DN, which names nobody. AD groups may be empty and need a sAMAccountName.
 */
export function groupEntry(settings: LdapSettings, org: MirrorOrgData, memberDns: readonly string[]): Record<string, string[]> {
  const entry: Record<string, string[]> = { objectClass: [groupObjectClass(settings)], cn: [org.name] };
  if (settings.profile === 'ad') {
    entry.sAMAccountName = [groupAccountName(org.id)];
    if (memberDns.length > 0) entry.member = [...memberDns];
  } else {
    entry[memberAttribute(settings)] = memberDns.length > 0 ? [...memberDns] : [''];
  }
  return entry;
}

/** The member values a group should hold for these members (the placeholder when there are none, outside AD). */
export function memberValues(settings: LdapSettings, memberDns: readonly string[]): string[] {
  return memberDns.length > 0 || settings.profile === 'ad' ? [...memberDns] : [''];
}

/** The attributes whose values differ: `replace` with the desired values (none removes it). */
export function changedAttributes(previous: EntryAttributes | null, desired: EntryAttributes, skip: readonly string[]): Array<{ attribute: string; values: string[] }> {
  const skipped = new Set(skip.map((name) => name.toLowerCase()));
  const names = new Map<string, string>();
  for (const name of [...Object.keys(desired), ...Object.keys(previous ?? {})]) if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
  const changes: Array<{ attribute: string; values: string[] }> = [];
  for (const [lower, name] of names) {
    if (skipped.has(lower)) continue;
    const want = valuesOf(desired, name);
    // Without a previous state, everything is sent: removing what is absent is harmless and clears stale values.
    if (previous && sameValues(valuesOf(previous, name), want)) continue;
    changes.push({ attribute: name, values: want });
  }
  return changes;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((value) => set.has(value));
}

/** AD's pre-Windows-2000 logon name: the userName's local part without the characters AD refuses, at most 20 long. */
export function samAccountName(userName: string): string {
  const local = userName.includes('@') ? userName.slice(0, userName.lastIndexOf('@')) : userName;
  return local.replace(/["/\\[\]:;|=,+*?<>@\s]/g, '_').slice(0, 20).replace(/\.+$/, '_') || '_';
}

/** The userName when it is already `name@domain`, else `userName@<the base DN's DNS domain>`. */
export function userPrincipalName(userName: string, baseDn: string): string {
  if (userName.includes('@')) return userName;
  const domain = splitDn(baseDn)
    .filter((part) => part.toLowerCase().startsWith('dc='))
    .map((part) => part.slice(3))
    .join('.');
  return domain ? `${userName}@${domain}` : userName;
}

/** A group's sAMAccountName, unique in the domain like every account name: from the org's id. */
export function groupAccountName(orgId: string): string {
  return `org-${orgId}`.replace(/["/\\[\]:;|=,+*?<>@\s]/g, '_').slice(0, 64);
}

/** `unicodePwd` is the password in double quotes, UTF-16LE (MS-ADTS 3.1.1.3.1.5). */
function adPassword(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** Whether an attribute is a secret that must never be shown (the dry run's LDIF leaves it out). */
export function isSecretAttribute(name: string): boolean {
  return ['unicodepwd', 'userpassword'].includes(name.toLowerCase());
}
