import type { Knex } from 'knex';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import type { MirrorOrg, MirrorUser } from '../../mirror/mirror-rows.js';
import type { MirrorOrgData, MirrorUserData } from '../../mirror/normalize.js';
import type { RunOutcome } from '../../runs/manual-sync.js';
import type { Semaphore } from '../client/rate-limit.js';
import { deletingKinds, thresholdExceeded } from '../deletion-hold.js';
import type { LinkStore } from '../links-store.js';
import type { PushTarget } from '../object-pusher.js';
import { deprovisionOrgs, deprovisionUsers, type PhaseContext } from '../phases.js';
import { PURGED } from '../work-builder.js';
import type { PushRunOptions } from './full-sync.js';
import type { RunRecorder } from './run-recorder.js';
import { deprovisionOrphans, findOrphans, type Orphan } from './verify-downstream.js';

/** What a run's deletion phase uses. */
export interface DeletionDeps {
  knex: Knex;
  mirror: MirrorReader;
  links: LinkStore;
  pageSize: number;
  cancelled(): Promise<boolean>;
  dryRun: boolean;
  options: PushRunOptions;
}

/**
 * A manual run's last phase: linked objects the host no longer has (and, with verify, downstream
 * objects it never had). Returns an outcome when the run ends here (paused by the threshold,
 * cancelled), null when it goes on to its end.
 */
export async function runDeletions(deps: DeletionDeps, target: PushTarget, semaphore: Semaphore, phase: PhaseContext, recorder: RunRecorder): Promise<RunOutcome | null> {
  const gone = (kind: 'user' | 'org', afterId: string | undefined, limit: number) => deps.links.goneIds(target.sourceId, kind, afterId, limit);
  const count = (kind: 'user' | 'org') => deps.links.countGoneLinked(target.sourceId, kind);
  const orphans: Orphan[] = deps.options.verifyDownstream ? await findOrphans(target, deps.links, deps.cancelled) : [];
  const kinds = deletingKinds(target.policy);
  let deletes = orphans.filter((orphan) => kinds.includes(orphan.kind)).length;
  for (const kind of kinds) deletes += await count(kind);
  const reason = thresholdExceeded(target.policy.deletionThreshold, deletes, await deps.links.countLinked(target.sourceId));
  if (reason && !deps.dryRun && !deps.options.confirmedDeletes) return { status: 'paused', reason };

  for (let after: string | undefined; ; ) {
    const ids = await gone('user', after, deps.pageSize);
    if (ids.length === 0) break;
    const users = await records<MirrorUserData>(deps.mirror, 'user', ids);
    await recorder.step((only) => deprovisionUsers(phase, only ? users.filter((user) => only.has(`user:${user.id}`)) : users));
    if (recorder.stopError || (await deps.cancelled())) return recorder.stopError ? null : { status: 'cancelled' };
    if (ids.length < deps.pageSize) break;
    after = ids[ids.length - 1];
  }
  const orphanOutcomes = orphans.length > 0 ? await deprovisionOrphans(target, semaphore, orphans) : [];
  const orphanUsers = orphanOutcomes.filter((outcome) => outcome.work.kind === 'user');
  if (orphanUsers.length > 0) await recorder.step(async () => orphanUsers);
  if (target.orgEndpoint) {
    // Orgs leave leaves first, so all gone orgs are ordered together (their ids and parents only).
    const ids: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await gone('org', after, 5000);
      ids.push(...page);
      if (page.length < 5000) break;
      after = page[page.length - 1];
    }
    const orgs = await records<MirrorOrgData>(deps.mirror, 'org', ids);
    await recorder.step(async (only) => (await deprovisionOrgs(phase, only ? orgs.filter((org) => only.has(`org:${org.id}`)) : orgs)).outcomes);
    const orphanOrgs = orphanOutcomes.filter((outcome) => outcome.work.kind === 'org');
    if (orphanOrgs.length > 0) await recorder.step(async () => orphanOrgs);
  }
  return null;
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
