import type { Knex } from 'knex';
import type { AuditLog } from '../audit-log.js';
import { StateConflictError } from '../errors.js';
import type { SyncEvents } from '../events.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { TABLES } from '../persistence/tables.js';
import type { PushPolicy } from '../sources/push-policy-validation.js';
import type { DeletionThreshold } from '../sources/source-types.js';
import type { LinkStore } from './links-store.js';

/** Incremental deliveries waiting because they would delete more than the source's threshold. */
export interface DeletionHold {
  reason: string;
  /** Deletions (or disables) pending in the feed when the hold was set. */
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

/** The reason a number of deletions exceeds the threshold, or null when it does not. */
export function thresholdExceeded(threshold: DeletionThreshold | null, deletes: number, linked: number): string | null {
  if (!threshold || deletes === 0) return null;
  if (threshold.count !== undefined && deletes > threshold.count) {
    return `${deletes} deletions exceed the threshold of ${threshold.count}; confirm or cancel them`;
  }
  if (threshold.percent !== undefined && linked > 0 && (deletes / linked) * 100 > threshold.percent) {
    return `${deletes} deletions are ${Math.round((deletes / linked) * 1000) / 10}% of ${linked} synced objects, above the threshold of ${threshold.percent}%; confirm or cancel them`;
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
   * exceed the threshold. Returns the hold in force, if any.
   */
  async check(sourceId: string, policy: PushPolicy, cursor: number, state: HoldState): Promise<DeletionHold | null> {
    if (state.hold) return state.hold;
    const kinds = deletingKinds(policy);
    if (!policy.deletionThreshold || kinds.length === 0) return null;
    const after = Math.max(cursor, state.confirmedSeq, state.cancelledSeq);
    const deletes = await this.links.countLinkedDeletesAfter(sourceId, kinds, after);
    if (deletes === 0) return null;
    const linked = await this.links.countLinked(sourceId, kinds);
    const reason = thresholdExceeded(policy.deletionThreshold, deletes, linked);
    if (!reason) return null;
    const hold: DeletionHold = { reason, deletes, linked, throughSeq: (await this.mirror.latestChangeSeq()) ?? after, at: this.clock().toISOString() };
    await this.#write(sourceId, { hold: JSON.stringify(hold) });
    await this.audit.record({ actor: 'system', action: 'push.deletions_held', sourceId, detail: { deletes, linked } });
    this.events.emit('source', { id: sourceId, action: 'deletions_held' });
    return hold;
  }

  /** The admin allows the held deletions. */
  async confirm(sourceId: string, actor: string): Promise<void> {
    const { hold } = await this.state(sourceId);
    if (!hold) throw new StateConflictError('no_hold', 'no deletions are waiting for confirmation');
    await this.#write(sourceId, { hold: null, confirmed_delete_seq: hold.throughSeq });
    await this.audit.record({ actor, action: 'push.deletions_confirmed', sourceId, detail: { deletes: hold.deletes } });
    this.events.emit('source', { id: sourceId, action: 'deletions_confirmed' });
  }

  /** The admin refuses them: they are left undone on the downstream and delivery goes on. */
  async cancel(sourceId: string, actor: string): Promise<void> {
    const { hold } = await this.state(sourceId);
    if (!hold) throw new StateConflictError('no_hold', 'no deletions are waiting for confirmation');
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
