/** Who is pulling: the authenticated pull source, as the SCIM routes need it. */
export interface PullClient {
  sourceId: string;
  /** The OAuth client id when an access token was used; null for the long-lived token. */
  clientId: string | null;
  /** The source's scope: org ids whose subtrees it sees; empty means the whole directory. */
  scopeOrgIds: string[];
  /** When the access token stops working (OAuth tokens only). */
  expiresAt?: string;
}
