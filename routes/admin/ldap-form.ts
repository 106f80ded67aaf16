import type { LdapSettings } from '../../lib/sources/ldap-destination.js';

/**
 * The LDAP/AD connection inputs of the parameters form (wizard and source page), each named
 * `push.ldap.<field>` after the field the service names in its issues, so an error lands next
 * to its input. A blank input means the connector's default (shown as the placeholder); the
 * bind password is `push.bindPassword` and is never rendered back.
 */
export const LDAP_FIELDS = [
  'profile',
  'url',
  'tls',
  'ca',
  'bindDn',
  'baseDn',
  'orgsDn',
  'usersDn',
  'userObjectClasses',
  'orgObjectClasses',
  'userNamingAttribute',
  'groups',
  'disable.mode',
  'disable.attribute',
  'disable.value',
  'disable.dn',
  'matchBy',
  'connections',
  'timeoutMs',
] as const;
export type LdapField = (typeof LDAP_FIELDS)[number];
export type LdapFieldValues = Record<LdapField, string>;

/** Every input name of the LDAP form, for the issues to land on (`toFieldErrors`). */
export const LDAP_INPUTS: readonly string[] = [...LDAP_FIELDS.map((field) => `push.ldap.${field}`), 'push.ldap.disable', 'push.bindPassword'];

/** A new destination's form: the profile and choices preset, everything else blank (= the default). */
export function emptyLdapValues(): LdapFieldValues {
  const values = Object.fromEntries(LDAP_FIELDS.map((field) => [field, ''])) as LdapFieldValues;
  return { ...values, profile: 'ldap', groups: 'none', matchBy: 'uid' };
}

/**
 * A stored destination as the form shows it: a value that is the default for its profile and
 * base DN is shown blank (its placeholder says it), so that changing the profile or the base DN
 * moves the defaults with it rather than leaving the old ones behind.
 */
export function ldapValuesOf(ldap: LdapSettings | undefined): LdapFieldValues {
  if (!ldap) return emptyLdapValues();
  const ad = ldap.profile === 'ad';
  const unless = (value: string, fallback: string) => (value.toLowerCase() === fallback.toLowerCase() ? '' : value);
  const disable = ldap.disable;
  const defaultDisable = ad ? disable.mode === 'attribute' : disable.mode === 'move' && disable.dn.toLowerCase() === `ou=disabled,${ldap.baseDn}`.toLowerCase();
  return {
    profile: ldap.profile,
    url: ldap.url,
    tls: ldap.tls,
    ca: ldap.ca ?? '',
    bindDn: ldap.bindDn,
    baseDn: ldap.baseDn,
    orgsDn: unless(ldap.orgsDn, ldap.baseDn),
    usersDn: unless(ldap.usersDn, ldap.baseDn),
    userObjectClasses: unless(ldap.userObjectClasses.join(', '), ad ? 'user' : 'inetOrgPerson'),
    orgObjectClasses: unless(ldap.orgObjectClasses.join(', '), 'organizationalUnit'),
    userNamingAttribute: unless(ldap.userNamingAttribute, ad ? 'cn' : 'uid'),
    groups: ldap.groups,
    'disable.mode': defaultDisable ? '' : disable.mode,
    'disable.attribute': !defaultDisable && disable.mode === 'attribute' ? disable.attribute : '',
    'disable.value': !defaultDisable && disable.mode === 'attribute' ? disable.value : '',
    'disable.dn': !defaultDisable && disable.mode === 'move' ? disable.dn : '',
    matchBy: ldap.matchBy,
    connections: unless(String(ldap.connections), '4'),
    timeoutMs: unless(String(ldap.timeoutMs), '15000'),
  };
}

/** Reads the LDAP inputs of a posted form; an input the form did not send keeps `fallback`'s value. */
export function readLdapValues(body: Record<string, unknown>, fallback: LdapFieldValues): LdapFieldValues {
  return Object.fromEntries(
    LDAP_FIELDS.map((field) => {
      const value = body[`push.ldap.${field}`];
      return [field, typeof value === 'string' ? value : Array.isArray(value) ? String(value[value.length - 1] ?? '') : fallback[field]];
    }),
  ) as LdapFieldValues;
}

/**
 * The form's strings as the service's `push.ldap` input. Blank stays blank, which the connector
 * reads as "its default"; the disable policy "default" is null (the profile's own), so that an
 * edit can go back to it. Whatever else is stored (the attribute list) is kept by the merge.
 */
export function ldapInput(values: LdapFieldValues): Partial<LdapSettings> {
  const mode = values['disable.mode'];
  const disable =
    mode === 'attribute'
      ? { mode, attribute: values['disable.attribute'], value: values['disable.value'] }
      : mode === 'move'
        ? { mode, dn: values['disable.dn'] }
        : mode === ''
          ? null
          : { mode };
  const input: Record<string, unknown> = {
    profile: values.profile,
    url: values.url,
    tls: values.tls,
    ca: values.ca,
    bindDn: values.bindDn,
    baseDn: values.baseDn,
    orgsDn: values.orgsDn,
    usersDn: values.usersDn,
    userObjectClasses: values.userObjectClasses,
    orgObjectClasses: values.orgObjectClasses,
    userNamingAttribute: values.userNamingAttribute,
    groups: values.groups,
    disable,
    matchBy: values.matchBy,
    connections: values.connections,
    timeoutMs: values.timeoutMs,
  };
  // Form strings as they are: the connector's validation parses them (lists split on commas, numbers
  // read from text) and names the field of any it cannot, so nothing is coerced here.
  return input as Partial<LdapSettings>;
}

/** The bind password as posted: blank means "keep what is stored" (or what the wizard's draft holds). */
export function postedBindPassword(body: Record<string, unknown>): string | undefined {
  const value = body['push.bindPassword'];
  const password = typeof value === 'string' ? value : '';
  return password.trim() ? password : undefined;
}
