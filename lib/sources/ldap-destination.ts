/**
 * The stored shape of an LDAP/AD destination (a push source of protocol `ldap`): what the admin
 * sets and `push.ldap` holds. Validation and defaults are the connector's
 * (`lib/connectors/ldap/ldap-settings.ts`, injected into the sources service); the bind password
 * is a push secret (`PushSecretsInput.bindPassword`), sealed with the others, never here.
 */

/**
 * The mirror fields an LDAP attribute can take its value from. A mapping is a row
 * `{ attribute, from }`, the shape the mapping table (issue 11) edits; `from` names a field of
 * the mirror's canonical user (`lib/mirror/normalize.ts`).
 */
export const USER_SOURCE_FIELDS = [
  'userName',
  'displayName',
  'name.givenName',
  'name.familyName',
  'name.formatted',
  'emails.primary',
  'emails.all',
  'phoneNumbers.primary',
  'title',
  'employeeNumber',
  'externalId',
  'preferredLanguage',
] as const;

export type UserSourceField = (typeof USER_SOURCE_FIELDS)[number];

export interface LdapAttributeMapping {
  attribute: string;
  from: UserSourceField;
}

/** `ldap`: OpenLDAP and other RFC 4519 servers (inetOrgPerson). `ad`: Active Directory (Samba's AD DC too). */
export type LdapProfile = 'ldap' | 'ad';
/** `ldaps`: TLS from the first byte; `startTls`: ldap:// upgraded before the bind; `plain`: no TLS, only where the host allows it. */
export type LdapTlsMode = 'ldaps' | 'startTls' | 'plain';
export type LdapGroups = 'none' | 'groupOfNames' | 'groupOfUniqueNames';
/** How a user is deprovisioned without deleting it. AD always also clears the account's "enabled" bit (`userAccountControl`). */
export type LdapDisable = { mode: 'attribute'; attribute: string; value: string } | { mode: 'move'; dn: string };
export type LdapMatchBy = 'uid' | 'mail' | 'entryUUID';

/** An LDAP destination's settings, as validated. The bind password is a secret and lives apart (`LdapSecrets`). */
export interface LdapSettings {
  /** @default 'ldap' */
  profile: LdapProfile;
  /** `ldaps://host:636` or `ldap://host:389`. */
  url: string;
  /** @default 'ldaps' for an ldaps:// URL, else 'startTls' */
  tls: LdapTlsMode;
  /** PEM of the CA that signed the server's certificate; the system's CAs when absent. */
  ca?: string;
  bindDn: string;
  /** Everything the center writes and lists lives under it. */
  baseDn: string;
  /** Where top-level orgs go. @default baseDn */
  orgsDn: string;
  /** Where users without an org go. @default baseDn */
  usersDn: string;
  /** Object classes of user entries. @default ['inetOrgPerson'] (AD: ['user']) */
  userObjectClasses: string[];
  /** Object classes of org entries. @default ['organizationalUnit'] */
  orgObjectClasses: string[];
  /** The RDN attribute of user entries, valued with the userName. @default 'uid' (AD: 'cn') */
  userNamingAttribute: string;
  /** Orgs also as groups with their direct members. @default 'none' (AD: `group` objects when not 'none') */
  groups: LdapGroups;
  /** @default { mode: 'move', dn: 'ou=Disabled,<baseDn>' } (AD: { mode: 'attribute', … } = userAccountControl only) */
  disable: LdapDisable;
  /** How an unlinked user is found: its naming value (`uid`; `sAMAccountName` on AD), `mail`, or only by the link (`entryUUID`/`objectGUID`). @default 'uid' */
  matchBy: LdapMatchBy;
  /** User attribute mappings (LDAP attribute ← mirror field). @default DEFAULT_USER_ATTRIBUTES */
  userAttributes: LdapAttributeMapping[];
  /** Connections the connector opens and spreads its operations over. @default 4 */
  connections: number;
  /** Per operation. @default 15000 */
  timeoutMs: number;
}

