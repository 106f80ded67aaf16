import type { Knex } from 'knex';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import { nameOf } from '../mirror/mirror-record.js';
import type { MirrorOrg, MirrorUser, ObjectKind } from '../mirror/mirror-rows.js';
import type { PushPolicy } from '../sources/push-policy-validation.js';
import { deletionKey, plannedOperation, type HeldDeletions, type PlannedDeletion } from './held-deletions.js';
import type { LinkStore, PushLink } from './links-store.js';

/** What planning a deprovisioning reads. */
export interface PlanDeps {
  links: LinkStore;
  mirror: MirrorReader;
  held: HeldDeletions;
}

const PAGE = 500;

/**
 * The deletions an incremental hold would hold: linked objects with a delete change after
 * `afterSeq` (up to `throughSeq`) that are still gone, for which something would change on the
 * downstream and whose deprovisioning no admin cancelled. A page at a time.
 */
export async function* pendingDeletions(deps: PlanDeps, sourceId: string, policy: PushPolicy, kinds: readonly ObjectKind[], afterSeq: number, throughSeq: number): AsyncGenerator<PlannedDeletion[]> {
  for (const kind of kinds) {
    for (let after: string | undefined; ; ) {
      const links = await deps.links.linkedDeletesAfter(sourceId, kind, afterSeq, after, PAGE);
      if (links.length === 0) break;
      const planned = await plan(deps, sourceId, policy, kind, links, (seq) => seq <= throughSeq);
      if (planned.length > 0) yield planned;
      if (links.length < PAGE) break;
      after = links[links.length - 1]!.localId;
    }
  }
}

/**
 * The same for a manual run: every linked object the mirror no longer has live, and with a
 * `scope` (a scoped source) every linked object that left it (live, but out of scope).
 */
export async function* goneDeletions(deps: PlanDeps, sourceId: string, policy: PushPolicy, kinds: readonly ObjectKind[], scope?: { inScopeQuery(kind: ObjectKind): Knex.QueryBuilder } | null): AsyncGenerator<PlannedDeletion[]> {
  for (const kind of kinds) {
    for (let after: string | undefined; ; ) {
      const ids = await deps.links.goneIds(sourceId, kind, after, PAGE, scope?.inScopeQuery(kind));
      if (ids.length === 0) break;
      const links = await deps.links.load(sourceId, kind, ids);
      const planned = await plan(deps, sourceId, policy, kind, ids.flatMap((id) => (links.has(id) ? [links.get(id)!] : [])), () => true, Boolean(scope));
      if (planned.length > 0) yield planned;
      if (ids.length < PAGE) break;
      after = ids[ids.length - 1];
    }
  }
}

/** Keys (deletionKey) of the objects an admin's cancel still covers, among mirror objects at their seq. */
export async function cancelledAmong(held: HeldDeletions, sourceId: string, objects: ReadonlyArray<MirrorUser | MirrorOrg>, kind: ObjectKind): Promise<Set<string>> {
  return held.stillCancelled(sourceId, objects.map((object) => ({ kind, origin: 'mirror', objectId: object.id, seq: seqOf(object) })));
}

/** `leavesScope`: the links are of objects out of the source's scope, so a live row leaves too. */
async function plan(deps: PlanDeps, sourceId: string, policy: PushPolicy, kind: ObjectKind, links: readonly PushLink[], inRange: (seq: number) => boolean, leavesScope = false): Promise<PlannedDeletion[]> {
  const ids = links.map((link) => link.localId);
  const rows: Array<MirrorUser | MirrorOrg> = kind === 'user' ? await deps.mirror.getUsers(ids) : await deps.mirror.getOrgs(ids);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const candidates: PlannedDeletion[] = [];
  for (const link of links) {
    const row = byId.get(link.localId);
    if (row && !row.deletedAt && !leavesScope) continue; // back in the directory since
    const seq = row ? seqOf(row) : 0;
    if (!inRange(seq)) continue;
    const operation = plannedOperation(policy, kind, link.remoteId, link.sent);
    if (!operation) continue;
    candidates.push({ kind, origin: 'mirror', objectId: link.localId, remoteId: link.remoteId, name: link.objectName ?? (row ? nameOf(row) : null), operation, seq });
  }
  const cancelled = await deps.held.stillCancelled(sourceId, candidates);
  return candidates.filter((candidate) => !cancelled.has(deletionKey(candidate)));
}

function seqOf(row: MirrorUser | MirrorOrg): number {
  return Number(row.seq);
}
