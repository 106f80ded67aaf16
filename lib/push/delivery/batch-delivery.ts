import type { Knex } from 'knex';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import { kindOf, nameOf } from '../../mirror/mirror-record.js';
import type { ChangeRow, MirrorOrg, MirrorUser, ObjectKind } from '../../mirror/mirror-rows.js';
import type { ResolvedPushOptions } from '../../options.js';
import type { IncrementalLog } from '../../runs/incremental-log.js';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import { deletingKinds, thresholdExceeded, type DeletionHold, type DeletionHolds } from '../deletion-hold.js';
import type { PushPolicy } from '../../sources/push-policy-validation.js';
import { deletionKey } from '../held-deletions.js';
import { StopSyncError, type PushError } from '../client/errors.js';
import type { LinkStore } from '../links-store.js';
import { leaveGroups, MemberPusher, scimGroupsOf, type MemberOutcome } from '../member-pusher.js';
import type { ObjectOutcome, PushTarget } from '../object-pusher.js';
import { deliveryEntries, memberDeliveryEntries, recordLinks } from '../outcomes.js';
import { deprovisionOrgs, deprovisionUsers, upsertOrgs, upsertUsers, type PhaseContext } from '../phases.js';
import type { Semaphore } from '../client/rate-limit.js';
import { WorkBuilder } from '../work-builder.js';
import { backoffDelay } from '../../sources/source-health.js';
import { retryKey, type PushRetry, type RetryStore } from './retry-store.js';
import { splitByScope, type ScopeSplit } from '../scope/scope-delivery.js';
import { scopedOrg, type PushScope } from '../scope/push-scope.js';

export interface BatchDeps {
  knex: Knex;
  mirror: MirrorReader;
  links: LinkStore;
  log: IncrementalLog;
  holds: DeletionHolds;
  retries: RetryStore;
  options: ResolvedPushOptions;
  clock: () => Date;
  /**
   * A scoped source's batch held org changes: subtrees may have moved in or out of its scope
   * while its users' rows did not change. The center applies the drift with a trustLinks run.
   */
  scopeDrift?(sourceId: string): Promise<void>;
}

export interface BatchInput {
  target: PushTarget;
  semaphore: Semaphore;
  cursor: number;
  /** Attempts per object so far (kept by the worker across retries), for the log. */
  attempts: Map<string, number>;
  /** Look unlinked objects up before creating them (the first batches after a lease takeover). */
  lookUpCreates?: boolean;
  /** The source's scope (null: the whole directory): what left it is deprovisioned, what is outside it is not sent. */
  scope?: PushScope | null;
  /** Moves the cursor inside `trx` only while we still hold the lease; false when it was lost. */
  advanceCursor(trx: Knex.Transaction, seq: number): Promise<boolean>;
}

export interface BatchResult {
  /**
   * idle: nothing to do; progress: a batch went through (maybe more wait; failed objects retry on
   * their own); retry: the downstream accepted nothing; stop: 401/403 or bad config; held:
   * deletions wait for an admin.
   */
  status: 'idle' | 'progress' | 'retry' | 'stop' | 'held';
  error?: PushError;
  retryAfterMs?: number;
  hold?: DeletionHold;
  /** Requests that succeeded in this batch. */
  delivered: number;
  /** Requests that failed in this batch (each object's own retry is scheduled). */
  failed?: number;
  /** When the earliest object retry is due (center clock, ms), if any waits. */
  nextRetryAt?: number;
  cursor: number;
}

interface Pending {
  kind: ObjectKind;
  id: string;
  firstSeq: number;
  lastSeq: number;
  /** Its retry row, when it has one and it is due (the object is sent again now). */
  retry?: PushRetry;
  /** Only a retry: none of its changes is in this batch (they are behind the cursor). */
  retryOnly?: boolean;
}

const MAX_ANCESTOR_ROUNDS = 64;

/**
 * Delivers one batch of the change feed after the cursor, together with the objects whose own
 * retry is due. Several changes of one object become one request (the mirror holds its latest
 * state); objects go in tree order. An object that fails transiently does not hold the others
 * back: it gets a row in `sync_push_retries` (its own backoff) and the cursor moves past it in
 * the same transaction; what depends on it (a later change of it, a child org or a user whose
 * org it is, while it is not on the downstream) waits for it the same way. A 401/403 stops the
 * batch: the cursor stops before the first unfinished object, as nothing more can go.
 */
