import type { Knex } from 'knex';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import type { MirrorOrg, MirrorUser } from '../../mirror/mirror-rows.js';
import type { MirrorOrgData, MirrorUserData } from '../../mirror/normalize.js';
import type { RunOutcome } from '../../runs/manual-sync.js';
import type { Semaphore } from '../client/rate-limit.js';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import { nameOf } from '../../mirror/mirror-record.js';
import type { ObjectKind } from '../../mirror/mirror-rows.js';
import type { RunStore } from '../../runs/run-store.js';
import { deletingKinds, thresholdExceeded } from '../deletion-hold.js';
import { cancelledAmong, goneDeletions } from '../deletion-plan.js';
import { deletionKey, plannedOperation, type DeletionRef, type HeldDeletions, type PlannedDeletion } from '../held-deletions.js';
import type { LinkStore } from '../links-store.js';
import { scimTargetOf, type ObjectOutcome, type PushTarget } from '../object-pusher.js';
import { deprovisionOrgs, deprovisionUsers, type PhaseContext } from '../phases.js';
import { PURGED } from '../work-builder.js';
import type { PushRunOptions } from './full-sync.js';
import type { RunRecorder } from './run-recorder.js';
import { deprovisionOrphans, findOrphans, type Orphan } from './verify-downstream.js';
import type { PushScope } from '../scope/push-scope.js';

/** What a run's deletion phase uses. */
export interface DeletionDeps {
  knex: Knex;
  mirror: MirrorReader;
  links: LinkStore;
  held: HeldDeletions;
  runs: RunStore;
  runId: number;
  pageSize: number;
  cancelled(): Promise<boolean>;
  dryRun: boolean;
  options: PushRunOptions;
  /**
   * A scoped source's scope: linked objects out of it leave like objects gone from the host (by
   * the policy, within the threshold and the admins' cancels). Null for the whole directory.
   */
  scope?: PushScope | null;
  /** Takes deprovisioned users out of their groups downstream first (group-shaped orgs, any policy but leave). */
  leaveGroups: ((userIds: string[]) => Promise<void>) | null;
}

/**
 * A manual run's last phase: linked objects the host no longer has (and, with verify, downstream
 * objects it never had). Returns an outcome when the run ends here (paused by the threshold,
 * cancelled), null when it goes on to its end.
 *
 * Only objects for which something would change on the downstream count toward the threshold.
 * A paused run lists what it holds as `planned` rows of its log and in `sync_held_deletions`
 * (cancelling the run cancels each of them for good, see HeldDeletions.cancel). Objects whose
 * deprovisioning an admin cancelled are left alone, with a row that says so, until they change.
 */
export async function runDeletions(deps: DeletionDeps, target: PushTarget, semaphore: Semaphore, phase: PhaseContext, recorder: RunRecorder): Promise<RunOutcome | null> {
  const sourceId = target.sourceId;
  const inScope = (kind: 'user' | 'org') => deps.scope?.inScopeQuery(kind);
  const gone = (kind: 'user' | 'org', afterId: string | undefined, limit: number) => deps.links.goneIds(sourceId, kind, afterId, limit, inScope(kind));
  const count = (kind: 'user' | 'org') => deps.links.countGoneLinked(sourceId, kind, inScope(kind));
  // Paging through the downstream for objects the host does not have is SCIM's (a connector's `list` could do it: not built yet).
  const scim = scimTargetOf(target);
  const { orphans: found, cut } = deps.options.verifyDownstream && scim ? await findOrphans(scim, deps.links, deps.cancelled) : { orphans: [] as Orphan[], cut: [] };
  // A listing that could not be read to its end is logged: its missing part was not checked.
  if (cut.length > 0) await recorder.step(async () => cut);
  const cancelledOrphans = await deps.held.stillCancelled(sourceId, found.map((orphan) => orphanRef(orphan)));
  const orphans = found.filter((orphan) => !cancelledOrphans.has(deletionKey(orphanRef(orphan))));
  const kinds = deletingKinds(target.policy);
  const plan = { links: deps.links, mirror: deps.mirror, held: deps.held };
  const orphanPlan = orphans.flatMap((orphan) => plannedOrphan(target, kinds, orphan));
  if (!deps.dryRun && !deps.options.confirmedDeletes) {
    // The raw count first (cheap); objects are looked at one by one only when it is over.
    let raw = orphanPlan.length;
    for (const kind of kinds) raw += await count(kind);
    const linked = await deps.links.countLinked(sourceId);
    if (thresholdExceeded(target.policy.deletionThreshold, raw, linked)) {
      let deletes = orphanPlan.length;
      for await (const page of goneDeletions(plan, sourceId, target.policy, kinds, deps.scope)) deletes += page.length;
      const reason = thresholdExceeded(target.policy.deletionThreshold, deletes, linked);
      if (reason) {
        await deps.held.clear(sourceId, deps.runId);
        for await (const page of goneDeletions(plan, sourceId, target.policy, kinds, deps.scope)) await hold(deps, target, page);
        await hold(deps, target, orphanPlan);
        return { status: 'paused', reason: storeMessage(reason) };
      }
    }
  }

  for (let after: string | undefined; ; ) {
    const ids = await gone('user', after, deps.pageSize);
    if (ids.length === 0) break;
    const users = await leftAlone(deps, sourceId, 'user', await records<MirrorUserData>(deps.mirror, 'user', ids), recorder);
    if (users.length > 0) await deps.leaveGroups?.(users.map((user) => user.id));
    await recorder.step((only) => deprovisionUsers(phase, only ? users.filter((user) => only.has(`user:${user.id}`)) : users));
    if (recorder.stopError || (await deps.cancelled())) return recorder.stopError ? null : { status: 'cancelled' };
    if (ids.length < deps.pageSize) break;
    after = ids[ids.length - 1];
  }
  if (found.length > orphans.length) await recorder.step(async () => found.filter((orphan) => cancelledOrphans.has(deletionKey(orphanRef(orphan)))).map((orphan) => cancelledOutcome(orphan.kind, orphan.remoteId, orphan.name)));
  const orphanOutcomes = orphans.length > 0 && scim ? await deprovisionOrphans(scim, semaphore, orphans) : [];
  const orphanUsers = orphanOutcomes.filter((outcome) => outcome.work.kind === 'user');
  if (orphanUsers.length > 0) await recorder.step(async () => orphanUsers);
  if (target.writer.pushesOrgs) {
    // Orgs leave leaves first, so all gone orgs are ordered together (their ids and parents only).
    const ids: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await gone('org', after, 5000);
      ids.push(...page);
      if (page.length < 5000) break;
      after = page[page.length - 1];
    }
    const orgs = await leftAlone(deps, sourceId, 'org', await records<MirrorOrgData>(deps.mirror, 'org', ids), recorder);
    await recorder.step(async (only) => (await deprovisionOrgs(phase, only ? orgs.filter((org) => only.has(`org:${org.id}`)) : orgs)).outcomes);
    const orphanOrgs = orphanOutcomes.filter((outcome) => outcome.work.kind === 'org');
    if (orphanOrgs.length > 0) await recorder.step(async () => orphanOrgs);
  }
  return null;
}

