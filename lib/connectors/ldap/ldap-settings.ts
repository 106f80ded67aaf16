import { X509Certificate } from 'node:crypto';
import { IssueCollector } from '../../errors.js';
import { isUnder, splitDn } from './dn.js';
import { DEFAULT_USER_ATTRIBUTES } from './ldap-mappings.js';
import { USER_SOURCE_FIELDS, type LdapAttributeMapping, type LdapDisable, type LdapProfile, type LdapSettings } from '../../sources/ldap-destination.js';

export type { LdapSettings } from '../../sources/ldap-destination.js';

export interface LdapSecrets {
  bindPassword: string;
}

/** What the host allows, like `allowHttpPush` for SCIM. */
export interface LdapUrlPolicy {
  allowPlain: boolean;
}

const TEXT_MAX = 1024;
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Validates an admin's LDAP settings (the form's fields, partly filled) and fills the defaults.
 * Throws a ValidationError naming every bad field, with a code the console translates.
 */
export function validateLdapSettings(input: Record<string, unknown>, policy: LdapUrlPolicy): LdapSettings {
  const issues = new IssueCollector();
  const profile = oneOf(input.profile, 'profile', ['ldap', 'ad'] as const, issues) ?? 'ldap';
  const url = issues.optionalText(input.url, 'url', TEXT_MAX);
  let scheme: 'ldap' | 'ldaps' | undefined;
  if (url === undefined) issues.add('url', 'required', 'url is required');
  else {
    const match = /^(ldaps?):\/\/[^/?#@\s]+(:\d+)?\/?$/i.exec(url);
    if (!match) issues.add('url', 'invalid_url', 'url must be ldap://host[:port] or ldaps://host[:port]');
    else scheme = match[1]!.toLowerCase() as 'ldap' | 'ldaps';
  }
  const tls = oneOf(input.tls, 'tls', ['ldaps', 'startTls', 'plain'] as const, issues) ?? (scheme === 'ldaps' ? 'ldaps' : 'startTls');
  if (scheme === 'ldaps' && tls !== 'ldaps') issues.add('tls', 'tls_scheme', 'an ldaps:// URL is TLS from the start: choose ldaps');
  if (scheme === 'ldap' && tls === 'ldaps') issues.add('tls', 'tls_scheme', 'ldaps needs an ldaps:// URL');
  if (tls === 'plain' && !policy.allowPlain) issues.add('tls', 'tls_required', 'plain LDAP is not allowed on this host: use ldaps or StartTLS');

  const ca = issues.optionalText(input.ca, 'ca', 64 * 1024);
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch {
      issues.add('ca', 'invalid_pem', 'ca must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
    }
  }
  const bindDn = dnField(input.bindDn, 'bindDn', true, issues);
  const baseDn = dnField(input.baseDn, 'baseDn', true, issues);
  const under = (value: unknown, field: string, fallback: string | undefined) => {
    const dn = dnField(value, field, false, issues) ?? fallback;
    if (dn && baseDn && !isUnder(dn, baseDn)) issues.add(field, 'outside_base', `${field} must be the base DN or below it`);
    return dn;
  };
  const orgsDn = under(input.orgsDn, 'orgsDn', baseDn);
  const usersDn = under(input.usersDn, 'usersDn', baseDn);

  const userObjectClasses = nameList(input.userObjectClasses, 'userObjectClasses', issues) ?? (profile === 'ad' ? ['user'] : ['inetOrgPerson']);
  const orgObjectClasses = nameList(input.orgObjectClasses, 'orgObjectClasses', issues) ?? ['organizationalUnit'];
  const userNamingAttribute = attributeName(input.userNamingAttribute, 'userNamingAttribute', issues) ?? (profile === 'ad' ? 'cn' : 'uid');
  const groups = oneOf(input.groups, 'groups', ['none', 'groupOfNames', 'groupOfUniqueNames'] as const, issues) ?? 'none';
  const matchBy = oneOf(input.matchBy, 'matchBy', ['uid', 'mail', 'entryUUID'] as const, issues) ?? 'uid';
  const disable = disableField(input.disable, profile, baseDn, issues);
  const userAttributes = mappingList(input.userAttributes, issues) ?? DEFAULT_USER_ATTRIBUTES;
  const connections = integer(input.connections, 'connections', 1, 32, issues) ?? 4;
  const timeoutMs = integer(input.timeoutMs, 'timeoutMs', 1000, 300_000, issues) ?? 15_000;
  issues.throwIfAny();
  return {
    profile,
    url: url!.replace(/\/$/, ''),
    tls,
    ca,
    bindDn: bindDn!,
    baseDn: baseDn!,
    orgsDn: orgsDn!,
    usersDn: usersDn!,
    userObjectClasses,
    orgObjectClasses,
    userNamingAttribute,
    groups,
    disable: disable!,
    matchBy,
    userAttributes,
    connections,
    timeoutMs,
  };
}

/** The secrets: the bind password is required and never echoed in a message. */
export function validateLdapSecrets(input: Record<string, unknown>): LdapSecrets {
  const issues = new IssueCollector();
  const password = input.bindPassword;
  if (typeof password !== 'string' || password === '') issues.add('bindPassword', 'required', 'bindPassword is required');
  else if (password.length > TEXT_MAX) issues.add('bindPassword', 'too_long', `bindPassword must be at most ${TEXT_MAX} characters`, { max: TEXT_MAX });
  issues.throwIfAny();
  return { bindPassword: password as string };
}

function oneOf<T extends string>(value: unknown, field: string, choices: readonly T[], issues: IssueCollector): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  issues.add(field, 'invalid_choice', `${field} must be one of ${choices.join(', ')}`, { choices: choices.join(', ') });
  return undefined;
}

