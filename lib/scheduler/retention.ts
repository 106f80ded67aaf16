import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import type { IncrementalLog } from '../runs/incremental-log.js';
import type { LeaseStore } from '../persistence/leases.js';

export interface RetentionReport {
  logEntries: number;
  runs: number;
  tombstones: number;
  leases: number;
}

const FINISHED = ['succeeded', 'failed', 'cancelled'];

/**
 * Deletes what has outlived its retention: incremental log entries and finished runs older than
 * `logRetentionDays`; tombstones older than `tombstoneRetentionDays` whose change every push
 * cursor has passed (a push source that still has to deliver a deletion keeps the tombstone);
 * expired leases.
 */
export async function purgeExpired(
  deps: { knex: Knex; log: IncrementalLog; leases: LeaseStore },
  days: { logRetentionDays: number; tombstoneRetentionDays: number },
  now: Date = new Date(),
): Promise<RetentionReport> {
  const { knex } = deps;
  const logCutoff = new Date(now.getTime() - days.logRetentionDays * 86_400_000).toISOString();
  const tombstoneCutoff = new Date(now.getTime() - days.tombstoneRetentionDays * 86_400_000).toISOString();
  const logEntries = await deps.log.purgeBefore(logCutoff);
  const runs = await knex(TABLES.runs).whereIn('status', FINISHED).where('finished_at', '<', logCutoff).delete();
  const [cursorRow] = await knex(`${TABLES.cursors} as c`).join(`${TABLES.sources} as s`, 's.id', 'c.source_id').where('s.mode', 'push').min({ seq: 'c.seq' });
  const minCursor = cursorRow?.seq === null || cursorRow?.seq === undefined ? Number.MAX_SAFE_INTEGER : Number(cursorRow.seq);
  let tombstones = 0;
  for (const table of [TABLES.users, TABLES.orgs]) {
    tombstones += await knex(table).whereNotNull('deleted_at').where('deleted_at', '<', tombstoneCutoff).where('seq', '<=', minCursor).delete();
  }
  const leases = await deps.leases.purgeExpired();
  return { logEntries, runs, tombstones, leases };
}
