import type { EngineMessage } from '../i18n/engine-message.js';
import type { MirrorOrgData, MirrorUserData } from '../mirror/normalize.js';

/**
 * The protocol-neutral seam between the push engine and a downstream protocol (SCIM, LDAP, …).
 *
 * The engine owns ordering, coalescing, links, runs, holds, retries, rate limits and quarantine;
 * a connector owns the wire: how an object becomes the downstream's entry, how it is found, moved,
 * disabled and removed. A connector keeps no run state and writes no table; what it must
 * remember about a remote object it returns as a `RemoteRef`, which the engine stores in its link
 * and hands back on every later call.
 *
 * Failures are the engine's error classes (`lib/push/client/errors.ts`), one per decision:
 * `TransientPushError` (retry later), `RemoteNotFoundError` (the linked object is gone: drop the
 * link, create again), `RemoteConflictError` (it exists already: `lookup` and adopt),
 * `RemoteRejectedError` (refused for good: log this object and go on), `StopSyncError` (bad
 * credentials, missing rights, a configuration that cannot work: stop the run). A connector never
 * puts a secret in an error or a message.
 */
export type ConnectorKind = 'user' | 'org';

/** A mirror object as the engine hands it over (already scoped and mapped by the engine). */
export type ConnectorObject = { kind: 'user'; data: MirrorUserData } | { kind: 'org'; data: MirrorOrgData };

/** What the engine keeps in its link for one remote object. */
export interface RemoteRef {
  /** The downstream's own stable id: the SCIM `id`, LDAP `entryUUID`, AD `objectGUID`. Survives moves and renames. */
  id: string;
  /**
   * Where the object was last seen (an LDAP DN, a SCIM location). Only a hint: it goes stale when
   * a parent moves, and the connector finds the object again by `id` when it does.
   */
  location?: string;
}

/** Where an object belongs, as links the engine already holds. */
export interface Placement {
  /**
   * The link of the parent org: an org's parent, a user's primary org. Absent for a top-level org
   * or a user without an org. The engine guarantees it exists: it writes orgs in tree order
   * (parents first) and users after their orgs.
   */
  parent?: RemoteRef;
}

export interface WriteResult {
  ref: RemoteRef;
  /** False when the downstream already matched (nothing was sent). */
  changed: boolean;
}

/** One object as the downstream has it, for reconciliation. */
export interface RemoteObject {
  kind: ConnectorKind;
  ref: RemoteRef;
  /** The value of the matching attribute (the LDAP naming value, `mail`, a SCIM `userName`), if it has one. */
  matchValue?: string;
  /** Its attributes as the downstream returned them (names in lower case). */
  attributes: Record<string, string[]>;
}

export interface ConnectorCheck {
  /** A short stable name (`bind`, `baseDn`, `write` for LDAP). */
  name: string;
  ok: boolean;
  /** Did not apply (neither pass nor fail), e.g. the writes after a failed bind. */
  skipped?: boolean;
  /** What was found or what went wrong, in the admin's language when rendered; never a secret. */
  detail: EngineMessage;
}

export interface ConnectorTestResult {
  ok: boolean;
  checks: ConnectorCheck[];
}

/**
 * What the engine drives. Every write is idempotent where the protocol allows it: called again
 * with the same arguments after a crash, it converges rather than duplicating.
 */
export interface Connector {
  /** `scim`, `ldap`, `ad`: for logs and the console. */
  readonly protocol: string;
  /** Optional: the attribute `lookup` finds a user by (LDAP `uid`, `mail`; AD `sAMAccountName`), for what the console says. */
  readonly userMatchAttribute?: string;

  /**
   * Creates the object under `placement.parent`. A `RemoteConflictError` means it exists already:
   * the engine calls `lookup` and adopts what it finds (then `update`s it).
   */
  create(object: ConnectorObject, placement: Placement): Promise<WriteResult>;

  /**
   * Sends what differs between `previous` (what was last sent; null when unknown, e.g. after an
   * adoption, and then everything is sent) and `desired`: only the changed attributes. It does
   * not move or rename: the engine calls `move` first when the parent or the name may have changed.
   */
  update(ref: RemoteRef, previous: ConnectorObject | null, desired: ConnectorObject, placement: Placement): Promise<WriteResult>;

  /**
   * Puts the object where `desired` and `placement` say (new parent, new name) without deleting
   * and creating it: for an org, its subtree moves with it. A no-op (`changed: false`) when it is
   * there already, so the engine may call it on every upsert of a linked object.
   */
  move(ref: RemoteRef, desired: ConnectorObject, placement: Placement): Promise<WriteResult>;

  /** Deprovisions a user without deleting it (the connector's disable policy); `enable` is an `update` with `active: true` and a `move`. */
  disable(ref: RemoteRef, desired: ConnectorObject, placement: Placement): Promise<WriteResult>;

  /**
   * Deletes the object. The engine deletes leaves first (users, then orgs deepest first), so an
   * org is empty of what the center wrote when it is deleted. A `RemoteNotFoundError` means it is
   * gone already, which the engine counts as done.
   */
  delete(ref: RemoteRef, kind: ConnectorKind): Promise<void>;

  /** Finds an unlinked object by the matching attribute the source chose; null when there is none. */
  lookup(object: ConnectorObject, placement: Placement): Promise<RemoteRef | null>;

  /**
   * Optional: `lookup` for many objects in a few requests (before a page of creates). Each answer:
   * the object found, null when there is none, undefined when this cannot say (then `lookup`).
   */
  lookupMany?(objects: readonly ConnectorObject[]): Promise<Array<RemoteRef | null | undefined>>;

  /** Everything of `kind` the center manages on the downstream, a page at a time, for reconciliation. */
  list(kind: ConnectorKind, options?: { pageSize?: number }): AsyncIterable<RemoteObject[]>;

  /**
   * Optional, for reconciling runs: a digest of what the center manages about an object (its
   * place and the attributes it writes), from a listed copy (`digestOf`) and from what the
   * engine wants (`digestFor`). Equal digests: nothing to repair; different: the object is moved
   * and all its attributes are written again.
   */
  digestOf?(remote: RemoteObject): string;
  digestFor?(desired: ConnectorObject, placement: Placement): Promise<string>;

  /**
   * Optional (groups): makes the org's group hold exactly these members (direct members, as their
   * links). The engine calls it after the members' own writes.
   */
  setMembers?(org: RemoteRef, desired: ConnectorObject & { kind: 'org' }, members: readonly RemoteRef[]): Promise<WriteResult>;

  /** Checks the connection the way a sync will use it, each step with its own message. Writes nothing that stays. */
  testConnection(): Promise<ConnectorTestResult>;

  /** In a dry run: the operations the calls so far would have applied, in the protocol's own text form (LDIF for LDAP). */
  preview(): string;

  close(): Promise<void>;
}
