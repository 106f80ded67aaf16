import type { Knex } from 'knex';
import { StateConflictError } from '../errors.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { insertChunked } from '../persistence/chunked.js';
import { streamById } from '../persistence/keyset.js';
import { TABLES } from '../persistence/tables.js';
import { isUniqueViolation } from '../persistence/unique-violation.js';
import { whereObjectMatches } from './log-search.js';
import { outcomeColumns, outcomeFromRow, pageOf, type LoggedOutcome } from './object-outcome.js';

export type RunKind = 'manual' | 'scheduled' | 'dry_run';
/** `succeeded_with_failures`: the run went through to the end, but some objects or memberships failed. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'succeeded_with_failures' | 'failed' | 'cancelled';
export type FinishedRunStatus = 'succeeded' | 'succeeded_with_failures' | 'failed' | 'cancelled';
export type RunOperation = 'create' | 'update' | 'delete' | 'disable' | 'skip';
export type RunItemResult = 'succeeded' | 'failed' | 'skipped' | 'planned';

export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];
const FINISHED_RUN_STATUSES: readonly FinishedRunStatus[] = ['succeeded', 'succeeded_with_failures', 'failed', 'cancelled'];

export interface RunCounts {
  total: number;
  processed: number;
  created: number;
  updated: number;
  deleted: number;
  skipped: number;
  failed: number;
}

export interface Run extends RunCounts {
  id: number;
  sourceId: string;
  kind: RunKind;
  status: RunStatus;
  startedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  options: Record<string, unknown>;
  cancelRequested: boolean;
}

export interface RunItemInput extends LoggedOutcome {
  operation: RunOperation;
  result: RunItemResult;
}

export interface RunItem extends Required<RunItemInput> {
  id: number;
  runId: number;
  at: string;
}

export interface RunItemFilter {
  result?: RunItemResult;
  kind?: ObjectKind;
  /** The object's id, userName or a part of its name (lib/runs/log-search.ts). */
  search?: string;
  /** Leaves out the objects the run found unchanged (operation `skip`): a dry run's differences only. */
  hideUnchanged?: boolean;
  limit?: number;
  offset?: number;
}