export async function deliverBatch(deps: BatchDeps, input: BatchInput): Promise<BatchResult> {
  const { target, cursor } = input;
  const sourceId = target.sourceId;
  const changes = await deps.mirror.changesAfter(cursor, deps.options.batchSize);
  const due = await deps.retries.due(sourceId, deps.options.batchSize);
  if (changes.length === 0 && due.length === 0) return { status: 'idle', delivered: 0, cursor, nextRetryAt: await deps.retries.nextDue(sourceId) };
  const maxSeq = changes.length > 0 ? changes[changes.length - 1]!.seq : cursor;
  const keyOf = (kind: ObjectKind, id: string) => retryKey(kind, id);
  const now = deps.clock().toISOString();
  const pending = coalesce(changes);
  // Objects waiting for their own retry: a newer change of theirs goes with that retry (it sends the latest state).
  const rows = await deps.retries.of(sourceId, [...pending.values()]);
  const waitingRows: PushRetry[] = [];
  for (const [key, row] of rows) {
    if (row.nextAttemptAt <= now) pending.get(key)!.retry = row;
    else {
      pending.delete(key);
      waitingRows.push(row);
    }
  }
  for (const row of due) {
    const key = keyOf(row.kind, row.localId);
    if (!pending.has(key)) pending.set(key, { kind: row.kind, id: row.localId, firstSeq: row.firstSeq, lastSeq: row.firstSeq, retry: row, retryOnly: true });
    else pending.get(key)!.retry = row;
  }
  for (const entry of pending.values()) {
    const key = keyOf(entry.kind, entry.id);
    if (entry.retry && !input.attempts.has(key)) input.attempts.set(key, entry.retry.attempts);
  }
  const pushOrgs = target.writer.pushesOrgs;

  const userIds = [...pending.values()].filter((entry) => entry.kind === 'user').map((entry) => entry.id);
  const orgIds = pushOrgs ? [...pending.values()].filter((entry) => entry.kind === 'org').map((entry) => entry.id) : [];
  const users = await deps.mirror.getUsers(userIds);
  const orgs = await deps.mirror.getOrgs(orgIds);
  let liveUsers = users.filter((user) => !user.deletedAt);
  let liveOrgs = orgs.filter((org) => !org.deletedAt);
  let goneUsers = users.filter((user) => user.deletedAt);
  let goneOrgs = orgs.filter((org) => org.deletedAt);
  // Orgs waiting for their retry: what needs them on the downstream (or gone from it first) waits too.
  const waitingOrgs = pushOrgs ? await deps.mirror.getOrgs(waitingRows.filter((row) => row.kind === 'org').map((row) => row.localId)) : [];
  const waiting = new Set(waitingOrgs.map((org) => org.id));

  const holdState = await deps.holds.state(sourceId);
  // A live object that an admin's cancel covered has changed since: the cancel no longer holds.
  await deps.holds.forgetChanged(sourceId, [...liveUsers, ...liveOrgs]);
  if (goneUsers.length + goneOrgs.length > 0 && !target.dryRun) {
    const hold = await deps.holds.check(sourceId, target.policy, cursor, holdState);
    if (hold) return { status: 'held', hold, delivered: 0, cursor };
  }

  let inScopeOrgs: ReadonlySet<string> | undefined;
  if (input.scope) {
    // Out of scope: a linked object leaves (the policy), an unlinked one is not sent at all.
    const split = await splitByScope(deps.links, sourceId, input.scope, liveUsers, liveOrgs);
    ({ inScopeOrgs } = split);
    liveUsers = split.users;
    liveOrgs = split.orgs;
    if (!target.dryRun && (await leavesExceedThreshold(deps, sourceId, target.policy, split, goneUsers.length + goneOrgs.length))) {
      // Leaves count against the deletion threshold like deletions from the host: too many in one
      // batch are not sent here but left to the run that applies the scope drift, which pauses
      // for an admin (its deletions phase deprovisions linked objects out of scope).
      await deps.scopeDrift?.(sourceId);
    } else {
      goneUsers = [...goneUsers, ...split.leavingUsers];
      goneOrgs = [...goneOrgs, ...split.leavingOrgs];
      if (orgs.length > 0 && !target.dryRun) await deps.scopeDrift?.(sourceId);
    }
  }

  const builder = await WorkBuilder.create(target, deps.links);
  builder.lookUpCreates = input.lookUpCreates ?? false;
  const unfinished = new Set<string>();
  /** Objects that failed transiently, with why (their retry rows say it). */
  const failures = new Map<string, PushError | undefined>();
  const deferred = new Set<string>();
  let delivered = 0;
  let firstError: PushError | undefined;
  let retryAfterMs = 0;
  let stopped = false;
  /** A connector's groups: the orgs of what this batch changed get their members written once, at the end. */
  const connectorMembers = target.writer.memberWriter();
  const note = async (outcomes: ObjectOutcome[]) => {
    connectorMembers?.note(outcomes);
    await recordLinks(deps.knex, deps.links, sourceId, outcomes);
    const entries = deliveryEntries(sourceId, outcomes, (outcome) => bump(input.attempts, keyOf(outcome.work.kind, outcome.work.localId)));
    await deps.log.recordDeliveries(entries);
    for (const outcome of outcomes) {
      const key = keyOf(outcome.work.kind, outcome.work.localId);
      if (outcome.result === 'retry' || outcome.result === 'stop') {
        unfinished.add(key);
        if (outcome.result === 'retry') failures.set(key, outcome.error);
        firstError ??= outcome.error;
        retryAfterMs = Math.max(retryAfterMs, (outcome.error as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 0);
        if (outcome.result === 'stop') stopped = true;
      } else {
        input.attempts.delete(key);
        if (outcome.result === 'succeeded') delivered += 1;
      }
    }
  };
  const context: PhaseContext = { knex: deps.knex, target, semaphore: input.semaphore, links: deps.links, builder, onOutcomes: note };
  const remaining = (objects: ReadonlyArray<{ id: string }>, kind: ObjectKind) => objects.forEach((object) => unfinished.add(keyOf(kind, object.id)));
  const waitFor = (objects: ReadonlyArray<{ id: string }>, kind: ObjectKind) => objects.forEach((object) => deferred.add(keyOf(kind, object.id)));

  // 1. Orgs, parents first, with any ancestors and users' orgs the downstream does not have yet.
  const orgsToUpsert = pushOrgs ? await withMissingOrgs(deps, builder, liveOrgs, liveUsers, waiting, inScopeOrgs) : [];
  const orgPhase = await upsertOrgs(context, orgsToUpsert, waiting);
  waitFor(orgPhase.deferred, 'org');
  if (orgPhase.halted) {
    remaining(orgsToUpsert.filter((org) => !orgPhase.outcomes.some((outcome) => outcome.work.localId === org.id)), 'org');
    remaining(liveUsers, 'user');
    remaining(goneUsers, 'user');
    remaining(goneOrgs, 'org');
  } else {
    // 2. Users (but not those whose org is not on the downstream yet and waits), then anyone
    // whose manager was just created (their manager reference can now be sent).
    const waitsForOrg = (user: MirrorUser) => user.data.orgIds.some((orgId) => waiting.has(orgId) && !builder.orgRemote.get(orgId));
    const sendable = liveUsers.filter((user) => !waitsForOrg(user));
    waitFor(liveUsers.filter(waitsForOrg), 'user');
    const userOutcomes = await upsertUsers(context, sendable);
    if (!stopped) await upsertManagedBy(deps, context, userOutcomes, new Set(userIds));
    // 3. Group memberships as deltas.
    const groups = scimGroupsOf(target);
    if (!stopped && groups) {
      const members = new MemberPusher(deps.knex, groups, deps.links, deps.options.membersPerPatch);
      const wishes = sendable.filter((user) => !unfinished.has(keyOf('user', user.id))).map((user) => ({ userId: user.id, orgIds: user.data.orgIds }));
      // Users that left the host leave their groups first (unless the policy leaves them, or an admin cancelled their deletion).
      if (leaveGroups(groups)) wishes.push(...goneUsers.filter((user) => pendingOf(pending, user)!.lastSeq > holdState.cancelledSeq).map((user) => ({ userId: user.id, orgIds: [] as string[] })));
      const send = (work: () => Promise<MemberOutcome>) => input.semaphore.run(work);
      const memberOutcomes = [...(await members.wish(wishes, send)), ...(await members.flush(send))];
      await deps.log.recordDeliveries(memberDeliveryEntries(sourceId, memberOutcomes, 1));
      for (const outcome of memberOutcomes) {
        if (outcome.result !== 'retry' && outcome.result !== 'stop') continue;
        for (const userId of [...outcome.added, ...outcome.removed]) {
          unfinished.add(keyOf('user', userId));
          if (outcome.result === 'retry') failures.set(keyOf('user', userId), outcome.error);
        }
        firstError ??= outcome.error;
        if (outcome.result === 'stop') stopped = true;
      }
      delivered += memberOutcomes.filter((outcome) => outcome.result === 'succeeded').length;
    }
    // 4. Deletions: users first, then orgs leaves first. Deletions an admin cancelled are left alone.
    if (stopped) {
      remaining(goneUsers, 'user');
      remaining(goneOrgs, 'org');
    } else {
      // Cancelled per object (sticky until the object changes again), or by a hold cancelled before objects were listed.
      const sticky = await deps.holds.cancelledAmong(sourceId, goneUsers, goneOrgs);
      const cancelled = (object: MirrorUser | MirrorOrg) => sticky.has(deletionKey({ kind: kindOf(object), origin: 'mirror', objectId: object.id })) || pendingOf(pending, object)!.lastSeq <= holdState.cancelledSeq;
      await noteCancelled(note, [...goneUsers.filter(cancelled), ...goneOrgs.filter(cancelled)]);
      const removed = await deprovisionUsers(context, goneUsers.filter((user) => !cancelled(user)));
      if (!stopped) await upsertManagedBy(deps, context, removed, new Set(userIds));
      if (!stopped) {
        // An org whose child waits for its own retry is not deleted before it.
        const parentsOfWaiting = new Set(waitingOrgs.flatMap((org) => (org.data.parentId ? [org.data.parentId] : [])));
        const orgsToDelete = goneOrgs.filter((org) => !cancelled(org));
        waitFor(orgsToDelete.filter((org) => parentsOfWaiting.has(org.id)), 'org');
        const orgDeletes = await deprovisionOrgs(context, orgsToDelete.filter((org) => !parentsOfWaiting.has(org.id)), waiting);
        waitFor(orgDeletes.deferred, 'org');
        if (orgDeletes.halted) remaining(goneOrgs.filter((org) => !orgDeletes.outcomes.some((outcome) => outcome.work.localId === org.id)), 'org');
      } else remaining(goneOrgs, 'org');
    }
  }

  if (!stopped && connectorMembers) await note(await connectorMembers.flush());

  const failed = failures.size;
  let next = maxSeq;
  const toSave: PushRetry[] = [];
  const toClear: Array<{ kind: ObjectKind; id: string }> = [];
  if (stopped) {
    // Nothing more can go: the cursor stops just before the first change of the first unfinished object.
    for (const entry of pending.values()) {
      const key = keyOf(entry.kind, entry.id);
      if (!entry.retryOnly && (unfinished.has(key) || deferred.has(key))) next = Math.min(next, entry.firstSeq - 1);
      else if (entry.retry && !unfinished.has(key) && !deferred.has(key)) toClear.push(entry);
    }
  } else {
    const nowMs = deps.clock().getTime();
    const policy = deps.options.retry;
    const cappedRetryAfter = Math.min(retryAfterMs, deps.options.maxRetryAfterMs);
    // When the downstream accepted nothing, the whole source backs off (the worker's backoff):
    // its objects are due whenever it tries again. Otherwise each failed object has its own.
    // An object that waits for another is due with it (never at once: that would spin).
    const acceptedNothing = failed > 0 && delivered === 0;
    let latestFailureAt = acceptedNothing ? nowMs : Math.max(nowMs + policy.baseMs, ...waitingRows.map((row) => Date.parse(row.nextAttemptAt)));
    for (const entry of pending.values()) {
      const key = keyOf(entry.kind, entry.id);
      if (!failures.has(key)) continue;
      const attempts = (entry.retry?.attempts ?? 0) + 1;
      const at = acceptedNothing ? nowMs : nowMs + backoffDelay(attempts, policy.baseMs, policy.maxMs, cappedRetryAfter);
      latestFailureAt = Math.max(latestFailureAt, at);
      toSave.push({ kind: entry.kind, localId: entry.id, firstSeq: entry.retry?.firstSeq ?? entry.firstSeq, attempts, nextAttemptAt: new Date(at).toISOString(), lastError: storedOrNull(failures.get(key)) });
    }
    for (const entry of pending.values()) {
      const key = keyOf(entry.kind, entry.id);
      if (failures.has(key)) continue;
      if (deferred.has(key) || unfinished.has(key)) {
        // It waits for another object: tried again once that one's retry is due.
        toSave.push({ kind: entry.kind, localId: entry.id, firstSeq: entry.retry?.firstSeq ?? entry.firstSeq, attempts: entry.retry?.attempts ?? 0, nextAttemptAt: new Date(latestFailureAt).toISOString(), lastError: storeMessage(engineMessage('engine.push.waitsForDependency')) });
      } else if (entry.retry) toClear.push(entry);
    }
  }
  const committed = await deps.knex.transaction(async (trx) => {
    if (!(await input.advanceCursor(trx, Math.max(cursor, next)))) return false;
    await deps.retries.save(trx, sourceId, toSave);
    await deps.retries.clear(trx, sourceId, toClear);
    return true;
  });
  if (!committed) return { status: 'idle', delivered, cursor }; // the lease was lost: its new holder goes on
  const newCursor = Math.max(cursor, next);
  const nextRetryAt = await deps.retries.nextDue(sourceId);
  if (stopped) return { status: 'stop', error: firstError, retryAfterMs, delivered, failed, nextRetryAt, cursor: newCursor };
  if (failed > 0 && delivered === 0) return { status: 'retry', error: firstError, retryAfterMs, delivered, failed, nextRetryAt, cursor: newCursor };
  return { status: 'progress', error: firstError, delivered, failed, nextRetryAt, cursor: newCursor };
}

function coalesce(changes: readonly ChangeRow[]): Map<string, Pending> {
  const pending = new Map<string, Pending>();
  for (const change of changes) {
    const key = `${change.kind}:${change.object_id}`;
    const entry = pending.get(key);
    if (entry) entry.lastSeq = change.seq;
    else pending.set(key, { kind: change.kind, id: change.object_id, firstSeq: change.seq, lastSeq: change.seq });
  }
  return pending;
}

function pendingOf(pending: Map<string, Pending>, object: MirrorUser | MirrorOrg): Pending | undefined {
  return pending.get(`${kindOf(object)}:${object.id}`);
}

function bump(attempts: Map<string, number>, key: string): number {
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, attempt);
  return attempt;
}

