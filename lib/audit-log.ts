import type { Knex } from 'knex';
import { streamById } from './persistence/keyset.js';
import { TABLES } from './persistence/tables.js';

/** Every action the audit log records; the console's labels (`audit.action.*`) are checked against it. */
export type AuditAction =
  | 'source.create'
  | 'source.update'
  | 'source.enable'
  | 'source.disable'
  | 'source.resume'
  | 'source.delete'
  | 'source.regenerate_credentials'
  | 'source.quarantine'
  | 'source.quarantine_lifted'
  | 'run.start'
  | 'run.cancel'
  | 'run.confirm_deletions'
  | 'run.cancel_deletions'
  | 'push.unlink'
  | 'push.relink'
  | 'push.test_connection'
  | 'push.deletions_held'
  | 'push.deletions_confirmed'
  | 'push.deletions_cancelled'
  | 'push.provision_now';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  sourceId: string | null;
  detail: Record<string, unknown> | null;
}

/** Which entries to read: every field narrows; times are ISO-8601, `to` inclusive. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  sourceId?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/** Who changed what in the console or through the API. Never holds a secret. */
export class AuditLog {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  async record(
    entry: { actor: string; action: AuditAction; sourceId?: string | null; detail?: Record<string, unknown> },
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<void> {
    await db(TABLES.auditLog).insert({
      at: this.clock().toISOString(),
      actor: entry.actor,
      action: entry.action,
      source_id: entry.sourceId ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    });
  }

  /** Newest first; at most `limit` (100) entries. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const rows = await this.#filtered(filter)
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .offset(filter.offset ?? 0);
    return rows.map(toEntry);
  }

  /** One page of `list` and how many entries the filter matches in all. */
  async page(filter: AuditFilter = {}): Promise<{ entries: AuditEntry[]; total: number }> {
    const [entries, [count]] = await Promise.all([this.list(filter), this.#filtered(filter).count({ n: '*' })]);
    return { entries, total: Number(count?.n ?? 0) };
  }

  /** Every entry the filter matches, newest first, read in pages so an export never holds the whole log. */
  async *stream(filter: Omit<AuditFilter, 'limit' | 'offset'> = {}): AsyncGenerator<AuditEntry> {
    for await (const row of streamById(() => this.#filtered(filter), 'desc')) yield toEntry(row);
  }

  /** The actions that occur in the log, for a filter's choices. */
  async actions(): Promise<string[]> {
    const rows: Array<{ action: string }> = await this.knex(TABLES.auditLog).distinct('action').orderBy('action');
    return rows.map((row) => row.action);
  }

  #filtered(filter: AuditFilter): Knex.QueryBuilder {
    const query = this.knex(TABLES.auditLog);
    if (filter.actor) query.where({ actor: filter.actor });
    if (filter.action) query.where({ action: filter.action });
    if (filter.sourceId) query.where({ source_id: filter.sourceId });
    if (filter.from) query.where('at', '>=', filter.from);
    if (filter.to) query.where('at', '<=', filter.to);
    return query;
  }
}

function toEntry(row: Record<string, any>): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actor: row.actor,
    action: row.action,
    sourceId: row.source_id ?? null,
    detail: row.detail ? JSON.parse(row.detail) : null,
  };
}
