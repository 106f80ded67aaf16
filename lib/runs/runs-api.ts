import type { AuditLog } from '../audit-log.js';
import { NotFoundError } from '../errors.js';
import type { ActorOption } from '../sources/source-types.js';
import type { ManualSyncs, StartRunOptions } from './manual-sync.js';
import type { Run, RunItem, RunItemFilter, RunStore } from './run-store.js';

/** `center.runs`: full runs ("Manual sync") and their per-object logs. */
export interface RunsApi {
  /** Starts a full run in the background; audited as `run.start`. */
  start(sourceId: string, options?: StartRunOptions): Promise<Run>;
  /** Asks a run to stop (from any instance); audited as `run.cancel`. */
  cancel(runId: number, options?: ActorOption): Promise<void>;
  get(runId: number): Promise<Run | undefined>;
  /** The source's unfinished run (queued, running or paused), if it has one. */
  active(sourceId: string): Promise<Run | undefined>;
  list(sourceId: string, page?: { limit?: number; offset?: number }): Promise<{ runs: Run[]; total: number }>;
  items(runId: number, filter?: RunItemFilter): Promise<{ items: RunItem[]; total: number }>;
  /** How many of a run's items the filter matches that `hideUnchanged` leaves out. */
  countUnchanged(runId: number, filter?: Omit<RunItemFilter, 'hideUnchanged' | 'limit' | 'offset'>): Promise<number>;
  /** Every item the filter matches, oldest first, read a page at a time (an export). */
  streamItems(runId: number, filter?: Omit<RunItemFilter, 'limit' | 'offset'>): AsyncIterable<RunItem>;
  /** Resolves when a run started by this process has finished. */
  settled(runId: number): Promise<Run | undefined>;
}

/**
 * The audit rows are written here, not by the console, so a host calling the API is audited
 * exactly as an admin clicking in the console is.
 */
export function createRunsApi(deps: { manualSyncs: ManualSyncs; runStore: RunStore; audit: AuditLog }): RunsApi {
  const { manualSyncs, runStore, audit } = deps;
  return {
    async start(sourceId, options = {}) {
      const run = await manualSyncs.start(sourceId, options);
      const { dryRun } = options;
      await audit.record({ actor: options.actor ?? 'api', action: 'run.start', sourceId, detail: { runId: run.id, ...(dryRun && { dryRun }), ...options.options } });
      return run;
    },
    async cancel(runId, options = {}) {
      const run = await runStore.get(runId);
      if (!run) throw new NotFoundError('run', String(runId));
      await manualSyncs.cancel(run.id);
      await audit.record({ actor: options.actor ?? 'api', action: 'run.cancel', sourceId: run.sourceId, detail: { runId: run.id } });
    },
    get: (runId) => runStore.get(runId),
    active: (sourceId) => runStore.activeRun(sourceId),
    list: (sourceId, page) => runStore.list(sourceId, page),
    items: (runId, filter) => runStore.items(runId, filter),
    countUnchanged: (runId, filter) => runStore.countUnchanged(runId, filter),
    streamItems: (runId, filter) => runStore.streamItems(runId, filter),
    settled: (runId) => manualSyncs.settled(runId),
  };
}
