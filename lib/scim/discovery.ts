import { resourceUrl, type ScimLocation } from './presenters.js';
import { DEFAULT_COUNT, MAX_COUNT } from './query/list-params.js';
import { CURSOR_TIMEOUT_SECONDS } from './query/page-cursor.js';
import { ALL_SCHEMAS, RESOURCE_TYPES, type ResourceTypeDef } from './resource-types.js';
import type { SchemaDef } from './schemas/attribute.js';
import { URN } from './urns.js';

/**
 * The discovery documents (RFC 7644 §4) describe exactly what this server implements: read-only
 * Users, Organizations and Groups, filter, sort, ETags and index or cursor paging (RFC 9865); no
 * patch, bulk or password change.
 */
export function serviceProviderConfig(location: ScimLocation) {
  return {
    schemas: [URN.serviceProviderConfig],
    documentationUri: 'https://github.com/scim-sync-center/scim-sync-center#pull-mode',
    patch: { supported: false },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865 §4: both paging methods; index paging stays the default for existing pullers.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: DEFAULT_COUNT,
      maxPageSize: MAX_COUNT,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          "The pull source's long-lived token, or an access token from the center's OAuth 2.0 token endpoint (client credentials grant), in the Authorization header.",
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${location.base}/ServiceProviderConfig` },
  };
}

export function resourceTypeDocument(type: ResourceTypeDef, location: ScimLocation) {
  return {
    schemas: [URN.resourceType],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    ...(type.extensions.length > 0 ? { schemaExtensions: type.extensions.map((schema) => ({ schema: schema.id, required: false })) } : {}),
    meta: { resourceType: 'ResourceType', location: resourceUrl(location, '/ResourceTypes', type.name) },
  };
}

export function schemaDocument(schema: SchemaDef, location: ScimLocation) {
  return {
    schemas: [URN.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: resourceUrl(location, '/Schemas', schema.id) },
  };
}

export function findResourceType(name: string): ResourceTypeDef | undefined {
  return RESOURCE_TYPES.find((type) => type.name === name);
}

/** Schema ids are URNs: compared case-insensitively, like attribute names. */
export function findSchema(id: string): SchemaDef | undefined {
  return ALL_SCHEMAS.find((schema) => schema.id.toLowerCase() === id.toLowerCase());
}