/** Orgs the batch needs on the downstream first: unlinked live ancestors, and unlinked orgs of its users. */
async function withMissingOrgs(deps: BatchDeps, builder: WorkBuilder, orgs: readonly MirrorOrg[], users: readonly MirrorUser[], waiting: ReadonlySet<string>, inScope?: ReadonlySet<string>): Promise<MirrorOrg[]> {
  const chosen = new Map(orgs.map((org) => [org.id, org]));
  let wanted = new Set<string>([...orgs.flatMap((org) => (org.data.parentId ? [org.data.parentId] : [])), ...users.flatMap((user) => user.data.orgIds)]);
  for (let round = 0; round < MAX_ANCESTOR_ROUNDS && wanted.size > 0; round += 1) {
    // An org waiting for its own retry is not sent early: what needs it waits with it.
    const candidates = [...wanted].filter((id) => !chosen.has(id) && !waiting.has(id));
    await builder.preloadOrgLinks(candidates);
    const unlinked = candidates.filter((id) => !builder.orgRemote.get(id));
    // A scoped source gets only the orgs in its scope, the top of a subtree as a root.
    const found = (await deps.mirror.getOrgs(unlinked)).filter((org) => !org.deletedAt && (!inScope || inScope.has(org.id))).map((org) => (inScope ? scopedOrg(org, inScope) : org));
    for (const org of found) chosen.set(org.id, org);
    wanted = new Set(found.flatMap((org) => (org.data.parentId ? [org.data.parentId] : [])));
  }
  return [...chosen.values()];
}

