import { COMMON_ATTRIBUTES, type AttributeDef, type SchemaDef } from './schemas/attribute.js';
import { GROUP_SCHEMA_DEF, ORGANIZATION_SCHEMA_DEF } from './schemas/org-schemas.js';
import { ENTERPRISE_USER_SCHEMA_DEF, USER_ORGS_SCHEMA_DEF, USER_SCHEMA_DEF } from './schemas/user-schemas.js';

export type ResourceTypeName = 'User' | 'Organization' | 'Group';

export interface ResourceTypeDef {
  name: ResourceTypeName;
  /** Relative to the SCIM base, e.g. `/Users`. */
  endpoint: string;
  description: string;
  schema: SchemaDef;
  extensions: SchemaDef[];
}

export const USER_TYPE: ResourceTypeDef = {
  name: 'User',
  endpoint: '/Users',
  description: 'Users of the host directory',
  schema: USER_SCHEMA_DEF,
  extensions: [ENTERPRISE_USER_SCHEMA_DEF, USER_ORGS_SCHEMA_DEF],
};

export const ORGANIZATION_TYPE: ResourceTypeDef = {
  name: 'Organization',
  endpoint: '/Organizations',
  description: 'The organization tree of the host directory',
  schema: ORGANIZATION_SCHEMA_DEF,
  extensions: [],
};

export const GROUP_TYPE: ResourceTypeDef = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Organizations as groups of their direct users, for clients that know only Users and Groups',
  schema: GROUP_SCHEMA_DEF,
  extensions: [],
};

export const RESOURCE_TYPES: readonly ResourceTypeDef[] = [USER_TYPE, ORGANIZATION_TYPE, GROUP_TYPE];

export const ALL_SCHEMAS: readonly SchemaDef[] = [USER_SCHEMA_DEF, ENTERPRISE_USER_SCHEMA_DEF, USER_ORGS_SCHEMA_DEF, ORGANIZATION_SCHEMA_DEF, GROUP_SCHEMA_DEF];

/** An attribute path resolved against a resource type's schemas. */
export interface ResolvedPath {
  /** The schema the attribute belongs to; '' for the common attributes (id, externalId, meta). */
  schema: string;
  attribute: AttributeDef;
  sub?: AttributeDef;
  /** Canonical spelling: `name.givenName`, or `<extension urn>:manager.value` for extensions. */
  key: string;
}

/**
 * Resolves `name.givenName`, `urn:…:User:userName`, `urn:…:enterprise:2.0:User:manager.value`
 * or `meta.lastModified`. Attribute names and URNs compare case-insensitively (RFC 7643 §2.1).
 * Returns `{ wholeSchema }` when the path names an extension schema itself.
 */
export function resolvePath(type: ResourceTypeDef, path: string): ResolvedPath | { wholeSchema: SchemaDef } | undefined {
  const lower = path.toLowerCase();
  let schema: SchemaDef | undefined;
  let rest = path;
  if (lower.startsWith('urn:')) {
    const schemas = [type.schema, ...type.extensions].sort((a, b) => b.id.length - a.id.length);
    schema = schemas.find((candidate) => lower === candidate.id.toLowerCase() || lower.startsWith(`${candidate.id.toLowerCase()}:`));
    if (!schema) return undefined;
    if (lower === schema.id.toLowerCase()) return schema === type.schema ? undefined : { wholeSchema: schema };
    rest = path.slice(schema.id.length + 1);
  }
  const [name, subName, ...more] = rest.split('.');
  if (!name || more.length > 0) return undefined;
  const candidates: Array<{ schema: SchemaDef | undefined; attribute: AttributeDef }> = [];
  const searchIn = schema ? [schema] : [type.schema];
  for (const candidateSchema of searchIn) {
    for (const attribute of candidateSchema.attributes) candidates.push({ schema: candidateSchema, attribute });
  }
  if (!schema || schema === type.schema) for (const attribute of COMMON_ATTRIBUTES) candidates.push({ schema: undefined, attribute });
  const found = candidates.find(({ attribute }) => attribute.name.toLowerCase() === name.toLowerCase());
  if (!found) return undefined;
  let sub: AttributeDef | undefined;
  if (subName !== undefined) {
    sub = found.attribute.subAttributes?.find((candidate) => candidate.name.toLowerCase() === subName.toLowerCase());
    if (!sub) return undefined;
  }
  const isExtension = found.schema !== undefined && found.schema !== type.schema;
  const local = sub ? `${found.attribute.name}.${sub.name}` : found.attribute.name;
  return {
    schema: found.schema?.id ?? '',
    attribute: found.attribute,
    sub,
    key: isExtension ? `${found.schema!.id}:${local}` : local,
  };
}
