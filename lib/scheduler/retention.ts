import type { Knex } from 'knex';
import { purgeTombstones } from '../mirror/tombstones.js';
import type { LeaseStore } from '../persistence/leases.js';
import type { IncrementalLog } from '../runs/incremental-log.js';
import type { RunStore } from '../runs/run-store.js';
import type { CursorStore } from '../sources/cursor-store.js';
import type { RetryStore } from '../push/delivery/retry-store.js';

export interface RetentionReport {
  logEntries: number;
  runs: number;
  tombstones: number;
  leases: number;
}

export interface RetentionDeps {
  knex: Knex;
  log: IncrementalLog;
  runs: RunStore;
  cursors: CursorStore;
  /** Objects a push source still retries: their deletions must not lose their tombstones. */
  retries: Pick<RetryStore, 'lowestFirstSeq'>;
  leases: LeaseStore;
}

/**
 * Deletes what has outlived its retention: incremental log entries and finished runs older than
 * `logRetentionDays`; tombstones older than `tombstoneRetentionDays` whose change every push
 * cursor has passed and no source still retries (a push source that still has to deliver a
 * deletion keeps the tombstone);
 * expired leases.
 */
export async function purgeExpired(
  deps: RetentionDeps,
  days: { logRetentionDays: number; tombstoneRetentionDays: number },
  now: Date,
): Promise<RetentionReport> {
  const logCutoff = new Date(now.getTime() - days.logRetentionDays * 86_400_000).toISOString();
  const tombstoneCutoff = new Date(now.getTime() - days.tombstoneRetentionDays * 86_400_000).toISOString();
  const logEntries = await deps.log.purgeBefore(logCutoff);
  const runs = await deps.runs.purgeFinishedBefore(logCutoff);
  const retriedFrom = await deps.retries.lowestFirstSeq();
  const passedByAll = Math.min((await deps.cursors.lowestPushCursor()) ?? Number.MAX_SAFE_INTEGER, retriedFrom === undefined ? Number.MAX_SAFE_INTEGER : retriedFrom - 1);
  const tombstones = await purgeTombstones(deps.knex, tombstoneCutoff, passedByAll);
  const leases = await deps.leases.purgeExpired();
  return { logEntries, runs, tombstones, leases };
}
