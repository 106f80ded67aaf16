import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';

/** One hour of one source's incremental traffic. */
export interface SourceHour {
  sourceId: string;
  /** `YYYY-MM-DDTHH` (UTC). */
  hour: string;
  delivered: number;
  failed: number;
  lastDeliveredAt: string | null;
}

/** What one log row counts as: a delivery that went through, a failed attempt, or neither (a deliberate skip). */
export type HourOutcome = 'delivered' | 'failed' | null;

/** Push delivery results: `retrying` is a failed attempt too (the object is tried again later). */
export function deliveryOutcome(result: string): HourOutcome {
  if (result === 'succeeded') return 'delivered';
  return result === 'failed' || result === 'rejected' || result === 'retrying' ? 'failed' : null;
}

/** A pull request went through when it did not answer with an error status. */
export function pullOutcome(status: number): HourOutcome {
  return status < 400 ? 'delivered' : 'failed';
}

/** The UTC hour an ISO-8601 instant falls in. */
export function hourOf(iso: string): string {
  return iso.slice(0, 13);
}

/**
 * `sync_source_hours`: the incremental logs summed up per source and hour, written with the log
 * rows (in the caller's transaction), so the status pages never scan the logs themselves.
 */
export class SourceHours {
  constructor(private readonly knex: Knex) {}

  /** Adds rows to their hours: one upsert per (source, hour) the rows touch. */
  async add(db: Knex | Knex.Transaction, rows: ReadonlyArray<{ sourceId: string; at: string; outcome: HourOutcome }>): Promise<void> {
    const sums = new Map<string, SourceHour>();
    for (const row of rows) {
      if (!row.outcome) continue;
      const hour = hourOf(row.at);
      const key = `${row.sourceId}\u0000${hour}`;
      let sum = sums.get(key);
      if (!sum) sums.set(key, (sum = { sourceId: row.sourceId, hour, delivered: 0, failed: 0, lastDeliveredAt: null }));
      if (row.outcome === 'failed') sum.failed += 1;
      else {
        sum.delivered += 1;
        if (!sum.lastDeliveredAt || row.at > sum.lastDeliveredAt) sum.lastDeliveredAt = row.at;
      }
    }
    const table = TABLES.sourceHours;
    for (const sum of sums.values()) {
      // ISO-8601 strings compare in time order, so the later of the two is the greater string.
      await db.raw(
        `insert into ?? (source_id, hour, delivered, failed, last_delivered_at) values (?, ?, ?, ?, ?)
         on conflict (source_id, hour) do update set
           delivered = ??.delivered + excluded.delivered,
           failed = ??.failed + excluded.failed,
           last_delivered_at = case when excluded.last_delivered_at is not null and (??.last_delivered_at is null or excluded.last_delivered_at > ??.last_delivered_at)
             then excluded.last_delivered_at else ??.last_delivered_at end`,
        [table, sum.sourceId, sum.hour, sum.delivered, sum.failed, sum.lastDeliveredAt, table, table, table, table, table],
      );
    }
  }

  /** The hours of these sources from `fromHour` on (inclusive), oldest first. */
  async since(sourceIds: readonly string[], fromHour: string): Promise<SourceHour[]> {
    if (sourceIds.length === 0) return [];
    const rows = await this.knex(TABLES.sourceHours).whereIn('source_id', sourceIds).where('hour', '>=', fromHour).orderBy('hour');
    return rows.map(toHour);
  }

  /** Per source, the failures counted from `fromHour` on. */
  async failuresSince(sourceIds: readonly string[], fromHour: string): Promise<Map<string, number>> {
    if (sourceIds.length === 0) return new Map();
    const rows: Array<Record<string, any>> = await this.knex(TABLES.sourceHours).whereIn('source_id', sourceIds).where('hour', '>=', fromHour).groupBy('source_id').select('source_id').sum({ failed: 'failed' });
    return new Map(rows.map((row) => [row.source_id as string, Number(row.failed ?? 0)]));
  }

  /** Per source, when its last delivery (or pull request) went through, as far as the kept hours go back. */
  async lastDelivered(sourceIds: readonly string[]): Promise<Map<string, string>> {
    if (sourceIds.length === 0) return new Map();
    const rows: Array<Record<string, any>> = await this.knex(TABLES.sourceHours).whereIn('source_id', sourceIds).whereNotNull('last_delivered_at').groupBy('source_id').select('source_id').max({ at: 'last_delivered_at' });
    return new Map(rows.filter((row) => row.at).map((row) => [row.source_id as string, row.at as string]));
  }

  /** Deletes the hours before the cutoff's hour (kept as long as the logs they sum up). */
  async purgeBefore(cutoff: string): Promise<number> {
    return this.knex(TABLES.sourceHours).where('hour', '<', hourOf(cutoff)).delete();
  }
}

function toHour(row: Record<string, any>): SourceHour {
  return { sourceId: row.source_id, hour: row.hour, delivered: Number(row.delivered), failed: Number(row.failed), lastDeliveredAt: row.last_delivered_at ?? null };
}
