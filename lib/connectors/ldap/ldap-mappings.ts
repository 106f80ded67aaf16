import type { MirrorUserData } from '../../mirror/normalize.js';

import { type LdapAttributeMapping, type UserSourceField } from '../../sources/ldap-destination.js';

/**
 * The default user mappings (RFC 2798 inetOrgPerson; AD has the same names for these). The naming
 * attribute (`uid`, AD `cn`) always carries the userName; `cn` and `sn`, which inetOrgPerson
 * requires, fall back to the userName when the user has no name.
 *
 * | LDAP attribute      | from                    |
 * |---------------------|-------------------------|
 * | `cn`                | displayName → formatted → "given family" → userName |
 * | `sn`                | name.familyName → userName |
 * | `givenName`         | name.givenName          |
 * | `displayName`       | displayName             |
 * | `mail`              | the primary email       |
 * | `telephoneNumber`   | the primary phone       |
 * | `title`             | title                   |
 * | `employeeNumber`    | employeeNumber          |
 * | `preferredLanguage` | preferredLanguage       |
 */
export const DEFAULT_USER_ATTRIBUTES: LdapAttributeMapping[] = [
  { attribute: 'givenName', from: 'name.givenName' },
  { attribute: 'displayName', from: 'displayName' },
  { attribute: 'mail', from: 'emails.primary' },
  { attribute: 'telephoneNumber', from: 'phoneNumbers.primary' },
  { attribute: 'title', from: 'title' },
  { attribute: 'employeeNumber', from: 'employeeNumber' },
  { attribute: 'preferredLanguage', from: 'preferredLanguage' },
];

/** The values a mirror field gives (none when the user has no such value). */
export function fieldValues(user: MirrorUserData, from: UserSourceField): string[] {
  switch (from) {
    case 'emails.primary':
      return primary(user.emails);
    case 'emails.all':
      return (user.emails ?? []).map((contact) => contact.value);
    case 'phoneNumbers.primary':
      return primary(user.phoneNumbers);
    case 'name.givenName':
    case 'name.familyName':
    case 'name.formatted':
      return present(user.name?.[from.slice('name.'.length) as 'givenName' | 'familyName' | 'formatted']);
    default:
      return present(user[from]);
  }
}

/** The user's common name: what people see in address books. */
export function commonName(user: MirrorUserData): string {
  const spelled = [user.name?.givenName, user.name?.familyName].filter(Boolean).join(' ');
  return user.displayName ?? user.name?.formatted ?? (spelled || user.userName);
}

function primary(contacts: MirrorUserData['emails']): string[] {
  const chosen = contacts?.find((contact) => contact.primary) ?? contacts?.[0];
  return chosen ? [chosen.value] : [];
}

function present(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : [value];
}
