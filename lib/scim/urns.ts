/**
 * Schema URNs. The IETF ones are RFC 7643/7644's; this project's own schemas live under its own
 * namespace, never under `urn:ietf:params`, which only the IETF may assign.
 */
export const URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  organization: 'urn:scim-sync-center:params:scim:schemas:core:2.0:Organization',
  userOrgs: 'urn:scim-sync-center:params:scim:schemas:extension:2.0:UserOrgs',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** The media type of every SCIM response body (RFC 7644 §3.1). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';
