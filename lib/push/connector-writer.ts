import type { Knex } from 'knex';
import { engineMessage, type EngineMessage } from '../i18n/engine-message.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { RunOperation } from '../runs/run-store.js';
import { URN } from '../scim/urns.js';
import { bodyHash, type ScimBody } from './bodies.js';
import { RemoteConflictError, RemoteNotFoundError, RemoteRejectedError } from './client/errors.js';
import type { Connector, ConnectorObject, Placement, RemoteRef } from './connector.js';
import { diffBodies, type AttributeChanges } from './diff.js';
import type { LinkStore } from './links-store.js';
import { failedOutcome, keptLink, linkedElsewhere, type ObjectOutcome, type ObjectWork, type PushTarget } from './object-pusher.js';
import type { MemberWriter, ObjectWriter, RunReconciler } from './object-writer.js';
import { ConnectorMembers } from './connector-members.js';
import { objectOf, placementOf } from './connector-objects.js';
import { ConnectorReconciler } from './connector-reconciler.js';
import type { RemoteMatch, RunRequest } from './remote-match.js';

/** The connector a writer drives: the source's shared one, or a dry run's own (made on first use, closed on release). */
export interface ConnectorHandle {
  get(): Connector;
  close(): Promise<void>;
}

export interface ConnectorWriterDeps {
  knex: Knex;
  links: LinkStore;
  mirror: MirrorReader;
}

/**
 * Any `Connector` behind the writer seam: the engine's works (SCIM-shaped bodies, after scope and
 * mappings) become connector calls. An object with a link is moved first (a no-op when it is in
 * place: a new parent or name is a modifyDN, never delete-and-create), then updated with what
 * changed since it was last sent; one without is looked up by the connector's matching attribute
 * and adopted, else created; a link whose remote object is gone is created again. The link keeps
 * the connector's stable id (`entryUUID`, `objectGUID`) and the body sent, as for SCIM.
 */
export class ConnectorWriter implements ObjectWriter {
  readonly pushesOrgs = true;
  /** A dry run records its operations in order: one object at a time, so each outcome gets its own. */
  #dryRunQueue: Promise<unknown> = Promise.resolve();
  /**
   * A dry run of a reconciling sync: the objects the downstream lost, by their old remote id, and
   * what the run would create for them. Nothing is linked in a dry run, so the bodies of their
   * children still name the old ids; these stand in, so the children are placed under them.
   */
  readonly #lost = new Map<string, string>();
  readonly #standIns = new Map<string, RemoteRef>();

  constructor(
    private readonly handle: ConnectorHandle,
    private readonly target: PushTarget,
    private readonly deps: ConnectorWriterDeps,
  ) {}

  get protocol(): string {
    return this.handle.get().protocol;
  }

  get userMatchAttribute(): string {
    return this.handle.get().userMatchAttribute ?? 'id';
  }

  get connection(): object {
    return this.handle.get();
  }

  async prepare(): Promise<void> {}

  /** Bodies carry every extension: the connector reads what it maps (the primary org, the employee number). */
  async userExtensions(): Promise<string[] | undefined> {
    return undefined;
  }

  /** The page's creates looked up together where the connector can (`lookupMany`); the rest look themselves up in `push`. */
  async matchUnlinked(works: readonly ObjectWork[], run: RunRequest): Promise<Map<ObjectWork, RemoteMatch>> {
    const connector = this.handle.get();
    const matches = new Map<ObjectWork, RemoteMatch>();
    const creates = works.filter((work) => work.body !== null && !work.link?.remoteId);
    if (!connector.lookupMany || creates.length === 0) return matches;
    const found = await run(() => connector.lookupMany!(creates.map((work) => objectOf(work.kind, work.localId, work.body!))));
    creates.forEach((work, index) => {
      const ref = found[index];
      if (ref === null) matches.set(work, { type: 'none' });
      else if (ref) matches.set(work, { type: 'found', remoteId: ref.id, attribute: this.userMatchAttribute });
    });
    return matches;
  }

