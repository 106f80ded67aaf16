import type { LdapSettings } from './ldap-destination.js';

export type SourceMode = 'push' | 'pull';
/**
 * The downstream's protocol. `ldap` is a push destination only (OpenLDAP or Active Directory, by
 * `push.ldap.profile`); its connection settings are `push.ldap`, and the SCIM fields of
 * `PushSettings` (`auth`, `userUrl`, `orgUrl`, `orgResource`, `matching`) do not apply to it.
 */
export type SourceProtocol = 'scim' | 'ldap';
export type PushAuth = 'bearer' | 'oauth2' | 'basic';
/** How a push source's Org URL receives orgs: our Organization schema, the reference product's shape, or SCIM Groups. */
export type OrgResourceShape = 'organization' | 'compat' | 'group';
export type SourceStatus = 'enabled' | 'disabled' | 'quarantined';
/** What happens downstream to a user that leaves the host: `active: false`, DELETE, or nothing. */
export type UserDeprovision = 'disable' | 'delete' | 'leave';
/** Orgs have no `active` in SCIM (Groups, our Organization): they are deleted or left. */
export type OrgDeprovision = 'delete' | 'leave';

/** How an unlinked user finds its twin on the downstream before a create: by userName, our externalId, or the work e-mail. */
export type UserMatch = 'userName' | 'externalId' | 'email';
/** How an unlinked org finds its twin: by our externalId then by name under the same parent, or by externalId only. */
export type OrgMatch = 'externalIdThenName' | 'externalId';

/** Matching before creating, per kind (the org setting covers every org shape, Groups included). */
export interface MatchingPolicy {
  users: UserMatch;
  orgs: OrgMatch;
}

export interface DeprovisionPolicy {
  users: UserDeprovision;
  orgs: OrgDeprovision;
}

/**
 * A run or a delivery batch that would delete (or disable) more than this waits for an admin.
 * Either bound may be set; exceeding either pauses.
 */
export interface DeletionThreshold {
  /** More than this many deletions pause. */
  count?: number;
  /** More than this share (0–100) of the objects linked on the downstream pause. */
  percent?: number;
}

/** Which orgs a scoped push sends: the subtrees alone, or their ancestors too (so the tree keeps its root). */
export type ScopeOrgs = 'subtrees' | 'withAncestors';

/**
 * Who a source covers: the users in the subtrees of `orgIds` (everyone when empty) that match
 * `userFilter`, a SCIM filter over the user (`active eq true and title co "Engineer"`).
 */
export interface SourceScope {
  /** Org ids whose subtrees are in scope; empty means the whole directory. */
  orgIds: string[];
  /** A SCIM filter (RFC 7644 §3.4.2.2) over the user's attributes; null or empty for none. @default null */
  userFilter?: string | null;
  /** Push only: which orgs are sent for a subtree in scope. @default 'subtrees' */
  orgs?: ScopeOrgs;
}

/** One row of a source's mapping table: a downstream attribute and the expression that fills it. */
export interface AttributeMapping {
  /** The downstream attribute, in SCIM notation (see lib/mappings/target-path.ts). */
  target: string;
  expression: string;
  /** `create`: sent when the user is created, then left to the downstream. @default 'always' */
  apply?: 'always' | 'create';
  /**
   * When the value becomes empty: clear the attribute on the downstream (a PATCH `remove`; left
   * out of a PUT). Without it an empty value leaves the downstream's value as it is. @default false
   */
  clearWhenEmpty?: boolean;
}


/** Push parameters as stored and shown. Secrets are never part of it: see `PushSecretsInput`. */
export interface PushSettings {
  auth: PushAuth;
  /** OAuth 2.0 client id, or the HTTP Basic user name. */
  clientId?: string;
  /** OAuth 2.0 token endpoint (client credentials grant). */
  tokenUrl?: string;
  userUrl: string;
  /** Empty: orgs are not pushed (users still carry their org ids in our extension). */
  orgUrl?: string;
  orgResource: OrgResourceShape;
  /** How unlinked objects are looked up on the downstream before a create. @default { users: 'userName', orgs: 'externalIdThenName' } */
  matching?: MatchingPolicy;
  /** Deprovisioning per kind. @default { users: 'disable', orgs: 'delete' } */
  deprovision?: DeprovisionPolicy;
  /** null: never pause for deletions. @default { count: 100 } */
  deletionThreshold?: DeletionThreshold | null;
  /** Requests in flight to this downstream, 1–64. @default the center's `push.concurrency` (4) */
  concurrency?: number;
  /** Requests per second to this downstream; null for no cap (a 429 still slows us down). @default null */
  rateLimit?: number | null;
  /** Cron expression of the periodic full reconcile; null for none. @default '0 3 * * *' (nightly) */
  schedule?: string | null;
  /** Who is pushed. @default { orgIds: [] } (the whole directory) */
  scope?: SourceScope;
  /**
   * The user attribute mappings, applied after the host's `mapUser`; null or absent for the
   * defaults (`DEFAULT_USER_MAPPINGS`, today's bodies exactly). @default null
   */
  userMappings?: AttributeMapping[] | null;
  /** The LDAP/AD destination's settings: present exactly when the source's protocol is `ldap`. */
  ldap?: LdapSettings;
}

/** Secrets an admin enters for a push source. Absent or empty means "keep what is stored". */
export interface PushSecretsInput {
  /** Bearer token. */
  token?: string;
  /** OAuth 2.0 client secret, or the HTTP Basic password. */
  clientSecret?: string;
  /** An LDAP destination's bind password. */
  bindPassword?: string;
}

export interface PullSettings {
  /** Org ids whose subtrees this source may see; empty means the whole directory. */
  scopeOrgIds: string[];
  /** A SCIM filter over the user: the puller sees only the users it matches (see `SourceScope`). @default null */
  userFilter?: string | null;
}

/** A source as the API and the console see it. Holds no secret, encrypted or not. */
export interface Source {
  id: string;
  name: string;
  description: string;
  protocol: SourceProtocol;
  mode: SourceMode;
  enabled: boolean;
  status: SourceStatus;
  quarantine: { at: string; reason: string } | null;
  push: (PushSettings & { hasToken: boolean; hasClientSecret: boolean; hasBindPassword: boolean }) | null;
  pull: (PullSettings & { clientId: string; credentialsRotatedAt: string | null }) | null;
  lastSync: { at: string; status: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** Pull credentials, returned once at creation or regeneration and never again. */
export interface PullCredentials {
  clientId: string;
  clientSecret: string;
  token: string;
}

export interface CreateSourceInput {
  name: string;
  description?: string;
  /** `ldap` needs mode `push` and `push.ldap` (and `push.bindPassword`). @default 'scim' */
  protocol?: SourceProtocol;
  mode: SourceMode;
  push?: PushSettingsInput;
  pull?: Partial<PullSettings>;
}

/** Push settings as entered: any field may be left out (kept or defaulted), an LDAP destination's too; secrets with them. */
export type PushSettingsInput = Omit<Partial<PushSettings>, 'ldap'> & { ldap?: Partial<LdapSettings> } & PushSecretsInput;

/** The mode cannot change after creation; everything else can. */
export interface UpdateSourceInput {
  name?: string;
  description?: string;
  push?: PushSettingsInput;
  pull?: Partial<PullSettings>;
}

/** Who did it, for the audit log. */
export interface ActorOption {
  actor?: string;
}