/**
 * Users outside the batch whose manager the batch just created (the manager can be sent now) or
 * removed from the downstream (the reference must go).
 */
async function upsertManagedBy(deps: BatchDeps, context: PhaseContext, outcomes: readonly ObjectOutcome[], inBatch: Set<string>): Promise<void> {
  const created = outcomes
    .filter((outcome) => outcome.result === 'succeeded' && (outcome.operation === 'create' || outcome.link?.type === 'remove'))
    .map((outcome) => outcome.work.localId);
  if (created.length === 0) return;
  const ids = (await deps.mirror.liveUserIdsManagedBy(created)).filter((id) => !inBatch.has(id));
  if (ids.length > 0) await upsertUsers(context, await deps.mirror.getUsers(ids));
}

async function noteCancelled(note: (outcomes: ObjectOutcome[]) => Promise<void>, objects: ReadonlyArray<MirrorUser | MirrorOrg>): Promise<void> {
  if (objects.length === 0) return;
  await note(
    objects.map((object) => {
      return { work: { kind: kindOf(object), localId: object.id, name: nameOf(object), body: null, link: undefined, seq: object.seq }, operation: 'skip' as const, result: 'skipped' as const, note: engineMessage('engine.note.deletionCancelled') };
    }),
  );
}

/**
 * A batch that failed before any object was tried (a refused token, a failed discovery) is still
 * an attempt: one row in the incremental log, on the first change it held back, so the log of a
 * failing source shows what waits and why instead of nothing.
 */
