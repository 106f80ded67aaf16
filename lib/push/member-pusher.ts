import type { Knex } from 'knex';
import { engineMessage } from '../i18n/engine-message.js';
import { insertChunked, whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { PushError, RemoteRejectedError, StopSyncError, TransientPushError } from './client/errors.js';
import type { LinkStore } from './links-store.js';
import type { OutcomeResult, PushTarget, ScimTarget } from './object-pusher.js';
import { quote, scimTargetOf } from './object-pusher.js';
import type { PatchOperation } from './client/scim-client.js';

/** A user's wanted org memberships; null leaves them as they are (a deprovisioned user). */
export interface MembershipWish {
  userId: string;
  orgIds: readonly string[];
  /** The user's remote id when the caller just learned it (its link may not be written yet). */
  remoteId?: string;
}

/** One PATCH of a group's members (or, in a dry run, one that would be sent). */
export interface MemberOutcome {
  orgId: string;
  orgName: string | null;
  added: string[];
  removed: string[];
  result: OutcomeResult;
  error?: PushError;
  method: string;
  path: string | null;
  httpStatus: number | null;
  durationMs: number | null;
}

/**
 * Group memberships as deltas: what each user should be in, against what we last sent
 * (`sync_push_members`), sent as PATCH add/remove operations, at most `chunkSize` members per
 * request. Never the whole member list for one change.
 */
export class MemberPusher {
  /** Deltas waiting to be sent, per org: flushed when a group has a full chunk, or at the end. */
  readonly #pending = new Map<string, { add: Set<string>; remove: Set<string> }>();
  #pendingCount = 0;
  /** Remote ids of users with pending deltas, as the caller told them (bounded by the pending deltas). */
  readonly #known = new Map<string, string>();
  /** How to send a failed PATCH again, for the outcomes that may be retried (held while the caller holds the outcome). */
  readonly #resend = new WeakMap<MemberOutcome, () => Promise<MemberOutcome>>();

  constructor(
    private readonly knex: Knex,
    private readonly target: ScimTarget,
    private readonly links: LinkStore,
    private readonly chunkSize: number,
    /** Flush everything once this many deltas wait, so memory stays bounded in a full sync. */
    private readonly maxPending = 20_000,
  ) {}

  get pendingCount(): number {
    return this.#pendingCount;
  }

  /** Adds the deltas of these users; returns the outcomes of any PATCH this filled up. */
  async wish(wishes: readonly MembershipWish[], send: (work: () => Promise<MemberOutcome>) => Promise<MemberOutcome>): Promise<MemberOutcome[]> {
    if (wishes.length === 0) return [];
    const sent = new Map<string, Set<string>>();
    const userIds = wishes.map((wish) => wish.userId);
    const rows = await whereInChunks(userIds, (slice) => this.knex(TABLES.pushMembers).where({ source_id: this.target.sourceId }).whereIn('user_id', slice));
    for (const row of rows.flat()) (sent.get(row.user_id) ?? sent.set(row.user_id, new Set()).get(row.user_id)!).add(row.org_id);
    for (const wish of wishes) {
      const before = sent.get(wish.userId) ?? new Set<string>();
      const after = new Set(wish.orgIds);
      const queued = this.#pendingCount;
      for (const orgId of after) if (!before.has(orgId)) this.#queue(orgId, wish.userId, 'add');
      for (const orgId of before) if (!after.has(orgId)) this.#queue(orgId, wish.userId, 'remove');
      if (wish.remoteId && this.#pendingCount !== queued) this.#known.set(wish.userId, wish.remoteId);
    }
    const full = [...this.#pending.entries()].filter(([, delta]) => delta.add.size + delta.remove.size >= this.chunkSize).map(([orgId]) => orgId);
    const orgIds = this.#pendingCount > this.maxPending ? [...this.#pending.keys()] : full;
    return this.#flush(orgIds, send, true);
  }

  /** Sends every pending delta. */
  async flush(send: (work: () => Promise<MemberOutcome>) => Promise<MemberOutcome>): Promise<MemberOutcome[]> {
    return this.#flush([...this.#pending.keys()], send, false);
  }

  /**
   * Sends the same PATCHes again for outcomes of `retry` (a run retries them like objects); the
   * ones that go through are recorded. Outcomes this pusher did not make, or that are final, are
   * returned as they are.
   */
  async retry(outcomes: readonly MemberOutcome[], send: (work: () => Promise<MemberOutcome>) => Promise<MemberOutcome>): Promise<MemberOutcome[]> {
    const again = await Promise.all(
      outcomes.map(async (outcome) => {
        const resend = outcome.result === 'retry' ? this.#resend.get(outcome) : undefined;
        if (!resend) return outcome;
        const next = await send(resend);
        if (next.result === 'retry') this.#resend.set(next, resend);
        return next;
      }),
    );
    await this.#record(again.filter((outcome) => !outcomes.includes(outcome)));
    return again;
  }

  #queue(orgId: string, userId: string, op: 'add' | 'remove'): void {
    const delta = this.#pending.get(orgId) ?? this.#pending.set(orgId, { add: new Set(), remove: new Set() }).get(orgId)!;
    const other = op === 'add' ? delta.remove : delta.add;
    if (other.delete(userId)) this.#pendingCount -= 1;
    else {
      (op === 'add' ? delta.add : delta.remove).add(userId);
      this.#pendingCount += 1;
    }
  }

  async #flush(orgIds: string[], send: (work: () => Promise<MemberOutcome>) => Promise<MemberOutcome>, fullChunksOnly: boolean): Promise<MemberOutcome[]> {
    if (orgIds.length === 0) return [];
    const batches: Array<{ orgId: string; add: string[]; remove: string[] }> = [];
    const sendAll = !fullChunksOnly || this.#pendingCount > this.maxPending;
    for (const orgId of orgIds) {
      const delta = this.#pending.get(orgId);
      if (!delta) continue;
      const members = [...[...delta.remove].map((id) => ['remove', id] as const), ...[...delta.add].map((id) => ['add', id] as const)];
      const whole = Math.floor(members.length / this.chunkSize) * this.chunkSize;
      const sendCount = sendAll ? members.length : whole;
      for (let start = 0; start < sendCount; start += this.chunkSize) {
        const chunk = members.slice(start, Math.min(start + this.chunkSize, sendCount));
        batches.push({ orgId, add: chunk.filter(([op]) => op === 'add').map(([, id]) => id), remove: chunk.filter(([op]) => op === 'remove').map(([, id]) => id) });
      }
      for (const [op, id] of members.slice(0, sendCount)) {
        (op === 'add' ? delta.add : delta.remove).delete(id);
        this.#pendingCount -= 1;
      }
      if (delta.add.size + delta.remove.size === 0) this.#pending.delete(orgId);
    }
    if (batches.length === 0) return [];
    const orgLinks = await this.links.load(this.target.sourceId, 'org', batches.map((batch) => batch.orgId));
    const userIds = batches.flatMap((batch) => [...batch.add, ...batch.remove]);
    const userLinks = await this.links.load(this.target.sourceId, 'user', userIds.filter((id) => !this.#known.has(id)));
    const known = new Map(userIds.flatMap((id) => (this.#known.has(id) ? [[id, this.#known.get(id)!] as const] : [])));
    for (const id of userIds) this.#known.delete(id);
    const remoteOf = (userId: string) => known.get(userId) ?? userLinks.get(userId)?.remoteId ?? undefined;
    const outcomes = await Promise.all(
      batches.map(async (batch) => {
        const org = orgLinks.get(batch.orgId);
        const patch = () => this.#patch(batch, org?.remoteId ?? undefined, org?.objectName ?? null, remoteOf);
        const outcome = await send(patch);
        if (outcome.result === 'retry') this.#resend.set(outcome, patch);
        return outcome;
      }),
    );
    await this.#record(outcomes);
    return outcomes;
  }

  async #patch(batch: { orgId: string; add: string[]; remove: string[] }, groupRemoteId: string | undefined, orgName: string | null, remoteOf: (userId: string) => string | undefined): Promise<MemberOutcome> {
    // Members whose user or group is not on the downstream wait: the next sync sends them.
    const add = groupRemoteId ? batch.add.filter((id) => remoteOf(id)) : [];
    const remove = groupRemoteId ? batch.remove.filter((id) => remoteOf(id)) : [];
    const url = groupRemoteId ? this.target.client.resourceUrl(this.target.orgEndpoint!, groupRemoteId) : null;
    const base: MemberOutcome = { orgId: batch.orgId, orgName, added: add, removed: remove, result: 'skipped', method: 'PATCH', path: url ? new URL(url).pathname : null, httpStatus: null, durationMs: null };
    if (!url || add.length + remove.length === 0) return base;
    if (this.target.dryRun) return { ...base, result: 'planned' };
    const operations: PatchOperation[] = remove.map((id) => ({ op: 'remove', path: `members[value eq ${quote(remoteOf(id)!)}]` }));
    if (add.length > 0) operations.push({ op: 'add', path: 'members', value: add.map((id) => ({ value: remoteOf(id)! })) });
    try {
      const response = await this.target.client.patch(url, operations);
      return { ...base, result: 'succeeded', httpStatus: response.status, durationMs: response.durationMs };
    } catch (error) {
      if (!(error instanceof PushError)) throw error;
      // Removing a member the group no longer has is what we wanted.
      if (add.length === 0 && error.scimType === 'noTarget') return { ...base, result: 'succeeded', httpStatus: error.status ?? null };
      const result: OutcomeResult = error instanceof TransientPushError ? 'retry' : error instanceof StopSyncError ? 'stop' : 'rejected';
      const reported = error instanceof RemoteRejectedError && error.code === 'SSC_PUSH_UNSUPPORTED' ? new RemoteRejectedError(engineMessage('engine.push.membersNeedPatch', { ...error.engineMessage.params }), error) : error;
      return { ...base, result, error: reported, httpStatus: error.status ?? null };
    }
  }

  /** What the downstream now holds: added rows in, removed rows out. Failed deltas are not recorded, so they are computed again. */
  async #record(outcomes: readonly MemberOutcome[]): Promise<void> {
    if (this.target.dryRun) return;
    const done = outcomes.filter((outcome) => outcome.result === 'succeeded');
    if (done.length === 0) return;
    await this.knex.transaction(async (trx) => {
      const rows = done.flatMap((outcome) => outcome.added.map((userId) => ({ source_id: this.target.sourceId, org_id: outcome.orgId, user_id: userId })));
      await insertChunked(trx, TABLES.pushMembers, rows, { columns: ['source_id', 'org_id', 'user_id'], update: 'nothing' });
      for (const outcome of done) {
        await whereInChunks(outcome.removed, (slice) => trx(TABLES.pushMembers).where({ source_id: this.target.sourceId, org_id: outcome.orgId }).whereIn('user_id', slice).delete());
      }
    });
  }
}

/** The target when it pushes orgs as SCIM Groups (their members go as PATCH deltas from MemberPusher); null otherwise. */
export function scimGroupsOf(target: PushTarget): ScimTarget | null {
  const scim = scimTargetOf(target);
  return scim && scim.orgEndpoint !== undefined && scim.orgShape === 'group' ? scim : null;
}

/**
 * Whether users that left the host leave their groups downstream first: under every policy but
 * `leave`. A disabled user would otherwise stay a member (the pull server no longer lists it
 * there), and not every server drops a deleted user's memberships (SCIM does not require it;
 * scimmy leaves it to the app), so a delete removes them explicitly too.
 */
export function leaveGroups(target: Pick<ScimTarget, 'orgEndpoint' | 'orgShape' | 'policy'>): boolean {
  return target.orgEndpoint !== undefined && target.orgShape === 'group' && target.policy.deprovision.users !== 'leave';
}

/** Forgets memberships of remote objects that were recreated or removed. */
export async function resetMembers(db: Knex | Knex.Transaction, sourceId: string, resets: ReadonlyArray<{ kind: 'user' | 'org'; localId: string }>): Promise<void> {
  for (const kind of ['user', 'org'] as const) {
    const ids = resets.filter((reset) => reset.kind === kind).map((reset) => reset.localId);
    const column = kind === 'user' ? 'user_id' : 'org_id';
    await whereInChunks(ids, (slice) => db(TABLES.pushMembers).where({ source_id: sourceId }).whereIn(column, slice).delete());
  }
}

/** The remote ids of a group's members as last sent (for a PUT fallback that must keep them). */
export async function groupMemberRemoteIds(knex: Knex, links: LinkStore, sourceId: string, orgId: string): Promise<string[]> {
  const rows = await knex(TABLES.pushMembers).where({ source_id: sourceId, org_id: orgId }).select('user_id');
  const linked = await links.load(sourceId, 'user', rows.map((row) => row.user_id as string));
  return [...linked.values()].flatMap((link) => (link.remoteId ? [link.remoteId] : []));
}

/**
 * Sets what we hold as sent for these groups to what the downstream was read to hold (a
 * reconciling run), so the next deltas repair the difference: members it lacks are added again,
 * members it has that the IdP does not want are removed.
 */
export async function replaceRecordedMembers(db: Knex | Knex.Transaction, sourceId: string, groups: ReadonlyArray<{ orgId: string; userIds: readonly string[] }>): Promise<void> {
  if (groups.length === 0) return;
  await whereInChunks(groups.map((group) => group.orgId), (slice) => db(TABLES.pushMembers).where({ source_id: sourceId }).whereIn('org_id', slice).delete());
  const rows = groups.flatMap((group) => [...new Set(group.userIds)].map((userId) => ({ source_id: sourceId, org_id: group.orgId, user_id: userId })));
  await insertChunked(db, TABLES.pushMembers, rows, { columns: ['source_id', 'org_id', 'user_id'], update: 'nothing' });
}
