/**
 * SCIM schema URNs, plain constants: the SCIM server (pull) and the SCIM client (push) both use
 * them. Our own schemas live under `urn:scim-sync-center:…`, never in the IETF namespace.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The user's org links: `primaryOrgId` and `orgIds`. */
export const USER_ORGS_SCHEMA = 'urn:scim-sync-center:params:scim:schemas:extension:2.0:UserOrgs';
/** Our Organization resource: displayName, code, parent, order, externalId. */
export const ORGANIZATION_SCHEMA = 'urn:scim-sync-center:params:scim:schemas:core:2.0:Organization';
/**
 * The reference product's compatible org shape, for push sources set to `compat`: plain
 * attributes `name`, `parentId`, `order`, `code`, `externalId`.
 */
export const COMPAT_ORGANIZATION_SCHEMA = 'urn:scim-sync-center:params:scim:schemas:compat:2.0:Department';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