function dnField(value: unknown, field: string, required: boolean, issues: IssueCollector): string | undefined {
  const dn = issues.optionalText(value, field, TEXT_MAX);
  if (dn === undefined) {
    if (required) issues.add(field, 'required', `${field} is required`);
    return undefined;
  }
  if (!splitDn(dn).every((part) => /^[A-Za-z][A-Za-z0-9-]*=.+$/.test(part))) {
    issues.add(field, 'invalid_dn', `${field} must be a DN such as ou=People,dc=example,dc=com`);
    return undefined;
  }
  return dn;
}

function attributeName(value: unknown, field: string, issues: IssueCollector): string | undefined {
  const name = issues.optionalText(value, field, 64);
  if (name !== undefined && !ATTRIBUTE_NAME.test(name)) {
    issues.add(field, 'invalid_attribute', `${field} must be an attribute name`);
    return undefined;
  }
  return name;
}

function nameList(value: unknown, field: string, issues: IssueCollector): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((name) => typeof name === 'string' && ATTRIBUTE_NAME.test(name))) {
    issues.add(field, 'invalid_attribute', `${field} must be object class names, separated by commas`);
    return undefined;
  }
  return list as string[];
}

function integer(value: unknown, field: string, min: number, max: number, issues: IssueCollector): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    issues.add(field, 'out_of_range', `${field} must be a whole number from ${min} to ${max}`, { min, max });
    return undefined;
  }
  return number;
}

function disableField(value: unknown, profile: LdapProfile, baseDn: string | undefined, issues: IssueCollector): LdapDisable | undefined {
  if (value === undefined || value === null) {
    // AD's own switch (userAccountControl) is always set; OpenLDAP has none, so the default hides the entry in a "Disabled" OU.
    return profile === 'ad' ? { mode: 'attribute', attribute: 'userAccountControl', value: '' } : baseDn ? { mode: 'move', dn: `ou=Disabled,${baseDn}` } : undefined;
  }
  const { mode, attribute, value: flag, dn } = value as Record<string, unknown>;
  if (mode === 'attribute') {
    if (profile === 'ad') return { mode: 'attribute', attribute: 'userAccountControl', value: '' };
    const name = attributeName(attribute, 'disable.attribute', issues);
    const text = issues.optionalText(flag, 'disable.value', 256);
    if (name === undefined) issues.add('disable.attribute', 'required', 'disable.attribute is required');
    if (text === undefined) issues.add('disable.value', 'required', 'disable.value is required');
    return name && text ? { mode, attribute: name, value: text } : undefined;
  }
  if (mode === 'move') {
    const target = dnField(dn, 'disable.dn', false, issues) ?? (baseDn ? `ou=Disabled,${baseDn}` : undefined);
    if (target && baseDn && !isUnder(target, baseDn)) issues.add('disable.dn', 'outside_base', 'disable.dn must be below the base DN');
    return target ? { mode, dn: target } : undefined;
  }
  issues.add('disable.mode', 'invalid_choice', 'disable.mode must be attribute or move', { choices: 'attribute, move' });
  return undefined;
}

function mappingList(value: unknown, issues: IssueCollector): LdapAttributeMapping[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    issues.add('userAttributes', 'type', 'userAttributes must be a list of { attribute, from }');
    return undefined;
  }
  const list: LdapAttributeMapping[] = [];
  value.forEach((entry: unknown, index) => {
    const { attribute, from } = (entry ?? {}) as Record<string, unknown>;
    const name = attributeName(attribute, `userAttributes[${index}].attribute`, issues);
    if (typeof from !== 'string' || !(USER_SOURCE_FIELDS as readonly string[]).includes(from)) {
      issues.add(`userAttributes[${index}].from`, 'invalid_choice', `userAttributes[${index}].from must be one of ${USER_SOURCE_FIELDS.join(', ')}`);
    } else if (name) list.push({ attribute: name, from: from as LdapAttributeMapping['from'] });
  });
  return list;
}
