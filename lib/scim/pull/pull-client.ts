/** Who is pulling: the authenticated pull source, as the SCIM routes need it. */
export interface PullClient {
  sourceId: string;
  /** The OAuth client id when an access token was used; null for the long-lived token. */
  clientId: string | null;
  /** The source's scope: org ids whose subtrees it sees; empty means the whole directory. */
  scopeOrgIds: string[];
  /** The source's user filter (a SCIM filter): it sees only the users it matches. */
  userFilter?: string | null;
  /** When the access token stops working (OAuth tokens only). */
  expiresAt?: string;
}
