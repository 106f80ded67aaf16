import type { Knex } from 'knex';
import { TABLES } from './persistence/tables.js';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  sourceId: string | null;
  detail: Record<string, unknown> | null;
}

/** Who changed what in the console or through the API. Never holds a secret. */
export class AuditLog {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  async record(
    entry: { actor: string; action: string; sourceId?: string | null; detail?: Record<string, unknown> },
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

  async list(filter: { sourceId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const query = this.knex(TABLES.auditLog).orderBy('id', 'desc').limit(filter.limit ?? 100);
    if (filter.sourceId) query.where({ source_id: filter.sourceId });
    const rows = await query;
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at,
      actor: row.actor,
      action: row.action,
      sourceId: row.source_id ?? null,
      detail: row.detail ? JSON.parse(row.detail) : null,
    }));
  }
}
