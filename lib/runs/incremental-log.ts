import type { Knex } from 'knex';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { insertChunked } from '../persistence/chunked.js';
import { streamById } from '../persistence/keyset.js';
import { TABLES } from '../persistence/tables.js';
import { searchFold, whereObjectMatches, wherePullMatches } from './log-search.js';
import { outcomeColumns, outcomeFromRow, pageOf, type LoggedOutcome } from './object-outcome.js';
import { deliveryOutcome, pullOutcome, SourceHours } from './source-hours.js';

/** One push delivery attempt (a push source's "incremental sync log"). */
export interface DeliveryLogInput extends LoggedOutcome {
  sourceId: string;
  changeSeq?: number | null;
  /** `succeeded`, `failed`, `retrying`, `rejected`, `skipped`. */
  result: string;
  attempt?: number;
}

export interface DeliveryLogEntry extends Required<DeliveryLogInput> {
  id: number;
  at: string;
}

/** One SCIM request served to a pull source (a pull source's "incremental sync log"). */
export interface PullLogInput {
  sourceId: string;
  clientId?: string | null;
  method: string;
  path: string;
  filter?: string | null;
  resultCount?: number | null;
  status: number;
  durationMs: number;
  /** When the request arrived (ISO-8601); the time of writing when absent. */
  at?: string;
}

export interface PullLogEntry extends PullLogInput {
  id: number;
  at: string;
}

export interface LogFilter {
  /** Delivery log: a result; pull log: `ok` (status < 400) or `error`. */
  result?: string;
  kind?: ObjectKind;
  /**
   * Delivery log: the object's id, userName or a part of its name; pull log: a part of the
   * path or filter, or the client id (lib/runs/log-search.ts says what each costs).
   */
  search?: string;
  /** ISO-8601 bounds, inclusive. */
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/** Told of every row the logs write (the center's metrics count them). */
export interface LogObserver {
  deliveriesRecorded(entries: readonly DeliveryLogInput[]): void;
  pullsRecorded(entries: readonly PullLogInput[]): void;
}

/** Both incremental logs: written by the push worker and the SCIM server, read by the console. */
export class IncrementalLog {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
    private readonly observer?: LogObserver,
    /** The per-hour sums the status pages read, written with every log row. */
    private readonly hours: SourceHours = new SourceHours(knex),
  ) {}

  async recordDeliveries(entries: readonly DeliveryLogInput[], db: Knex | Knex.Transaction = this.knex): Promise<void> {
    const at = this.clock().toISOString();
    const rows = entries.map((entry) => ({
      source_id: entry.sourceId,
      at,
      change_seq: entry.changeSeq ?? null,
      attempt: entry.attempt ?? 1,
      ...outcomeColumns(entry),
    }));
    await insertChunked(db, TABLES.deliveryLog, rows);
    await this.hours.add(db, rows.map((row) => ({ sourceId: row.source_id, at, outcome: deliveryOutcome(row.result) })));
    // Inside a transaction that later rolls back this counts attempts that left no row: still attempts.
    this.observer?.deliveriesRecorded(entries);
  }

  async recordPull(entry: PullLogInput): Promise<void> {
    await this.recordPulls([entry]);
  }

  /** Several pull requests in one statement (the SCIM server writes its log in batches). */
  async recordPulls(entries: readonly PullLogInput[]): Promise<void> {
    const now = this.clock().toISOString();
    const rows = entries.map((entry) => ({
      source_id: entry.sourceId,
      at: entry.at ?? now,
      client_id: entry.clientId ?? null,
      method: entry.method,
      path: entry.path,
      filter: entry.filter ?? null,
      search_fold: searchFold(entry.path, entry.filter),
      result_count: entry.resultCount ?? null,
      status: entry.status,
      duration_ms: entry.durationMs,
    }));
    await this.knex.transaction(async (trx) => {
      await insertChunked(trx, TABLES.pullLog, rows);
      await this.hours.add(trx, rows.map((row) => ({ sourceId: row.source_id, at: row.at, outcome: pullOutcome(row.status) })));
    });
    this.observer?.pullsRecorded(entries);
  }

