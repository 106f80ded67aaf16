/**
 * Schema URNs. The IETF ones are RFC 7643/7644's; this project's own schemas live under its own
 * namespace, never under `urn:ietf:params`, which only the IETF may assign.
 */
export const URN = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  /** Our Organization resource: displayName, code, parent, order, externalId. */
  organization: 'urn:scim-sync-center:params:scim:schemas:core:2.0:Organization',
  /** The user's org links: `primaryOrgId` and `orgIds`. */
  userOrgs: 'urn:scim-sync-center:params:scim:schemas:extension:2.0:UserOrgs',
  /** The reference product's compatible org shape (push `orgResource: 'compat'`): name, parentId, order, code, externalId. */
  compatDepartment: 'urn:scim-sync-center:params:scim:schemas:compat:2.0:Department',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** The media type of every SCIM response body (RFC 7644 §3.1). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';
