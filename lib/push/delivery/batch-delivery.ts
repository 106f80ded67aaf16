import type { Knex } from 'knex';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import { kindOf, nameOf } from '../../mirror/mirror-record.js';
import type { ChangeRow, MirrorOrg, MirrorUser, ObjectKind } from '../../mirror/mirror-rows.js';
import type { ResolvedPushOptions } from '../../options.js';
import type { IncrementalLog } from '../../runs/incremental-log.js';
import type { DeletionHold, DeletionHolds } from '../deletion-hold.js';
import type { PushError } from '../client/errors.js';
import type { LinkStore } from '../links-store.js';
import { MemberPusher, type MemberOutcome } from '../member-pusher.js';
import type { ObjectOutcome, PushTarget } from '../object-pusher.js';
import { deliveryEntries, memberDeliveryEntries, recordLinks } from '../outcomes.js';
import { deprovisionOrgs, deprovisionUsers, upsertOrgs, upsertUsers, type PhaseContext } from '../phases.js';
import type { Semaphore } from '../client/rate-limit.js';
import { WorkBuilder } from '../work-builder.js';

export interface BatchDeps {
  knex: Knex;
  mirror: MirrorReader;
  links: LinkStore;
  log: IncrementalLog;
  holds: DeletionHolds;
  options: ResolvedPushOptions;
}

export interface BatchInput {
  target: PushTarget;
  semaphore: Semaphore;
  cursor: number;
  /** Attempts per object so far (kept by the worker across retries), for the log. */
  attempts: Map<string, number>;
  /** Look unlinked objects up before creating them (the first batches after a lease takeover). */
  lookUpCreates?: boolean;
  /** Moves the cursor inside `trx` only while we still hold the lease; false when it was lost. */
  advanceCursor(trx: Knex.Transaction, seq: number): Promise<boolean>;
}

export interface BatchResult {
  /** idle: nothing to do; progress: a batch went through (maybe more wait); retry/stop: see error; held: deletions wait for an admin. */
  status: 'idle' | 'progress' | 'retry' | 'stop' | 'held';
  error?: PushError;
  retryAfterMs?: number;
  hold?: DeletionHold;
  /** Requests that succeeded in this batch. */
  delivered: number;
  cursor: number;
}

interface Pending {
  kind: ObjectKind;
  id: string;
  firstSeq: number;
  lastSeq: number;
}

const MAX_ANCESTOR_ROUNDS = 64;

/**
 * Delivers one batch of the change feed after the cursor. Several changes of one object become
 * one request (the mirror holds its latest state); objects go in tree order; the cursor moves
 * past a change only once its object was delivered or permanently rejected. Whatever is not
 * finished is read again next time, and what was finished is skipped then by its link hash.
 */