  /** Newest first. */
  async deliveries(sourceId: string, filter: LogFilter = {}): Promise<{ entries: DeliveryLogEntry[]; total: number }> {
    const { rows, total } = await pageOf(() => this.#deliveryQuery(sourceId, filter), 'desc', filter);
    return { total, entries: rows.map(toDelivery) };
  }

  /** Every delivery the filter matches, newest first, a page at a time (an export of any size). */
  async *streamDeliveries(sourceId: string, filter: Omit<LogFilter, 'limit' | 'offset'> = {}): AsyncGenerator<DeliveryLogEntry> {
    for await (const row of streamById(() => this.#deliveryQuery(sourceId, filter), 'desc')) yield toDelivery(row);
  }

  /** Newest first. */
  async pulls(sourceId: string, filter: LogFilter = {}): Promise<{ entries: PullLogEntry[]; total: number }> {
    const { rows, total } = await pageOf(() => this.#pullQuery(sourceId, filter), 'desc', filter);
    return { total, entries: rows.map(toPull) };
  }

  /** Every pull request the filter matches, newest first, a page at a time. */
  async *streamPulls(sourceId: string, filter: Omit<LogFilter, 'limit' | 'offset'> = {}): AsyncGenerator<PullLogEntry> {
    for await (const row of streamById(() => this.#pullQuery(sourceId, filter), 'desc')) yield toPull(row);
  }

  /** Deletes entries older than the cutoff; returns how many went. */
  async purgeBefore(cutoff: string): Promise<number> {
    const deliveries = await this.knex(TABLES.deliveryLog).where('at', '<', cutoff).delete();
    await this.hours.purgeBefore(cutoff);
    return deliveries + (await this.purgePullsBefore(cutoff));
  }

  /** Deletes pull log entries older than the cutoff (the SCIM server's own retention); returns how many went. */
  async purgePullsBefore(cutoff: string): Promise<number> {
    return this.knex(TABLES.pullLog).where('at', '<', cutoff).delete();
  }

  #deliveryQuery(sourceId: string, filter: LogFilter): Knex.QueryBuilder {
    const query = this.knex(TABLES.deliveryLog).where({ source_id: sourceId });
    if (filter.result) query.where({ result: filter.result });
    if (filter.kind) query.where({ kind: filter.kind });
    if (filter.search) whereObjectMatches(query, this.knex, filter.search);
    applyTimeRange(query, filter);
    return query;
  }

  #pullQuery(sourceId: string, filter: LogFilter): Knex.QueryBuilder {
    const query = this.knex(TABLES.pullLog).where({ source_id: sourceId });
    if (filter.result === 'ok') query.where('status', '<', 400);
    if (filter.result === 'error') query.where('status', '>=', 400);
    if (filter.search) wherePullMatches(query, filter.search);
    applyTimeRange(query, filter);
    return query;
  }
}

function toDelivery(row: Record<string, any>): DeliveryLogEntry {
  return {
    id: Number(row.id),
    at: row.at,
    sourceId: row.source_id,
    changeSeq: row.change_seq === null ? null : Number(row.change_seq),
    attempt: Number(row.attempt),
    ...outcomeFromRow(row),
  };
}

function toPull(row: Record<string, any>): PullLogEntry {
  return {
    id: Number(row.id),
    at: row.at,
    sourceId: row.source_id,
    clientId: row.client_id,
    method: row.method,
    path: row.path,
    filter: row.filter,
    resultCount: row.result_count === null ? null : Number(row.result_count),
    status: Number(row.status),
    durationMs: Number(row.duration_ms),
  };
}

function applyTimeRange(query: Knex.QueryBuilder, filter: LogFilter): void {
  if (filter.from) query.where('at', '>=', filter.from);
  if (filter.to) query.where('at', '<=', filter.to);
}
