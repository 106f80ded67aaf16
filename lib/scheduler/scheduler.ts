import { createTask, type ScheduledTask } from 'node-cron';
import { StateConflictError } from '../errors.js';
import type { SyncEvents } from '../events.js';
import type { Logger } from '../options.js';
import type { LeaseStore } from '../persistence/leases.js';
import type { ManualSyncs } from '../runs/manual-sync.js';
import type { RunStore } from '../runs/run-store.js';
import { pushPolicyOf, settingsOf } from '../sources/push-settings.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { Source } from '../sources/source-types.js';
import type { Worker } from '../worker.js';
import type { RetentionReport } from './retention.js';

export interface SchedulerDeps {
  sources: SourcesService;
  events: SyncEvents;
  runs: RunStore;
  manualSyncs: ManualSyncs;
  leases: LeaseStore;
  /** Makes the delivery workers match the sources table (the push engine's refresh). */
  refreshDelivery(): Promise<void>;
  /** Purges what outlived its retention. */
  purge(): Promise<RetentionReport>;
  /** Checks the push backlogs against the alert threshold (lib/alerts). */
  checkAlerts(): Promise<unknown>;
  options: { sweepSchedule: string; retentionSchedule: string; alertsSchedule: string; leaseTtlMs: number; timezone: string | undefined };
  logger: Logger;
  holder: string;
  clock: () => Date;
}

/** A cron firing is claimed for this long, so an instance whose clock lags cannot claim it again. */
const SLOT_TTL_MS = 10 * 60_000;

/**
 * The center's own node-cron tasks, created per center and destroyed by stop() — never
 * node-cron's process-wide schedule. Every instance fires the same crons; a firing does its work
 * on one instance only, claimed as a slot in `sync_leases` (a periodic reconcile is claimed
 * again by the one-active-run-per-source index).
 */
export class Scheduler implements Worker {
  readonly #tasks = new Map<string, { pattern: string; task: ScheduledTask }>();
  #started = false;
  readonly #onSource = (event: { id: string; action: string }) => {
    void this.#scheduleSource(event.id).catch((error) => this.deps.logger.error('scim-sync-center: could not schedule a source', error));
  };

  constructor(private readonly deps: SchedulerDeps) {}

  async start(): Promise<void> {
    this.#started = true;
    const { options } = this.deps;
    this.#add('sweep', options.sweepSchedule, () => this.sweep());
    this.#add('retention', options.retentionSchedule, async () => {
      if (await this.#claim('retention')) await this.retention();
    });
    // Alert episodes make a repeat harmless; the claim spares the other instances the queries.
    this.#add('alerts', options.alertsSchedule, async () => {
      if (await this.#claim('alerts')) await this.deps.checkAlerts();
    });
    for (const source of await this.deps.sources.list()) await this.#scheduleSource(source.id, source);
    this.deps.events.on('source', this.#onSource);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.deps.events.off('source', this.#onSource);
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    for (const { task } of tasks) await task.destroy();
  }

  /** The cron patterns in force, by job name (for the console and tests). */
  jobs(): Record<string, string> {
    return Object.fromEntries([...this.#tasks.entries()].map(([name, { pattern }]) => [name, pattern]));
  }

  /** When a push source's periodic full reconcile fires next (null: none scheduled, or not started). */
  nextReconcile(sourceId: string): Date | null {
    return this.#tasks.get(`reconcile:${sourceId}`)?.task.getNextRun() ?? null;
  }

  /**
   * Picks up push runs whose process died (no heartbeat for three lease lifetimes) and makes the
   * delivery workers match the sources table (a source enabled on another instance).
   */
  async sweep(): Promise<number[]> {
    const staleBefore = new Date(this.deps.clock().getTime() - 3 * this.deps.options.leaseTtlMs).toISOString();
    const stale = await this.deps.runs.staleRunning(staleBefore);
    const pushSources = new Set((await this.deps.sources.list()).filter((source) => source.mode === 'push').map((source) => source.id));
    const resumed: number[] = [];
    for (const { id, sourceId } of stale) {
      if (!pushSources.has(sourceId)) continue;
      if (await this.deps.manualSyncs.resume(id, { staleBefore })) resumed.push(id);
    }
    await this.deps.refreshDelivery();
    return resumed;
  }

  retention(): Promise<RetentionReport> {
    return this.deps.purge();
  }

  /** The periodic full reconcile of one push source, as its settings say (none when disabled). */
  async #scheduleSource(sourceId: string, known?: Source): Promise<void> {
    if (!this.#started) return;
    const source = known ?? (await this.deps.sources.find(sourceId));
    const name = `reconcile:${sourceId}`;
    const pattern = source && source.mode === 'push' && source.enabled ? pushPolicyOf(settingsOf(source)).schedule : null;
    const current = this.#tasks.get(name);
    if (current?.pattern === pattern) return;
    if (current) {
      this.#tasks.delete(name);
      await current.task.destroy();
    }
    if (!pattern) return;
    this.#add(name, pattern, async () => {
      if (!(await this.#claim(name))) return;
      try {
        await this.deps.manualSyncs.start(sourceId, { kind: 'scheduled', actor: 'schedule' });
      } catch (error) {
        // Already running, or disabled meanwhile: the next firing tries again.
        if (!(error instanceof StateConflictError)) throw error;
      }
    });
  }

  #add(name: string, pattern: string, job: () => Promise<unknown>): void {
    const task = createTask(
      pattern,
      async () => {
        try {
          await job();
        } catch (error) {
          this.deps.logger.error(`scim-sync-center: scheduled job ${name} failed`, error);
        }
      },
      { name: `scim-sync-center:${this.deps.holder}:${name}`, timezone: this.deps.options.timezone, noOverlap: true },
    );
    void task.start();
    this.#tasks.set(name, { pattern, task });
  }

  /** One instance per firing: the slot is the job and the minute it fired in. */
  async #claim(job: string): Promise<boolean> {
    const minute = this.deps.clock().toISOString().slice(0, 16);
    return this.deps.leases.claimSlot(`cron:${job}:${minute}`, this.deps.holder, SLOT_TTL_MS);
  }
}
