import type { Awaitable } from './types.js';

/** A multi-valued contact (email or phone) as the host holds it. */
export interface DirectoryContact {
  value: string;
  /** `work`, `home`, `mobile`, `other`, or the host's own word. */
  type?: string;
  primary?: boolean;
}

/** The canonical user the host hands the center. Only `id` and `userName` are required. */
export interface DirectoryUser {
  /** The host's stable id. Never reused for another person. */
  id: string;
  /** Unique login name; SCIM `userName`. */
  userName: string;
  displayName?: string | null;
  name?: {
    givenName?: string | null;
    familyName?: string | null;
    middleName?: string | null;
    formatted?: string | null;
    honorificPrefix?: string | null;
    honorificSuffix?: string | null;
  } | null;
  emails?: DirectoryContact[] | null;
  phoneNumbers?: DirectoryContact[] | null;
  /** Defaults to true. A deactivated user stays in the directory and syncs as `active: false`. */
  active?: boolean | null;
  title?: string | null;
  employeeNumber?: string | null;
  /** The host id of this user's manager. */
  managerId?: string | null;
  /** Every org the user belongs to. */
  orgIds?: string[] | null;
  /** The main org; must be one of `orgIds`. Defaults to the first of them. */
  primaryOrgId?: string | null;
  externalId?: string | null;
  locale?: string | null;
  preferredLanguage?: string | null;
  /** When the host last changed the user; informational (the mirror keeps its own clock). */
  updatedAt?: Date | string | null;
  /**
   * The host's extra fields (cost centre, badge number…): not sent as such, but readable by a
   * source's attribute mappings as `[extra.<name>]`. Names: letters, digits, `_`, `-`; numbers are
   * stored as text; null and empty values are left out.
   */
  attributes?: Record<string, string | number | boolean | string[] | null> | null;
}

/** The canonical organisation (department) node. */
export interface DirectoryOrg {
  id: string;
  name: string;
  /** The parent org's id; null or absent for a root. */
  parentId?: string | null;
  /** Sibling order, ascending. Defaults to 0. */
  order?: number | null;
  /** A short code the host uses for the org (department number). */
  code?: string | null;
  updatedAt?: Date | string | null;
}

/** One page of a host listing. `nextCursor` absent or null ends the listing. */
export interface DirectoryPage<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface DirectoryPageRequest {
  /** The cursor the previous page returned; absent for the first page. */
  cursor?: string;
  /** How many items the center would like; the host may return fewer or more. */
  limit: number;
}

/**
 * What the host implements so the center can fill and repair its mirror. Pages let the center
 * stream a directory of any size without holding it in memory.
 */
export interface Directory {
  listUsers(request: DirectoryPageRequest): Awaitable<DirectoryPage<DirectoryUser>>;
  listOrgs(request: DirectoryPageRequest): Awaitable<DirectoryPage<DirectoryOrg>>;
  /** Optional: one user by id (null when gone). Used to refresh a single object. */
  getUser?(id: string): Awaitable<DirectoryUser | null>;
  /** Optional: one org by id (null when gone). */
  getOrg?(id: string): Awaitable<DirectoryOrg | null>;
}
