import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';

/** How far a backlog is counted: beyond this it is shown as "more than". */
export const BACKLOG_CAP = 10_000;

export interface RunSummary {
  id: number;
  kind: string;
  status: string;
  finishedAt: string | null;
}

export interface ActiveRunSummary {
  id: number;
  kind: string;
  status: string;
}

const FULL_SYNC_DONE = ['succeeded', 'succeeded_with_failures'];

/**
 * The grouped reads behind the status pages: each one statement for all the sources asked
 * about (never a row per user or per log entry in memory), so a list of many sources costs a
 * handful of queries. Read-only; every table here is written by its owner.
 */
export class StatusQueries {
  constructor(private readonly knex: Knex) {}

  /** Per source, its newest finished run that was not a dry run. */
  async lastRuns(sourceIds: readonly string[]): Promise<Map<string, RunSummary>> {
    return this.#latestRuns(sourceIds, (query) => query.whereNotNull('finished_at'));
  }

  /** Per source, its newest full sync that reached its end (a dry run is not a sync). */
  async lastFullSyncs(sourceIds: readonly string[]): Promise<Map<string, RunSummary>> {
    return this.#latestRuns(sourceIds, (query) => query.whereIn('status', FULL_SYNC_DONE));
  }

  /** Per source, its unfinished run (one at most, by the database's unique index). */
  async activeRuns(sourceIds: readonly string[]): Promise<Map<string, ActiveRunSummary>> {
    if (sourceIds.length === 0) return new Map();
    const rows = await this.knex(TABLES.runs).whereIn('source_id', sourceIds).whereIn('status', ['queued', 'running', 'paused']).select('id', 'source_id', 'kind', 'status');
    return new Map(rows.map((row) => [row.source_id as string, { id: Number(row.id), kind: row.kind, status: row.status }]));
  }

  /** Per source, how many of its full syncs failed since `since`. */
  async failedRunsSince(sourceIds: readonly string[], since: string): Promise<Map<string, number>> {
    if (sourceIds.length === 0) return new Map();
    const rows: Array<Record<string, any>> = await this.knex(TABLES.runs)
      .whereIn('source_id', sourceIds)
      .where('status', 'failed')
      .whereNot('kind', 'dry_run')
      .where('finished_at', '>=', since)
      .groupBy('source_id')
      .select('source_id')
      .count({ n: '*' });
    return new Map(rows.map((row) => [row.source_id as string, Number(row.n)]));
  }

  /** The runs of one source that finished since `since`, oldest first (a few per day). */
  async runsFinishedSince(sourceId: string, since: string): Promise<Array<RunSummary & { finishedAt: string }>> {
    const rows = await this.knex(TABLES.runs).where('source_id', sourceId).whereNot('kind', 'dry_run').where('finished_at', '>=', since).orderBy('finished_at').limit(500).select('id', 'kind', 'status', 'finished_at');
    return rows.map((row) => ({ id: Number(row.id), kind: row.kind, status: row.status, finishedAt: row.finished_at }));
  }

  /** Per push source, the users and orgs linked on its downstream (an index-only count). */
  async linkedCounts(sourceIds: readonly string[]): Promise<Map<string, { users: number; orgs: number }>> {
    const counts = new Map<string, { users: number; orgs: number }>();
    if (sourceIds.length === 0) return counts;
    const rows: Array<Record<string, any>> = await this.knex(TABLES.links).whereIn('source_id', sourceIds).whereNotNull('remote_id').groupBy('source_id', 'kind').select('source_id', 'kind').count({ n: '*' });
    for (const row of rows) {
      const entry = counts.get(row.source_id as string) ?? { users: 0, orgs: 0 };
      if (row.kind === 'user') entry.users = Number(row.n);
      else if (row.kind === 'org') entry.orgs = Number(row.n);
      counts.set(row.source_id as string, entry);
    }
    return counts;
  }

  /** Per push source, the objects waiting for a retry of their own. */
  async retryCounts(sourceIds: readonly string[]): Promise<Map<string, number>> {
    if (sourceIds.length === 0) return new Map();
    const rows: Array<Record<string, any>> = await this.knex(TABLES.pushRetries).whereIn('source_id', sourceIds).groupBy('source_id').select('source_id').count({ n: '*' });
    return new Map(rows.map((row) => [row.source_id as string, Number(row.n)]));
  }

  /**
   * Per source, the changes in the feed after its cursor, counted up to `BACKLOG_CAP` + 1 (a
   * bounded index range on the feed's primary key). Sources at the same cursor share one count.
   */
  async backlogs(sourceIds: readonly string[]): Promise<Map<string, number>> {
    if (sourceIds.length === 0) return new Map();
    const cursors = await this.knex(TABLES.cursors).whereIn('source_id', sourceIds).select('source_id', 'seq');
    const bySeq = new Map<number, number>();
    const result = new Map<string, number>();
    for (const row of cursors) {
      const seq = Number(row.seq);
      if (!bySeq.has(seq)) {
        const [count] = await this.knex.from(this.knex(TABLES.changes).where('seq', '>', seq).select('seq').limit(BACKLOG_CAP + 1).as('b')).count({ n: '*' });
        bySeq.set(seq, Number(count?.n ?? 0));
      }
      result.set(row.source_id as string, bySeq.get(seq)!);
    }
    return result;
  }

  /** A run's phase, from the checkpoint its executor saves after every page (null when it saved none yet). */
  async runPhase(runId: number): Promise<string | null> {
    const row = await this.knex(TABLES.runs).where('id', runId).first('checkpoint');
    if (!row?.checkpoint) return null;
    try {
      const phase = (JSON.parse(row.checkpoint) as { phase?: unknown }).phase;
      return typeof phase === 'string' ? phase : null;
    } catch {
      return null;
    }
  }

  async #latestRuns(sourceIds: readonly string[], where: (query: Knex.QueryBuilder) => void): Promise<Map<string, RunSummary>> {
    if (sourceIds.length === 0) return new Map();
    const newest = this.knex(TABLES.runs).whereIn('source_id', sourceIds).whereNot('kind', 'dry_run').modify(where).groupBy('source_id').max('id');
    const rows = await this.knex(TABLES.runs).whereIn('id', newest).select('id', 'source_id', 'kind', 'status', 'finished_at');
    return new Map(rows.map((row) => [row.source_id as string, { id: Number(row.id), kind: row.kind, status: row.status, finishedAt: row.finished_at ?? null }]));
  }
}
