import type { Knex } from 'knex';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { insertChunked, whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import type { PushPolicy } from '../sources/push-policy-validation.js';
import type { ScimBody } from './bodies.js';

/** What `objectId` is: a local id (`mirror`), or the remote id of an object the IdP never had (`downstream`, found by verify downstream). */
export type DeletionOrigin = 'mirror' | 'downstream';
export type DeprovisionOperation = 'delete' | 'disable';

/** One object a deprovisioning would touch on the downstream. */
export interface PlannedDeletion {
  kind: ObjectKind;
  origin: DeletionOrigin;
  objectId: string;
  remoteId: string | null;
  name: string | null;
  operation: DeprovisionOperation;
  /** The object's mirror seq (its deletion); 0 for a purged row or a downstream orphan. */
  seq: number;
}

/** A deprovisioning an admin cancelled: left undone until the object changes in the directory. */
export interface CancelledDeletion extends Omit<PlannedDeletion, 'operation'> {
  cancelledBy: string;
  cancelledAt: string;
}

/** An object being judged: does a cancel still cover it? */
export interface DeletionRef {
  kind: ObjectKind;
  origin: DeletionOrigin;
  objectId: string;
  seq: number;
}

export interface Page {
  limit: number;
  offset: number;
}

/** The incremental delivery's hold; a paused run's hold is filed under the run's id. */
export const INCREMENTAL_HOLD = 0;

const HELD_KEY = ['source_id', 'run_id', 'kind', 'origin', 'object_id'];
const CANCEL_KEY = ['source_id', 'kind', 'origin', 'object_id'];
const MOVE_PAGE = 500;

export function deletionKey(ref: Pick<DeletionRef, 'kind' | 'origin' | 'objectId'>): string {
  return `${ref.kind}:${ref.origin}:${ref.objectId}`;
}

/**
 * What deprovisioning would do on the downstream to an object last sent as `sent`, under the
 * source's policy; null when nothing would change there: the policy leaves it, it never reached
 * the downstream, or it is to be disabled and was last sent inactive already. Those objects
 * neither count toward the threshold nor are held.
 */
export function plannedOperation(policy: PushPolicy, kind: ObjectKind, remoteId: string | null, sent: ScimBody | null): DeprovisionOperation | null {
  const action = kind === 'user' ? policy.deprovision.users : policy.deprovision.orgs;
  if (action === 'leave' || !remoteId) return null;
  if (action === 'disable' && sent?.active === false) return null;
  return action;
}

/**
 * `sync_held_deletions` and `sync_cancelled_deletions`: the objects a deletion hold holds (so an
 * admin sees what they confirm), and the deprovisionings an admin cancelled (so that no later
 * run or delivery does them after all while the object stays as it was).
 */
export class HeldDeletions {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  async add(sourceId: string, runId: number, deletions: readonly PlannedDeletion[], db: Knex | Knex.Transaction = this.knex): Promise<void> {
    const rows = deletions.map((deletion) => ({
      source_id: sourceId,
      run_id: runId,
      kind: deletion.kind,
      origin: deletion.origin,
      object_id: deletion.objectId,
      remote_id: deletion.remoteId,
      object_name: deletion.name?.slice(0, 255) ?? null,
      operation: deletion.operation,
      seq: deletion.seq,
    }));
    await insertChunked(db, TABLES.heldDeletions, rows, { columns: HELD_KEY, update: 'all' });
  }

  /** The hold is answered (confirmed) or gone: its list goes. */
  async clear(sourceId: string, runId: number, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db(TABLES.heldDeletions).where({ source_id: sourceId, run_id: runId }).delete();
  }

  /** A page of what a hold holds: users first, then orgs, by name. */
  async list(sourceId: string, runId: number, page: Page): Promise<{ items: PlannedDeletion[]; total: number }> {
    const base = () => this.knex(TABLES.heldDeletions).where({ source_id: sourceId, run_id: runId });
    const [count] = await base().count({ n: '*' });
    const rows = await base().orderBy('kind', 'desc').orderBy('object_name').orderBy('object_id').limit(page.limit).offset(page.offset);
    return { items: rows.map(toPlanned), total: Number(count?.n ?? 0) };
  }

  /**
   * The admin refuses the hold: each held object's deprovisioning is cancelled at its seq, and
   * the list goes. Moved a page at a time so a hold of any size never sits in memory.
   */
  async cancel(sourceId: string, runId: number, actor: string, db: Knex | Knex.Transaction = this.knex): Promise<number> {
    const now = this.clock().toISOString();
    let moved = 0;
    for (;;) {
      const rows = await db(TABLES.heldDeletions).where({ source_id: sourceId, run_id: runId }).orderBy(['kind', 'origin', 'object_id']).limit(MOVE_PAGE).offset(moved);
      const cancels = rows.map((row) => ({
        source_id: sourceId,
        kind: row.kind,
        origin: row.origin,
        object_id: row.object_id,
        remote_id: row.remote_id,
        object_name: row.object_name,
        seq: row.seq,
        cancelled_by: actor.slice(0, 255),
        cancelled_at: now,
      }));
      await insertChunked(db, TABLES.cancelledDeletions, cancels, { columns: CANCEL_KEY, update: 'all' });
      moved += rows.length;
      if (rows.length < MOVE_PAGE) break;
    }
    await this.clear(sourceId, runId, db);
    return moved;
  }

  /**
   * Keys of the objects whose deprovisioning an admin cancelled and that have not changed since
   * (same seq; a purged row or an orphan has seq 0 and stays as cancelled). A cancel an object
   * has outgrown (its seq moved) is dropped here: deprovisioning applies to it again.
   */
  async stillCancelled(sourceId: string, refs: readonly DeletionRef[]): Promise<Set<string>> {
    const covered = new Set<string>();
    if (refs.length === 0) return covered;
    const byKey = new Map(refs.map((ref) => [deletionKey(ref), ref]));
    const rows = (await whereInChunks([...new Set(refs.map((ref) => ref.objectId))], (slice) => this.knex(TABLES.cancelledDeletions).where({ source_id: sourceId }).whereIn('object_id', slice))).flat();
    const outgrown: Array<Record<string, unknown>> = [];
    for (const row of rows) {
      const ref = byKey.get(deletionKey({ kind: row.kind, origin: row.origin, objectId: row.object_id }));
      if (!ref) continue;
      if (ref.seq === 0 || ref.seq === Number(row.seq)) covered.add(deletionKey(ref));
      else outgrown.push(row);
    }
    for (const row of outgrown) await this.knex(TABLES.cancelledDeletions).where({ source_id: sourceId, kind: row.kind, origin: row.origin, object_id: row.object_id }).delete();
    return covered;
  }

  /** Cancels of these local objects that the objects outgrew: they changed in the directory (a delivery saw it). */
  async forgetChanged(sourceId: string, objects: ReadonlyArray<{ kind: ObjectKind; id: string; seq: number }>): Promise<void> {
    await this.stillCancelled(sourceId, objects.map((object) => ({ kind: object.kind, origin: 'mirror', objectId: object.id, seq: object.seq })));
  }

  async listCancelled(sourceId: string, page: Page): Promise<{ items: CancelledDeletion[]; total: number }> {
    const base = () => this.knex(TABLES.cancelledDeletions).where({ source_id: sourceId });
    const [count] = await base().count({ n: '*' });
    const rows = await base().orderBy('cancelled_at', 'desc').orderBy('kind', 'desc').orderBy('object_id').limit(page.limit).offset(page.offset);
    return {
      items: rows.map((row) => ({ ...toRef(row), remoteId: row.remote_id ?? null, name: row.object_name ?? null, cancelledBy: row.cancelled_by, cancelledAt: row.cancelled_at })),
      total: Number(count?.n ?? 0),
    };
  }
}

function toRef(row: Record<string, any>): DeletionRef {
  return { kind: row.kind, origin: row.origin, objectId: row.object_id, seq: Number(row.seq) };
}

function toPlanned(row: Record<string, any>): PlannedDeletion {
  return { ...toRef(row), remoteId: row.remote_id ?? null, name: row.object_name ?? null, operation: row.operation };
}