export async function logUntriedBatch(deps: BatchDeps, sourceId: string, cursor: number, error: PushError, attempts: Map<string, number>): Promise<void> {
  const [change] = await deps.mirror.changesAfter(cursor, 1);
  const due = change ? undefined : (await deps.retries.due(sourceId, 1))[0];
  const object = change ? { kind: change.kind, id: change.object_id, seq: change.seq } : due ? { kind: due.kind, id: due.localId, seq: due.firstSeq } : undefined;
  if (!object) return;
  const link = await deps.links.get(sourceId, object.kind, object.id);
  const mirrored = object.kind === 'user' ? await deps.mirror.getUser(object.id) : await deps.mirror.getOrg(object.id);
  const operation = change?.op === 'delete' || !mirrored ? 'delete' : link?.remoteId ? 'update' : 'create';
  await deps.log.recordDeliveries([
    {
      sourceId,
      changeSeq: object.seq,
      kind: object.kind,
      objectId: object.id,
      objectName: link?.objectName ?? (mirrored ? nameOf(mirrored) : null),
      operation,
      result: error instanceof StopSyncError ? 'failed' : 'retrying',
      method: error.method ?? null,
      path: error.path ?? null,
      httpStatus: error.status ?? null,
      error: storeMessage(error.engineMessage),
      attempt: bump(attempts, retryKey(object.kind, object.id)),
    },
  ]);
}

function storedOrNull(error: PushError | undefined): string | null {
  return error ? storeMessage(error.engineMessage) : null;
}

/** Whether the objects leaving the scope in this batch (with the batch's deletions) exceed the source's deletion threshold. */
async function leavesExceedThreshold(deps: BatchDeps, sourceId: string, policy: PushPolicy, split: ScopeSplit, deletions: number): Promise<boolean> {
  const kinds = deletingKinds(policy);
  const leaving = (kinds.includes('user') ? split.leavingUsers.length : 0) + (kinds.includes('org') ? split.leavingOrgs.length : 0);
  if (leaving === 0 || !policy.deletionThreshold) return false;
  return thresholdExceeded(policy.deletionThreshold, leaving + deletions, await deps.links.countLinked(sourceId, kinds)) !== null;
}
