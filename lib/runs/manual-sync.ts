import { StateConflictError, storedError } from '../errors.js';
import type { Logger } from '../options.js';
import type { SourceHealth } from '../sources/source-health.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { Source, SourceMode } from '../sources/source-types.js';
import type { FinishedRunStatus, Run, RunKind, RunStore } from './run-store.js';
import type { SyncEvents } from '../events.js';

/** Everything a run executor needs: the run, its source, and a way to notice cancellation. */
export interface RunContext {
  run: Run;
  source: Source;
  runs: RunStore;
  /** True once an admin asked to cancel (from any instance). Check between batches. */
  cancelRequested(): Promise<boolean>;
}

/** What ended the run: the executor returns normally for success, or says it stopped early. */
export type RunOutcome = { status: 'succeeded' } | { status: 'cancelled' } | { status: 'paused'; reason: string };

export type RunExecutor = (context: RunContext) => Promise<RunOutcome>;

export interface StartRunOptions {
  actor?: string;
  /** Push only: compute and log what would be sent, send nothing. */
  dryRun?: boolean;
  kind?: RunKind;
  /** Executor-specific options stored with the run (e.g. verify downstream). */
  options?: Record<string, unknown>;
}

/**
 * Starts full runs ("Manual sync") and carries them out in the background. The database keeps
 * one unfinished run per source, so two clicks, or two instances, never run one source twice.
 */
export class ManualSyncs {
  readonly #inFlight = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: {
      runs: RunStore;
      sources: SourcesService;
      health: SourceHealth;
      /** How runs of each mode are carried out. */
      executors: Readonly<Partial<Record<SourceMode, RunExecutor>>>;
      logger: Logger;
      holder: string;
      events: SyncEvents;
    },
  ) {}

  async start(sourceId: string, options: StartRunOptions = {}): Promise<Run> {
    const source = await this.deps.sources.get(sourceId);
    if (!source.enabled) throw new StateConflictError('source_disabled', `source "${source.name}" is not enabled; enable it to sync`);
    if (options.dryRun && source.mode !== 'push') throw new StateConflictError('dry_run_push_only', 'a dry run is only offered for push sources');
    const executor = this.deps.executors[source.mode];
    if (!executor) throw new StateConflictError('no_executor', `${source.mode} runs are not available in this build`);
    const kind: RunKind = options.dryRun ? 'dry_run' : (options.kind ?? 'manual');
    const run = await this.deps.runs.create(sourceId, kind, options.actor ?? 'api', { ...options.options, dryRun: Boolean(options.dryRun) });
    this.#launch(run, source, executor);
    return run;
  }

  /**
   * Carries on a run this process does not run: a paused run an admin let go on, or a run left
   * `running` by a dead process (heartbeat older than `staleBefore`). The claim is one conditional
   * update, so two instances never both resume it. Returns undefined when there was nothing to claim.
   */
  async resume(runId: number, options: { staleBefore?: string; mergeOptions?: Record<string, unknown> } = {}): Promise<Run | undefined> {
    const run = await this.deps.runs.get(runId);
    if (!run || this.#inFlight.has(runId)) return undefined;
    const claimed = await this.deps.runs.claim(runId, this.deps.holder, { staleBefore: options.staleBefore, runOptions: { ...run.options, ...options.mergeOptions } });
    if (!claimed) return undefined;
    const source = await this.deps.sources.get(run.sourceId);
    const executor = this.deps.executors[source.mode];
    if (!executor) throw new StateConflictError('no_executor', `${source.mode} runs are not available in this build`);
    const resumed = (await this.deps.runs.get(runId))!;
    this.#launch(resumed, source, executor);
    return resumed;
  }

  async cancel(runId: number): Promise<void> {
    await this.deps.runs.requestCancel(runId);
  }

  /** Resolves when the run has finished in this process (tests and close()). */
  async settled(runId: number): Promise<Run | undefined> {
    await this.#inFlight.get(runId);
    return this.deps.runs.get(runId);
  }

  /** Asks every run of this process to stop and waits for them. */
  async close(): Promise<void> {
    for (const runId of this.#inFlight.keys()) await this.deps.runs.requestCancel(runId).catch(() => undefined);
    await Promise.allSettled(this.#inFlight.values());
  }

  #launch(run: Run, source: Source, executor: RunExecutor): void {
    const execution = this.#execute(run, source, executor).finally(() => this.#inFlight.delete(run.id));
    this.#inFlight.set(run.id, execution);
  }

  async #execute(run: Run, source: Source, executor: RunExecutor): Promise<void> {
    const { runs, logger } = this.deps;
    let status: FinishedRunStatus | 'paused' = 'failed';
    let error: string | null = null;
    const started = performance.now();
    try {
      await runs.markRunning(run.id, this.deps.holder);
      const outcome = await executor({ run, source, runs, cancelRequested: () => runs.isCancelRequested(run.id) });
      status = outcome.status;
      if (outcome.status === 'paused') error = outcome.reason;
      // A run that reached its end with failed objects or memberships did not simply succeed.
      if (status === 'succeeded' && ((await runs.get(run.id))?.failed ?? 0) > 0) status = 'succeeded_with_failures';
    } catch (cause) {
      error = storedError(cause);
      logger.error(`scim-sync-center: run ${run.id} of source ${source.id} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    try {
      await runs.finish(run.id, status, error);
      // A dry run sends nothing: it is not the source's last sync.
      if (status !== 'paused' && run.kind !== 'dry_run') await this.deps.health.recordLastSync(source.id, status);
    } catch (cause) {
      logger.error(`scim-sync-center: could not record the end of run ${run.id}`, cause);
    }
    if (status === 'paused') this.deps.events.emit('run_paused', { runId: run.id, sourceId: source.id, reason: error });
    else this.deps.events.emit('run', { runId: run.id, sourceId: source.id, mode: source.mode, status, durationMs: performance.now() - started });
  }
}
