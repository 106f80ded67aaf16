import type { Knex } from 'knex';
import type { AuditLog } from '../audit-log.js';
import { StateConflictError } from '../errors.js';
import type { SyncEvents } from '../events.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import type { MirrorOrg, MirrorUser, ObjectKind } from '../mirror/mirror-rows.js';
import { TABLES } from '../persistence/tables.js';
import type { PushPolicy } from '../sources/push-policy-validation.js';
import type { DeletionThreshold } from '../sources/source-types.js';
import { engineMessage, storeMessage, type EngineMessage } from '../i18n/engine-message.js';
import { cancelledAmong, pendingDeletions } from './deletion-plan.js';
import { kindOf } from '../mirror/mirror-record.js';
import { INCREMENTAL_HOLD, type HeldDeletions, type Page, type PlannedDeletion } from './held-deletions.js';
import type { LinkStore } from './links-store.js';

/** Incremental deliveries waiting because they would delete more than the source's threshold. */
export interface DeletionHold {
  /** A stored engine message (`renderMessage`); holds from before codes have plain English. */
  reason: string;
  /** Deletions (or disables) pending in the feed when the hold was set, not counting those that would change nothing. */
  deletes: number;
  /** Objects linked on the downstream at that time (the base of a percentage). */
  linked: number;
  /** Confirming allows the deletions up to this change. */
  throughSeq: number;
  at: string;
}

export interface HoldState {
  hold: DeletionHold | null;
  confirmedSeq: number;
  cancelledSeq: number;
}

/**
 * Why a number of deletions exceeds the threshold (an engine message, see engine-message.ts), or
 * null when it does not. `deletes` counts only objects for which something would change.
 */
export function thresholdExceeded(threshold: DeletionThreshold | null, deletes: number, linked: number): EngineMessage | null {
  if (!threshold || deletes === 0) return null;
  if (threshold.count !== undefined && deletes > threshold.count) {
    return engineMessage('engine.hold.deletionsExceed', { count: deletes, threshold: threshold.count });
  }
  if (threshold.percent !== undefined && linked > 0 && (deletes / linked) * 100 > threshold.percent) {
    return engineMessage('engine.hold.deletionsExceedPercent', { count: deletes, percent: Math.round((deletes / linked) * 1000) / 10, linked, threshold: threshold.percent });
  }
  return null;
}

/** Kinds whose deprovisioning touches the downstream (`leave` deletes nothing). */
export function deletingKinds(policy: PushPolicy): ObjectKind[] {
  const kinds: ObjectKind[] = [];
  if (policy.deprovision.users !== 'leave') kinds.push('user');
  if (policy.deprovision.orgs !== 'leave') kinds.push('org');
  return kinds;
}

export class DeletionHolds {
  constructor(
    private readonly knex: Knex,
    private readonly links: LinkStore,
    private readonly mirror: MirrorReader,
    private readonly held: HeldDeletions,
    private readonly audit: AuditLog,
    private readonly events: SyncEvents,
    private readonly clock: () => Date,
  ) {}

  async state(sourceId: string): Promise<HoldState> {
    const row = await this.knex(TABLES.pushState).where({ source_id: sourceId }).first();
    return {
      hold: row?.hold ? (JSON.parse(row.hold) as DeletionHold) : null,
      confirmedSeq: Number(row?.confirmed_delete_seq ?? 0),
      cancelledSeq: Number(row?.cancelled_delete_seq ?? 0),
    };
  }