  push(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome> {
    if (!this.target.dryRun) return this.#push(work, match);
    const next = this.#dryRunQueue.then(() => this.#planned(work, match));
    this.#dryRunQueue = next.catch(() => undefined);
    return next;
  }

  reconciler(): RunReconciler {
    return new ConnectorReconciler(this);
  }

  async probe(): Promise<void> {
    for await (const _page of this.handle.get().list('org', { pageSize: 1 })) break;
  }

  locationOf(_kind: ObjectKind, remoteId: string): string | null {
    return remoteId;
  }

  memberWriter(): MemberWriter | null {
    const connector = this.handle.get();
    return connector.setMembers ? new ConnectorMembers(connector, this.target, this.deps) : null;
  }

  release(): Promise<void> {
    return this.handle.close();
  }

  /** A reconciling run found the object gone from the downstream: it is created again. */
  lost(work: ObjectWork, remoteId: string): void {
    if (this.target.dryRun) this.#lost.set(work.localId, remoteId);
  }

  #standFor(work: ObjectWork, ref: RemoteRef): void {
    const lost = this.target.dryRun ? this.#lost.get(work.localId) : undefined;
    if (lost) this.#standIns.set(lost, ref);
  }

  #standIn(placement: Placement): Placement {
    const standIn = placement.parent && this.#standIns.get(placement.parent.id);
    return standIn ? { parent: standIn } : placement;
  }

  /** Every object of both kinds the connector lists, by id, with its digest where the connector makes one: a reconciling run's view. */
  async remoteDigests(): Promise<Map<string, string | undefined>> {
    const connector = this.handle.get();
    const digests = new Map<string, string | undefined>();
    for (const kind of ['org', 'user'] as const) for await (const page of connector.list(kind)) for (const object of page) digests.set(object.ref.id, connector.digestOf?.(object));
    return digests;
  }

  /**
   * Whether the downstream's copy (its digest) has drifted: it holds neither what this work wants
   * nor what was last sent. False when the connector cannot tell.
   */
  async drifted(work: ObjectWork, digest: string | undefined): Promise<boolean> {
    const connector = this.handle.get();
    if (digest === undefined || !connector.digestFor) return false;
    const digestOf = (body: ScimBody) => connector.digestFor!(objectOf(work.kind, work.localId, body), this.#standIn(placementOf(work.kind, body)));
    try {
      if (digest === (await digestOf(work.body!))) return false;
      // What was last sent, unchanged there: the update of what changed since is all it needs.
      return !work.link?.sent || digest !== (await digestOf(work.link.sent));
    } catch {
      // Its place cannot be worked out (a parent gone too): the push repairs or reports it.
      return true;
    }
  }

  async #push(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome> {
    if (work.body === null) return this.#deprovision(work);
    const body = work.body;
    const hash = bodyHash(body);
    const link = work.link;
    if (link?.remoteId && link.hash === hash) return { work, operation: 'skip', result: 'skipped' };
    const operation: RunOperation = link?.remoteId ? 'update' : 'create';
    const changes = operation === 'update' ? diffBodies(link!.sent, body) : {};
    const desired = objectOf(work.kind, work.localId, body);
    const placement = this.#standIn(placementOf(work.kind, body));
    try {
      if (link?.remoteId) {
        try {
          const ref = await this.#converge({ id: link.remoteId }, link.sent, desired, placement);
          return success(work, 'update', ref, body, hash, changes);
        } catch (error) {
          if (!(error instanceof RemoteNotFoundError)) throw error;
          // Gone on the downstream: created again (or adopted, when someone put a twin there).
          const outcome = await this.#createOrAdopt(work, desired, placement, body, hash);
          return { ...outcome, resetMembers: true, note: outcome.note ?? engineMessage('engine.note.recreated') };
        }
      }
      return await this.#createOrAdopt(work, desired, placement, body, hash, match);
    } catch (error) {
      return failedOutcome(work, operation, error, changes);
    }
  }

  async #createOrAdopt(work: ObjectWork, desired: ConnectorObject, placement: Placement, body: ScimBody, hash: string, match?: RemoteMatch): Promise<ObjectOutcome> {
    const connector = this.handle.get();
    const found = match?.type === 'found' ? { id: match.remoteId } : match?.type === 'none' ? null : await connector.lookup(desired, placement);
    if (found) return this.#adopt(work, found, desired, placement, body, hash, engineMessage('engine.note.matchedAdopted'));
    try {
      const { ref } = await connector.create(desired, placement);
      this.#standFor(work, ref);
      return success(work, 'create', ref, body, hash, {});
    } catch (error) {
      if (!(error instanceof RemoteConflictError)) throw error;
      // Something sits where the object goes but did not match: adopt it only if a look-up finds it now.
      const again = await connector.lookup(desired, placement);
      if (!again) throw new RemoteRejectedError(engineMessage('engine.connector.notAdoptable', { ...error.engineMessage.params }), error);
      return this.#adopt(work, again, desired, placement, body, hash, engineMessage('engine.note.adoptedConflict'));
    }
  }

  async #adopt(work: ObjectWork, ref: RemoteRef, desired: ConnectorObject, placement: Placement, body: ScimBody, hash: string, note: EngineMessage): Promise<ObjectOutcome> {
    const holder = await this.target.claimRemote(work.kind, ref.id, work.localId);
    if (holder !== undefined) throw linkedElsewhere(work, ref.id, holder);
    this.#standFor(work, ref);
    // What the adopted entry holds is not known: every mapped attribute is written.
    const adopted = await this.#converge(ref, null, desired, placement);
    return { ...success(work, 'update', adopted, body, hash, diffBodies(null, body)), note, resetMembers: true };
  }

  /** Puts the object where it belongs, then writes what changed since `sent` (everything when null). */
  async #converge(ref: RemoteRef, sent: ScimBody | null, desired: ConnectorObject, placement: Placement): Promise<RemoteRef> {
    const connector = this.handle.get();
    const moved = await connector.move(ref, desired, placement);
    const previous = sent ? objectOf(desired.kind, desired.data.id, sent) : null;
    return (await connector.update(moved.ref, previous, desired, placement)).ref;
  }

  /** The host no longer has the object: the source's policy (disable, delete or leave). */
  async #deprovision(work: ObjectWork): Promise<ObjectOutcome> {
    const action = work.kind === 'user' ? this.target.policy.deprovision.users : this.target.policy.deprovision.orgs;
    const link = work.link;
    if (!link?.remoteId) return { work, operation: 'skip', result: 'skipped', link: link ? { type: 'remove' } : undefined, note: engineMessage('engine.note.notOnDownstream') };
    if (action === 'leave') return { work, operation: 'skip', result: 'skipped', note: engineMessage('engine.note.left'), link: keptLink(link, 'left') };
    if (action === 'disable' && link.sent?.active === false) return { work, operation: 'skip', result: 'skipped', note: engineMessage('engine.note.alreadyDisabled') };
    const operation: RunOperation = action === 'disable' ? 'disable' : 'delete';
    const changes: AttributeChanges = action === 'disable' ? { active: { old: link.sent?.active ?? true, new: false } } : {};
    const connector = this.handle.get();
    const ref = { id: link.remoteId };
    try {
      if (action === 'delete') {
        await connector.delete(ref, work.kind).catch((error: unknown) => {
          if (!(error instanceof RemoteNotFoundError)) throw error; // already gone is what we wanted
        });
        return { work, operation, result: 'succeeded', method: 'delete', path: ref.id, link: { type: 'remove' }, resetMembers: true };
      }
      const disabled: ScimBody = { ...(link.sent ?? work.identity ?? { schemas: [URN.user] }), active: false };
      try {
        const result = await connector.disable(ref, objectOf('user', work.localId, disabled), placementOf('user', disabled));
        return success(work, 'disable', result.ref, disabled, bodyHash(disabled), changes, 'disabled');
      } catch (error) {
        if (error instanceof RemoteNotFoundError) return { work, operation, result: 'succeeded', note: engineMessage('engine.note.alreadyGone'), link: { type: 'remove' }, resetMembers: true };
        throw error;
      }
    } catch (error) {
      return failedOutcome(work, operation, error, changes);
    }
  }

  /**
   * A dry run: the same calls on a recording connector (reads go to the directory, writes are
   * only recorded), so the outcome says what would be sent, in the protocol's own text (LDIF),
   * and no link changes.
   */
  async #planned(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome> {
    const connector = this.handle.get();
    const before = connector.preview().length;
    const outcome = await this.#push(work, match);
    const recorded = connector.preview().slice(before).trim();
    if (outcome.result !== 'succeeded') return { ...outcome, link: undefined };
    const planned: ObjectOutcome = { work, operation: outcome.operation, result: 'planned', changes: outcome.changes ?? null, method: outcome.method ?? null, path: outcome.path ?? null };
    return recorded ? { ...planned, note: engineMessage('engine.connector.wouldApply', { operations: recorded }) } : planned;
  }
}

function success(work: ObjectWork, operation: RunOperation, ref: RemoteRef, body: ScimBody, hash: string, changes: AttributeChanges, status: 'synced' | 'disabled' = 'synced'): ObjectOutcome {
  return {
    work,
    operation,
    result: 'succeeded',
    method: operation === 'create' ? 'add' : 'modify',
    path: ref.location ?? ref.id,
    changes,
    link: { type: 'success', value: { kind: work.kind, localId: work.localId, remoteId: ref.id, hash, sent: body, objectName: work.name, status } },
  };
}