/** A page of held objects: listed for the hold, and as `planned` rows of the run's log. */
async function hold(deps: DeletionDeps, target: PushTarget, page: readonly PlannedDeletion[]): Promise<void> {
  if (page.length === 0) return;
  await deps.held.add(target.sourceId, deps.runId, page);
  await deps.runs.addItems(
    deps.runId,
    page.map((deletion) => ({
      kind: deletion.kind,
      objectId: deletion.objectId,
      objectName: deletion.name,
      operation: deletion.operation,
      result: 'planned' as const,
      method: deletion.operation === 'delete' ? 'DELETE' : null,
      path: deletion.remoteId ? target.writer.locationOf(deletion.kind, deletion.remoteId) : null,
      error: storeMessage(engineMessage(deletion.origin === 'downstream' ? 'engine.deletion.heldOrphan' : 'engine.deletion.held')),
    })),
  );
}

/** Drops (and logs as skipped) the objects whose deprovisioning an admin cancelled and that have not changed since. */
async function leftAlone<T extends MirrorUser | MirrorOrg>(deps: DeletionDeps, sourceId: string, kind: ObjectKind, objects: T[], recorder: RunRecorder): Promise<T[]> {
  const cancelled = await cancelledAmong(deps.held, sourceId, objects, kind);
  if (cancelled.size === 0) return objects;
  const isCancelled = (object: T) => cancelled.has(deletionKey({ kind, origin: 'mirror', objectId: object.id }));
  await recorder.step(async () => objects.filter(isCancelled).map((object) => cancelledOutcome(kind, object.id, object.deletedAt === PURGED ? null : nameOf(object))));
  return objects.filter((object) => !isCancelled(object));
}

function cancelledOutcome(kind: ObjectKind, id: string, name: string | null): ObjectOutcome {
  return { work: { kind, localId: id, name, body: null, link: undefined }, operation: 'skip', result: 'skipped', note: engineMessage('engine.note.deletionCancelled') };
}

function orphanRef(orphan: Orphan): DeletionRef {
  return { kind: orphan.kind, origin: 'downstream', objectId: orphan.remoteId, seq: 0 };
}

function plannedOrphan(target: PushTarget, kinds: readonly ObjectKind[], orphan: Orphan): PlannedDeletion[] {
  if (!kinds.includes(orphan.kind)) return [];
  const operation = plannedOperation(target.policy, orphan.kind, orphan.remoteId, orphan.resource);
  return operation ? [{ ...orphanRef(orphan), remoteId: orphan.remoteId, name: orphan.name, operation }] : [];
}

/** Mirror rows of gone objects; a row purged from the mirror becomes a bare tombstone. */
async function records<T extends MirrorUserData | MirrorOrgData>(mirror: MirrorReader, kind: 'user' | 'org', ids: readonly string[]): Promise<Array<T extends MirrorUserData ? MirrorUser : MirrorOrg>> {
  const rows = kind === 'user' ? await mirror.getUsers(ids) : await mirror.getOrgs(ids);
  const byId = new Map<string, MirrorUser | MirrorOrg>(rows.map((row) => [row.id, row]));
  return ids.map((id) => {
    const found = byId.get(id);
    if (found) return found;
    const data = kind === 'user' ? { id, userName: id, active: false, orgIds: [] } : { id, name: id, order: 0 };
    return { id, seq: 0, data, hash: 'deleted', createdAt: '', lastModified: '', deletedAt: PURGED };
  }) as Array<T extends MirrorUserData ? MirrorUser : MirrorOrg>;
}