export async function deliverBatch(deps: BatchDeps, input: BatchInput): Promise<BatchResult> {
  const { target, cursor } = input;
  const changes = await deps.mirror.changesAfter(cursor, deps.options.batchSize);
  if (changes.length === 0) return { status: 'idle', delivered: 0, cursor };
  const maxSeq = changes[changes.length - 1]!.seq;
  const pending = coalesce(changes);
  const pushOrgs = target.orgEndpoint !== undefined;

  const userIds = [...pending.values()].filter((entry) => entry.kind === 'user').map((entry) => entry.id);
  const orgIds = pushOrgs ? [...pending.values()].filter((entry) => entry.kind === 'org').map((entry) => entry.id) : [];
  const users = await deps.mirror.getUsers(userIds);
  const orgs = await deps.mirror.getOrgs(orgIds);
  const liveUsers = users.filter((user) => !user.deletedAt);
  const liveOrgs = orgs.filter((org) => !org.deletedAt);
  const goneUsers = users.filter((user) => user.deletedAt);
  const goneOrgs = orgs.filter((org) => org.deletedAt);

  const holdState = await deps.holds.state(target.sourceId);
  if (goneUsers.length + goneOrgs.length > 0 && !target.dryRun) {
    const hold = await deps.holds.check(target.sourceId, target.policy, cursor, holdState);
    if (hold) return { status: 'held', hold, delivered: 0, cursor };
  }

  const builder = await WorkBuilder.create(target, deps.links);
  builder.lookUpCreates = input.lookUpCreates ?? false;
  const unfinished = new Set<string>();
  let delivered = 0;
  let firstError: PushError | undefined;
  let retryAfterMs = 0;
  let stopped = false;
  const keyOf = (kind: ObjectKind, id: string) => `${kind}:${id}`;
  const note = async (outcomes: ObjectOutcome[]) => {
    await recordLinks(deps.knex, deps.links, target.sourceId, outcomes);
    const entries = deliveryEntries(target.sourceId, outcomes, (outcome) => bump(input.attempts, keyOf(outcome.work.kind, outcome.work.localId)));
    await deps.log.recordDeliveries(entries);
    for (const outcome of outcomes) {
      const key = keyOf(outcome.work.kind, outcome.work.localId);
      if (outcome.result === 'retry' || outcome.result === 'stop') {
        unfinished.add(key);
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

  // 1. Orgs, parents first, with any ancestors and users' orgs the downstream does not have yet.
  const orgsToUpsert = pushOrgs ? await withMissingOrgs(deps, builder, liveOrgs, liveUsers) : [];
  const orgPhase = await upsertOrgs(context, orgsToUpsert);
  if (orgPhase.halted) {
    remaining(orgsToUpsert.filter((org) => !orgPhase.outcomes.some((outcome) => outcome.work.localId === org.id)), 'org');
    remaining(liveUsers, 'user');
    remaining(goneUsers, 'user');
    remaining(goneOrgs, 'org');
  } else {
    // 2. Users, then anyone whose manager was just created (their manager reference can now be sent).
    const userOutcomes = await upsertUsers(context, liveUsers);
    if (!stopped) await upsertManagedBy(deps, context, userOutcomes, new Set(userIds));
    // 3. Group memberships as deltas.
    if (!stopped && pushOrgs && target.orgShape === 'group') {
      const members = new MemberPusher(deps.knex, target, deps.links, deps.options.membersPerPatch);
      const wishes = liveUsers.filter((user) => !unfinished.has(keyOf('user', user.id))).map((user) => ({ userId: user.id, orgIds: user.data.orgIds }));
      const send = (work: () => Promise<MemberOutcome>) => input.semaphore.run(work);
      const memberOutcomes = [...(await members.wish(wishes, send)), ...(await members.flush(send))];
      await deps.log.recordDeliveries(memberDeliveryEntries(target.sourceId, memberOutcomes, 1));
      for (const outcome of memberOutcomes) {
        if (outcome.result !== 'retry' && outcome.result !== 'stop') continue;
        for (const userId of [...outcome.added, ...outcome.removed]) unfinished.add(keyOf('user', userId));
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
      const cancelled = (object: MirrorUser | MirrorOrg) => pendingOf(pending, object)!.lastSeq <= holdState.cancelledSeq;
      await noteCancelled(note, [...goneUsers.filter(cancelled), ...goneOrgs.filter(cancelled)]);
      const removed = await deprovisionUsers(context, goneUsers.filter((user) => !cancelled(user)));
      if (!stopped) await upsertManagedBy(deps, context, removed, new Set(userIds));
      if (!stopped) {
        const orgDeletes = await deprovisionOrgs(context, goneOrgs.filter((org) => !cancelled(org)));
        if (orgDeletes.halted) remaining(goneOrgs.filter((org) => !orgDeletes.outcomes.some((outcome) => outcome.work.localId === org.id)), 'org');
      } else remaining(goneOrgs, 'org');
    }
  }

  // The cursor stops just before the first change of the first unfinished object.
  let next = maxSeq;
  for (const entry of pending.values()) if (unfinished.has(keyOf(entry.kind, entry.id))) next = Math.min(next, entry.firstSeq - 1);
  if (next > cursor) {
    const moved = await deps.knex.transaction(async (trx) => input.advanceCursor(trx, next));
    if (!moved) return { status: 'idle', delivered, cursor }; // the lease was lost: its new holder goes on
  }
  const newCursor = Math.max(cursor, next);
  if (unfinished.size > 0) return { status: stopped ? 'stop' : 'retry', error: firstError, retryAfterMs, delivered, cursor: newCursor };
  return { status: 'progress', delivered, cursor: newCursor };
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
async function withMissingOrgs(deps: BatchDeps, builder: WorkBuilder, orgs: readonly MirrorOrg[], users: readonly MirrorUser[]): Promise<MirrorOrg[]> {
  const chosen = new Map(orgs.map((org) => [org.id, org]));
  let wanted = new Set<string>([...orgs.flatMap((org) => (org.data.parentId ? [org.data.parentId] : [])), ...users.flatMap((user) => user.data.orgIds)]);
  for (let round = 0; round < MAX_ANCESTOR_ROUNDS && wanted.size > 0; round += 1) {
    const candidates = [...wanted].filter((id) => !chosen.has(id));
    await builder.preloadOrgLinks(candidates);
    const unlinked = candidates.filter((id) => !builder.orgRemote.get(id));
    const found = (await deps.mirror.getOrgs(unlinked)).filter((org) => !org.deletedAt);
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
      return { work: { kind: kindOf(object), localId: object.id, name: nameOf(object), body: null, link: undefined, seq: object.seq }, operation: 'skip' as const, result: 'skipped' as const, note: 'deletion cancelled by an admin; left on the downstream' };
    }),
  );
}
