import { createTask, type ScheduledTask } from 'node-cron';
import type { CenterContext, Worker } from '../context.js';
import { StateConflictError } from '../errors.js';
import { TABLES } from '../persistence/tables.js';
import { pushPolicyOf } from '../sources/push-policy-validation.js';
import type { Source } from '../sources/source-types.js';
import type { PushEngine } from '../push/push-engine.js';
import { settingsOf } from '../push/push-targets.js';
import { purgeExpired, type RetentionReport } from './retention.js';

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
    void this.#scheduleSource(event.id).catch((error) => this.context.options.logger.error('scim-sync-center: could not schedule a source', error));
  };

  constructor(
    private readonly context: CenterContext,
    private readonly engine: PushEngine,
  ) {}

  async start(): Promise<void> {
    this.#started = true;
    const { push } = this.context.options;
    this.#add('sweep', push.sweepSchedule, () => this.sweep());
    this.#add('retention', push.retentionSchedule, async () => {
      if (await this.#claim('retention')) await this.retention();
    });
    for (const source of await this.context.sources.list()) await this.#scheduleSource(source.id, source);
    this.context.events.on('source', this.#onSource);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.context.events.off('source', this.#onSource);
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    for (const { task } of tasks) await task.destroy();
  }

  /** The cron patterns in force, by job name (for the console and tests). */
  jobs(): Record<string, string> {
    return Object.fromEntries([...this.#tasks.entries()].map(([name, { pattern }]) => [name, pattern]));
  }

  /**
   * Picks up push runs whose process died (no heartbeat for three lease lifetimes) and makes the
   * delivery workers match the sources table (a source enabled on another instance).
   */
  async sweep(): Promise<number[]> {
    const staleBefore = new Date(Date.now() - 3 * this.context.options.push.leaseTtlMs).toISOString();
    const stale = await this.context.knex(`${TABLES.runs} as r`)
      .join(`${TABLES.sources} as s`, 's.id', 'r.source_id')
      .where('s.mode', 'push')
      .where('r.status', 'running')
      .where((query) => query.whereNull('r.heartbeat_at').orWhere('r.heartbeat_at', '<', staleBefore))
      .select('r.id');
    const resumed: number[] = [];
    for (const { id } of stale) {
      if (await this.context.manualSyncs.resume(Number(id), { staleBefore })) resumed.push(Number(id));
    }
    await this.engine.refresh();
    return resumed;
  }

  async retention(): Promise<RetentionReport> {
    const { knex, incrementalLog, options } = this.context;
    return purgeExpired({ knex, log: incrementalLog, leases: this.engine.leases }, options);
  }

  /** The periodic full reconcile of one push source, as its settings say (none when disabled). */
  async #scheduleSource(sourceId: string, known?: Source): Promise<void> {
    if (!this.#started) return;
    const source = known ?? (await this.context.sources.find(sourceId));
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
        await this.context.manualSyncs.start(sourceId, { kind: 'scheduled', actor: 'schedule' });
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
          this.context.options.logger.error(`scim-sync-center: scheduled job ${name} failed`, error);
        }
      },
      { name: `scim-sync-center:${this.context.holder}:${name}`, timezone: this.context.options.timezone, noOverlap: true },
    );
    void task.start();
    this.#tasks.set(name, { pattern, task });
  }

  /** One instance per firing: the slot is the job and the minute it fired in. */
  async #claim(job: string): Promise<boolean> {
    const minute = new Date().toISOString().slice(0, 16);
    return this.engine.leases.claimSlot(`cron:${job}:${minute}`, this.context.holder, SLOT_TTL_MS);
  }
}
