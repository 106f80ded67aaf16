import type { Knex } from 'knex';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { LinkStore } from './links-store.js';
import type { ObjectOutcome, ObjectWork } from './object-pusher.js';
import type { Semaphore } from './client/rate-limit.js';
import type { RemoteMatch, RunRequest } from './remote-match.js';

/**
 * The protocol seam as the engine's phases see it. The engine (feed, batches, tree order, links,
 * runs, checkpoints, holds, retries, quarantine) builds `ObjectWork`s and hands each to the
 * source's writer; the writer owns the wire. Two exist: SCIM's (`scim-writer.ts`, the HTTP
 * client with batched matching, PATCH/PUT and discovery) and one for any `Connector`
 * (`connector-writer.ts`, LDAP/AD today), so a new protocol implements `Connector` and gets the
 * whole engine.
 */
export interface ObjectWriter {
  /** `scim`, `ldap`, `ad`: for logs and the console. */
  readonly protocol: string;
  /** What an unlinked user is looked up by (SCIM `userName`, LDAP `uid`…), for what the console says. */
  readonly userMatchAttribute: string;
  /** Orgs are written (SCIM: the source has an Org URL; a connector: always, its tree). */
  readonly pushesOrgs: boolean;
  /** The connection behind it (SCIM client, connector): a check made once per connection is keyed on it. */
  readonly connection: object;
  /** Checks that the downstream can take what this source sends; a `StopSyncError` when it cannot. */
  prepare(): Promise<void>;
  /** The user extensions the downstream knows (SCIM discovery); undefined: send every one. */
  userExtensions(): Promise<string[] | undefined>;
  /** Looks up, in batches where the protocol can, the works that would be created. */
  matchUnlinked(works: readonly ObjectWork[], run: RunRequest): Promise<Map<ObjectWork, RemoteMatch>>;
  /** Brings one object to its desired state (no database I/O: the caller writes the outcome). */
  push(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome>;
  /** A reconciling run's view of the downstream's real state. */
  reconciler(context: ReconcileContext): RunReconciler;
  /** A cheap authenticated read: throws when the downstream does not answer. */
  probe(): Promise<void>;
  /** What a planned deletion's log row points at (a path, a DN); null when unknown. */
  locationOf(kind: ObjectKind, remoteId: string): string | null;
  /**
   * Group memberships the writer keeps itself (a connector's groups), told which objects changed
   * and written once at the end; null when there are none (SCIM Groups use the member deltas).
   */
  memberWriter(): MemberWriter | null;
  /** Ends what this writer opened for one run (a dry run's recording connector). */
  release(): Promise<void>;
}

export interface ReconcileContext {
  knex: Knex;
  semaphore: Semaphore;
  links: LinkStore;
}

/**
 * What a reconciling run (manual or scheduled sync) does before sending: reads the downstream's
 * copies of a page's linked objects and turns each work into what repairs it; `push` then sends
 * the works it returned.
 */
export interface RunReconciler {
  observe(works: readonly ObjectWork[]): Promise<ObjectWork[]>;
  push(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome>;
}

export interface MemberWriter {
  /** These outcomes' objects may have joined or left groups. */
  note(outcomes: readonly ObjectOutcome[]): void;
  /** Every group is written (a full sync). */
  noteAll(): void;
  /** Writes the groups noted, one write per group; the outcomes are logged like any. */
  flush(): Promise<ObjectOutcome[]>;
}
