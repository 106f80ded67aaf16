import { URN } from '../scim/urns.js';

/**
 * Attributes a mapping may write when the downstream publishes no `/Schemas`: RFC 7643 core
 * User (§4.1), the Enterprise User extension (§4.3), and our UserOrgs extension.
 */
export const STANDARD_USER_TARGETS: readonly string[] = [
  'externalId',
  'userName',
  'active',
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  ...['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((part) => `name.${part}`),
  'emails',
  'emails[type eq "work"].value',
  'emails[type eq "home"].value',
  'emails[type eq "other"].value',
  'phoneNumbers',
  'phoneNumbers[type eq "work"].value',
  'phoneNumbers[type eq "mobile"].value',
  'phoneNumbers[type eq "home"].value',
  ...['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'].map((name) => `${URN.enterpriseUser}:${name}`),
  `${URN.userOrgs}:primaryOrgId`,
  `${URN.userOrgs}:orgIds`,
];

interface SchemaAttribute {
  name?: unknown;
  type?: unknown;
  multiValued?: unknown;
  mutability?: unknown;
  subAttributes?: SchemaAttribute[];
  canonicalValues?: unknown;
}

/**
 * The targets a downstream's `/Schemas` listing (RFC 7643 §7) offers for its users: the core
 * User schema's and the user extensions' writable attributes, complex ones per sub-attribute,
 * typed multi-valued ones per canonical type. Empty when the listing holds no User schema.
 */
export function targetsFromSchemas(listing: unknown, userExtensions: readonly string[]): string[] {
  const resources = (listing as { Resources?: unknown } | null)?.Resources;
  if (!Array.isArray(resources)) return [];
  const targets: string[] = [];
  for (const schema of resources as Array<{ id?: unknown; attributes?: SchemaAttribute[] }>) {
    const id = typeof schema.id === 'string' ? schema.id : '';
    const core = id === URN.user;
    if (!core && !userExtensions.includes(id)) continue;
    const prefix = core ? '' : `${id}:`;
    for (const attribute of Array.isArray(schema.attributes) ? schema.attributes : []) {
      if (typeof attribute.name !== 'string' || attribute.mutability === 'readOnly' || attribute.name === 'id' || attribute.name === 'groups') continue;
      const name = attribute.name;
      const subs = (attribute.subAttributes ?? []).filter((sub) => typeof sub.name === 'string' && sub.mutability !== 'readOnly');
      if (attribute.type !== 'complex' || subs.length === 0) {
        targets.push(`${prefix}${name}`);
        continue;
      }
      if (attribute.multiValued === true) {
        targets.push(`${prefix}${name}`);
        const types = subs.find((sub) => sub.name === 'type')?.canonicalValues;
        if (!core || !Array.isArray(types)) continue;
        for (const type of types) if (typeof type === 'string' && /^[\w-]{1,64}$/.test(type)) targets.push(`${name}[type eq "${type}"].value`);
        continue;
      }
      for (const sub of subs) targets.push(`${prefix}${name}.${String(sub.name)}`);
    }
  }
  return targets;
}