  /**
   * Looks at every linked deletion pending in the feed after the cursor (not just one batch, so
   * a mass deletion spread over many batches is caught at its first) and sets a hold when they
   * exceed the threshold. Objects for which nothing would change downstream (already disabled,
   * left by the policy) and those an admin cancelled do not count and are not held. The held
   * objects are listed in `sync_held_deletions`. Returns the hold in force, if any.
   */
  async check(sourceId: string, policy: PushPolicy, cursor: number, state: HoldState): Promise<DeletionHold | null> {
    if (state.hold) return state.hold;
    const kinds = deletingKinds(policy);
    if (!policy.deletionThreshold || kinds.length === 0) return null;
    const after = Math.max(cursor, state.confirmedSeq, state.cancelledSeq);
    // The raw count is one query; only when it is over the threshold are the objects looked at
    // one by one (dropping some can only bring the count down).
    const raw = await this.links.countLinkedDeletesAfter(sourceId, kinds, after);
    if (raw === 0) return null;
    const linked = await this.links.countLinked(sourceId, kinds);
    if (!thresholdExceeded(policy.deletionThreshold, raw, linked)) return null;
    const throughSeq = (await this.mirror.latestChangeSeq()) ?? after;
    const pending = () => pendingDeletions({ links: this.links, mirror: this.mirror, held: this.held }, sourceId, policy, kinds, after, throughSeq);
    let deletes = 0;
    for await (const page of pending()) deletes += page.length;
    const reason = thresholdExceeded(policy.deletionThreshold, deletes, linked);
    if (!reason) return null;
    const hold: DeletionHold = { reason: storeMessage(reason), deletes, linked, throughSeq, at: this.clock().toISOString() };
    await this.held.clear(sourceId, INCREMENTAL_HOLD);
    for await (const page of pending()) await this.held.add(sourceId, INCREMENTAL_HOLD, page);
    await this.#write(sourceId, { hold: JSON.stringify(hold) });
    await this.audit.record({ actor: 'system', action: 'push.deletions_held', sourceId, detail: { deletes, linked } });
    this.events.emit('source', { id: sourceId, action: 'deletions_held' });
    return hold;
  }

  /** A page of the objects the incremental hold holds. */
  async heldObjects(sourceId: string, page: Page): Promise<{ items: PlannedDeletion[]; total: number }> {
    return this.held.list(sourceId, INCREMENTAL_HOLD, page);
  }

  /** Keys (deletionKey) of the gone objects whose deprovisioning an admin cancelled and that have not changed since. */
  async cancelledAmong(sourceId: string, users: readonly MirrorUser[], orgs: readonly MirrorOrg[]): Promise<Set<string>> {
    const keys = await cancelledAmong(this.held, sourceId, users, 'user');
    for (const key of await cancelledAmong(this.held, sourceId, orgs, 'org')) keys.add(key);
    return keys;
  }

  /** Drops the cancels these live objects outgrew (they changed in the directory since). */
  async forgetChanged(sourceId: string, objects: ReadonlyArray<MirrorUser | MirrorOrg>): Promise<void> {
    await this.held.forgetChanged(sourceId, objects.map((object) => ({ kind: kindOf(object), id: object.id, seq: Number(object.seq) })));
  }

  /** The admin allows the held deletions. */
  async confirm(sourceId: string, actor: string): Promise<void> {
    const { hold } = await this.state(sourceId);
    if (!hold) throw new StateConflictError('no_hold', 'no deletions are waiting for confirmation');
    await this.#write(sourceId, { hold: null, confirmed_delete_seq: hold.throughSeq });
    await this.held.clear(sourceId, INCREMENTAL_HOLD);
    await this.audit.record({ actor, action: 'push.deletions_confirmed', sourceId, detail: { deletes: hold.deletes } });
    this.events.emit('source', { id: sourceId, action: 'deletions_confirmed' });
  }

  /**
   * The admin refuses them: they are left undone on the downstream and delivery goes on. Each
   * held object stays there until it changes again in the directory, whatever run comes next.
   */
  async cancel(sourceId: string, actor: string): Promise<void> {
    const { hold } = await this.state(sourceId);
    if (!hold) throw new StateConflictError('no_hold', 'no deletions are waiting for confirmation');
    await this.held.cancel(sourceId, INCREMENTAL_HOLD, actor);
    await this.#write(sourceId, { hold: null, cancelled_delete_seq: hold.throughSeq });
    await this.audit.record({ actor, action: 'push.deletions_cancelled', sourceId, detail: { deletes: hold.deletes } });
    this.events.emit('source', { id: sourceId, action: 'deletions_cancelled' });
  }

  async #write(sourceId: string, values: Record<string, unknown>): Promise<void> {
    const now = this.clock().toISOString();
    await this.knex(TABLES.pushState)
      .insert({ source_id: sourceId, hold: null, confirmed_delete_seq: 0, cancelled_delete_seq: 0, ...values, updated_at: now })
      .onConflict('source_id')
      .merge({ ...values, updated_at: now });
  }
}