/** Runs and their per-object log. One unfinished run per source, enforced by a unique index. */
export class RunStore {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  /** Creates a queued run; refuses when the source already has one that is not finished. */
  async create(sourceId: string, kind: RunKind, startedBy: string | null, options: Record<string, unknown> = {}): Promise<Run> {
    try {
      const [row] = await this.knex(TABLES.runs)
        .insert({ source_id: sourceId, kind, status: 'queued', started_by: startedBy, created_at: this.#now(), options: JSON.stringify(options) })
        .returning('id');
      return (await this.get(Number(typeof row === 'object' ? row.id : row)))!;
    } catch (error) {
      if (isUniqueViolation(error)) throw new StateConflictError('run_active', 'a sync of this source is already running');
      throw error;
    }
  }

  async get(id: number): Promise<Run | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = await this.knex(TABLES.runs).where({ id }).first();
    return row ? toRun(row) : undefined;
  }

  async activeRun(sourceId: string): Promise<Run | undefined> {
    const row = await this.knex(TABLES.runs).where({ source_id: sourceId }).whereIn('status', ACTIVE_RUN_STATUSES).first();
    return row ? toRun(row) : undefined;
  }

  async list(sourceId: string, page: { limit?: number; offset?: number } = {}): Promise<{ runs: Run[]; total: number }> {
    const { rows, total } = await pageOf(() => this.knex(TABLES.runs).where({ source_id: sourceId }), 'desc', { limit: 20, ...page });
    return { runs: rows.map(toRun), total };
  }

  async markRunning(id: number, holder: string): Promise<void> {
    const now = this.#now();
    await this.knex(TABLES.runs).where({ id }).update({ status: 'running', started_at: now, heartbeat_at: now, holder });
  }

  /** Adds to the counters atomically, so that several writers never lose an increment. */
  async addCounts(id: number, delta: Partial<RunCounts>, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    const update: Record<string, unknown> = { heartbeat_at: this.#now() };
    for (const [key, value] of Object.entries(delta)) {
      if (value) update[key] = this.knex.raw('?? + ?', [key, value]);
    }
    await db(TABLES.runs).where({ id }).update(update);
  }

  async setTotal(id: number, total: number): Promise<void> {
    await this.knex(TABLES.runs).where({ id }).update({ total, heartbeat_at: this.#now() });
  }

  async finish(id: number, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): Promise<void> {
    await this.knex(TABLES.runs)
      .where({ id })
      .update({ status, error, finished_at: status === 'paused' ? null : this.#now() });
  }

  async requestCancel(id: number): Promise<void> {
    await this.knex(TABLES.runs).where({ id }).whereIn('status', ACTIVE_RUN_STATUSES).update({ cancel_requested: true });
  }

  /**
   * Takes over a run this process does not run: a paused run, or (with `staleBefore`) one left
   * `running` by a dead process. One conditional update, so two instances never both win.
   */
  async claim(id: number, holder: string, options: { staleBefore?: string; runOptions: Record<string, unknown> }): Promise<boolean> {
    const claimed = await this.knex(TABLES.runs)
      .where({ id })
      .where((query) => {
        query.where({ status: 'paused' });
        if (options.staleBefore) query.orWhere((stale) => stale.where({ status: 'running' }).where('heartbeat_at', '<', options.staleBefore!));
      })
      .update({ status: 'running', holder, heartbeat_at: this.#now(), options: JSON.stringify(options.runOptions) });
    return claimed > 0;
  }

  /** Runs left `running` without a heartbeat since `staleBefore` (their process died). */
  async staleRunning(staleBefore: string): Promise<Array<{ id: number; sourceId: string }>> {
    const rows = await this.knex(TABLES.runs)
      .where('status', 'running')
      .where((query) => query.whereNull('heartbeat_at').orWhere('heartbeat_at', '<', staleBefore))
      .select('id', 'source_id');
    return rows.map((row) => ({ id: Number(row.id), sourceId: row.source_id as string }));
  }

  /** Whether a (non-dry) run of the source is delivering now, here or on another instance. */
  async isDelivering(sourceId: string): Promise<boolean> {
    const row = await this.knex(TABLES.runs).where({ source_id: sourceId, status: 'running' }).whereNot({ kind: 'dry_run' }).first('id');
    return row !== undefined;
  }

  /** Ends a paused run without resuming it; false when it was no longer paused. */
  async cancelPaused(id: number): Promise<boolean> {
    const cancelled = await this.knex(TABLES.runs).where({ id, status: 'paused' }).update({ status: 'cancelled', finished_at: this.#now(), cancel_requested: true });
    return cancelled > 0;
  }

  /** Where an executor got to, so that a resumed run goes on from there. */
  async saveCheckpoint(id: number, checkpoint: unknown, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db(TABLES.runs).where({ id }).update({ checkpoint: JSON.stringify(checkpoint) });
  }

  async loadCheckpoint<T>(id: number): Promise<T | null> {
    const row = await this.knex(TABLES.runs).where({ id }).first('checkpoint');
    return row?.checkpoint ? (JSON.parse(row.checkpoint) as T) : null;
  }

  /** Deletes finished runs (and their items) that finished before the cutoff; returns how many. */
  async purgeFinishedBefore(cutoff: string): Promise<number> {
    return this.knex(TABLES.runs).whereIn('status', FINISHED_RUN_STATUSES).where('finished_at', '<', cutoff).delete();
  }

  async isCancelRequested(id: number): Promise<boolean> {
    const row = await this.knex(TABLES.runs).where({ id }).first('cancel_requested');
    return Boolean(row?.cancel_requested);
  }

  /**
   * `db` lets a caller write the items in its own transaction (a push run writes a page at once).
   * Hand-built multi-row INSERTs: a 100k-user run writes 100k items, and knex's per-value
   * compilation is the dearer part.
   */
  async addItems(runId: number, items: readonly RunItemInput[], db: Knex | Knex.Transaction = this.knex): Promise<void> {
    const at = this.#now();
    await insertChunked(db, TABLES.runItems, items.map((item) => ({ run_id: runId, at, ...outcomeColumns(item) })));
  }

  /** Oldest first. */
  async items(runId: number, filter: RunItemFilter = {}): Promise<{ items: RunItem[]; total: number }> {
    const { rows, total } = await pageOf(() => this.#itemQuery(runId, filter), 'asc', filter);
    return { items: rows.map(toRunItem), total };
  }

  /** How many items the filter would match among those it hides as unchanged (the page says so). */
  async countUnchanged(runId: number, filter: Omit<RunItemFilter, 'hideUnchanged' | 'limit' | 'offset'> = {}): Promise<number> {
    const [count] = await this.#itemQuery(runId, filter).where({ operation: 'skip' }).count({ n: '*' });
    return Number((count as { n?: unknown } | undefined)?.n ?? 0);
  }

  /** Every item the filter matches, oldest first, a page at a time (an export of any size). */
  async *streamItems(runId: number, filter: Omit<RunItemFilter, 'limit' | 'offset'> = {}): AsyncGenerator<RunItem> {
    for await (const row of streamById(() => this.#itemQuery(runId, filter), 'asc')) yield toRunItem(row);
  }

  #itemQuery(runId: number, filter: RunItemFilter): Knex.QueryBuilder {
    const query = this.knex(TABLES.runItems).where({ run_id: runId });
    if (filter.result) query.where({ result: filter.result });
    if (filter.kind) query.where({ kind: filter.kind });
    if (filter.hideUnchanged) query.whereNot({ operation: 'skip' });
    if (filter.search) whereObjectMatches(query, this.knex, filter.search);
    return query;
  }

  #now(): string {
    return this.clock().toISOString();
  }
}

function toRun(row: Record<string, any>): Run {
  return {
    id: Number(row.id),
    sourceId: row.source_id,
    kind: row.kind,
    status: row.status,
    startedBy: row.started_by ?? null,
    createdAt: row.created_at,
    startedAt: row.started_at ?? null,
    finishedAt: row.finished_at ?? null,
    total: Number(row.total),
    processed: Number(row.processed),
    created: Number(row.created),
    updated: Number(row.updated),
    deleted: Number(row.deleted),
    skipped: Number(row.skipped),
    failed: Number(row.failed),
    error: row.error ?? null,
    options: row.options ? JSON.parse(row.options) : {},
    cancelRequested: Boolean(row.cancel_requested),
  };
}

function toRunItem(row: Record<string, any>): RunItem {
  return { id: Number(row.id), runId: Number(row.run_id), at: row.at, ...(outcomeFromRow(row) as Required<RunItemInput>) };
}
