import type { Knex } from 'knex';
import type { Logger, ResolvedPushOptions } from '../../options.js';
import type { LeaseStore } from '../../persistence/leases.js';
import { LeaseKeeper } from '../../persistence/leases.js';
import type { RunStore } from '../../runs/run-store.js';
import type { CursorStore } from '../../sources/cursor-store.js';
import type { SourcesService } from '../../sources/sources-service.js';
import { deliverBatch, logUntriedBatch, type BatchDeps, type BatchResult } from './batch-delivery.js';
import type { DeletionHold } from '../deletion-hold.js';
import { immediateStopOf, PushError, StopSyncError, TransientPushError } from '../client/errors.js';
import { storedError } from '../../errors.js';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import { backoffDelay, type SourceHealth } from '../../sources/source-health.js';
import type { TargetFactory } from '../push-targets.js';
import { boundedTimeout } from '../../util/sleep.js';
import { pushScopeOf } from '../scope/push-scope.js';

export interface WorkerDeps extends BatchDeps {
  sources: SourcesService;
  cursors: CursorStore;
  runs: RunStore;
  targets: TargetFactory;
  leases: LeaseStore;
  health: SourceHealth;
  logger: Logger;
  holder: string;
  options: ResolvedPushOptions;
  /** When a backoff ends is the center's time; the waits themselves are timers, ended early by wake(). */
  clock: () => Date;
  /** Told after every batch, so the center can emit events and tests can wait on them. */
  onBatch(sourceId: string, result: BatchResult): void;
}

/** What a worker is doing, for the console and for tests. */
export interface WorkerStatus {
  sourceId: string;
  state: 'idle' | 'delivering' | 'backoff' | 'held' | 'waiting_for_lease' | 'waiting_for_run' | 'stopped';
  cursor: number | null;
  failures: number;
  nextAttemptAt: string | null;
  /** While backing off: when the next probe goes (null when none will: no failure, or probes suspended). */
  nextProbeAt: string | null;
  lastError: string | null;
  hold: DeletionHold | null;
}

export function deliveryLeaseName(sourceId: string): string {
  return `push:${sourceId}`;
}

/**
 * The incremental delivery loop of one push source. It holds the source's lease while it
 * delivers (renewed in the background; another instance takes over once it expires), gives it
 * up when caught up or backing off, and yields to a full run of the source. `wake()` (on every
 * commit, source change or admin action) ends any wait at once; the poll interval catches
 * changes committed by other instances.
 */
export class DeliveryWorker {
  readonly #deps: WorkerDeps;
  readonly sourceId: string;
  readonly #holder: string;
  readonly #attempts = new Map<string, number>();
  #stopped = false;
  #loop: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #woken = false;
  #failures = 0;
  #nextAttemptAt = 0;
  /** Wall-clock time of the next probe while backing off (0: none); never before a Retry-After has passed. */
  #nextProbeAt = 0;
  /** The attempt under way was started by a probe that answered 2xx. */
  #probeTriggered = false;
  /**
   * The downstream answered a probe but refused the attempt it started with 401/403 (it lets us
   * read, not write): probes no longer end the backoff, until a delivery goes through or an admin acts.
   */
  #probesSuspended = false;
  /** Set by a lease takeover; cleared once a batch after it went through. */
  #lookUpCreates = false;
  /** The client (one per settings and secrets) whose org shape fits the downstream: checked once, again when the settings change. */
  #shapeFitsFor: unknown = null;
  #status: WorkerStatus;

  constructor(deps: WorkerDeps, sourceId: string) {
    this.#deps = deps;
    this.sourceId = sourceId;
    this.#holder = `${deps.holder}:delivery`;
    this.#status = { sourceId, state: 'idle', cursor: null, failures: 0, nextAttemptAt: null, nextProbeAt: null, lastError: null, hold: null };
  }

  get status(): WorkerStatus {
    const probing = this.#nextAttemptAt > 0 && this.#nextProbeAt > 0 && !this.#probesSuspended;
    return { ...this.#status, failures: this.#failures, nextProbeAt: probing ? new Date(this.#nextProbeAt).toISOString() : null };
  }

  start(): void {
    this.#loop ??= this.#run().catch((error) => this.#deps.logger.error(`scim-sync-center: the delivery worker of source ${this.sourceId} died`, error));
  }

  /** Ends the current wait; `retryNow` also skips a backoff (an admin resumed or edited the source). */
  wake(retryNow = false): void {
    if (retryNow) {
      this.#nextAttemptAt = 0;
      this.#probesSuspended = false;
    }
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Ends every wait of the worker at once (its rate-limit waits end with the center's closing signal). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#loop;
    this.#status.state = 'stopped';
  }

  async #run(): Promise<void> {
    const { leases, options } = this.#deps;
    const lease = deliveryLeaseName(this.sourceId);
    while (!this.#stopped) {
      this.#woken = false;
      const source = await this.#deps.sources.find(this.sourceId).catch(() => undefined);
      if (!source || source.mode !== 'push' || !source.enabled) return;
      const waitMs = this.#nextAttemptAt - this.#deps.clock().getTime();
      if (waitMs > 0) {
        this.#status.state = 'backoff';
        const probeInMs = this.#probesSuspended || this.#nextProbeAt === 0 ? Infinity : this.#nextProbeAt - Date.now();
        if (probeInMs > 0) {
          await this.#sleep(Math.min(waitMs, probeInMs));
        } else if (await this.#probe()) {
          this.#nextAttemptAt = 0;
          this.#probeTriggered = true;
        } else {
          this.#nextProbeAt = Date.now() + options.probeIntervalMs;
        }
        continue;
      }
      // A full run of this source is delivering (here or on another instance): it holds the lease meanwhile.
      if (await this.#deps.runs.isDelivering(this.sourceId)) {
        await leases.release(lease, this.#holder).catch(() => undefined);
        this.#status.state = 'waiting_for_run';
        await this.#sleep(options.pollIntervalMs);
        continue;
      }
      const claim = await leases.claim(lease, this.#holder, options.leaseTtlMs);
      if (!claim) {
        this.#status.state = 'waiting_for_lease';
        await this.#sleep(Math.min(options.pollIntervalMs, options.leaseTtlMs));
        continue;
      }
      // The previous holder died (or stalled) mid-batch: its creates may be on the downstream unrecorded.
      if (claim.tookOver) this.#lookUpCreates = true;
      let result: BatchResult;
      const keeper = new LeaseKeeper(leases, lease, this.#holder, options.leaseTtlMs).start();
      try {
        this.#status.state = 'delivering';
        result = await this.#deliver(source.quarantine !== null);
      } catch (error) {
        result = { status: 'retry', delivered: 0, cursor: this.#status.cursor ?? 0, error: undefined };
        this.#status.lastError = storedError(error);
        this.#deps.logger.error(`scim-sync-center: delivery to source ${this.sourceId} failed`, error);
      } finally {
        keeper.stop();
      }
      this.#deps.onBatch(this.sourceId, result);
      if (result.status === 'progress' && !this.#stopped) continue; // more may wait: keep the lease
      await leases.release(lease, this.#holder).catch(() => undefined);
      if (result.status === 'idle') {
        this.#status.state = 'idle';
        // Objects retried on their own schedule wake the worker when the first is due.
        const retryInMs = result.nextRetryAt === undefined ? Infinity : result.nextRetryAt - this.#deps.clock().getTime();
        await this.#sleep(Math.max(0, Math.min(options.pollIntervalMs, retryInMs)));
      } else if (result.status === 'held') {
        this.#status.state = 'held';
        this.#status.hold = result.hold ?? null;
        await this.#sleep(options.pollIntervalMs);
      }
    }
  }

  async #deliver(quarantined: boolean): Promise<BatchResult> {
    const deps = this.#deps;
    const startedAt = deps.clock().toISOString();
    const source = await deps.sources.get(this.sourceId);
    const { target, semaphore } = await deps.targets.target(source);
    const cursor = await deps.cursors.get(this.sourceId);
    this.#status.cursor = cursor;
    this.#status.hold = null;
    const lease = deliveryLeaseName(this.sourceId);
    const checkShape = async () => {
      if (this.#shapeFitsFor === target.writer.connection) return;
      await target.writer.prepare();
      this.#shapeFitsFor = target.writer.connection;
    };
    const result = await checkShape().then(() => deliverBatch(deps, {
      target,
      semaphore,
      cursor,
      attempts: this.#attempts,
      lookUpCreates: this.#lookUpCreates,
      scope: pushScopeOf(deps.knex, source.push?.scope),
      advanceCursor: async (trx: Knex.Transaction, seq: number) => {
        if (!(await deps.leases.renew(lease, this.#holder, deps.options.leaseTtlMs, trx))) return false;
        await deps.cursors.advance(this.sourceId, seq, trx);
        return true;
      },
    })).catch(async (error: unknown): Promise<BatchResult> => {
      // A failure before any object was tried (discovery, a look-up): the same decision, for the whole batch.
      if (!(error instanceof PushError)) throw error;
      if (!this.#stopped) await logUntriedBatch(deps, this.sourceId, cursor, error, this.#attempts);
      return { status: error instanceof StopSyncError ? 'stop' : 'retry', error, retryAfterMs: (error as TransientPushError).retryAfterMs, delivered: 0, cursor };
    });
    this.#status.cursor = result.cursor;
    // Requests cut short by close() say nothing about the downstream.
    if (this.#stopped) return result;
    if (result.status === 'retry' || result.status === 'stop') {
      this.#failures += 1;
      const reason = result.error?.engineMessage ?? engineMessage('engine.push.deliveryFailed');
      this.#status.lastError = result.error ? storeMessage(reason) : (this.#status.lastError ?? storeMessage(reason));
      const health = await deps.health.record(this.sourceId, { succeeded: result.delivered, failed: Math.max(1, result.failed ?? 0), reason, immediate: immediateStopOf(result.error), startedAt });
      // Quarantined sources keep retrying, at a growing interval up to the quarantine maximum.
      const maxMs = health.quarantined ? deps.options.quarantineMaxIntervalMs : deps.options.retry.maxMs;
      const asked = result.error instanceof TransientPushError ? result.error.retryAfterAskedMs : undefined;
      if (asked !== undefined) {
        deps.logger.warn(`scim-sync-center: source ${this.sourceId} answered Retry-After ${Number.isFinite(asked) ? `${Math.round(asked / 1000)} s` : 'beyond any number'}; retrying after ${Math.round(deps.options.maxRetryAfterMs / 1000)} s (push.maxRetryAfterMs)`);
      }
      const retryAfterMs = Math.min(result.retryAfterMs ?? 0, deps.options.maxRetryAfterMs);
      const delay = backoffDelay(this.#failures, deps.options.retry.baseMs, maxMs, retryAfterMs);
      this.#nextAttemptAt = deps.clock().getTime() + delay;
      this.#status.nextAttemptAt = new Date(this.#nextAttemptAt).toISOString();
      // Probes start one interval from now, and not before the downstream's Retry-After has passed.
      this.#nextProbeAt = Date.now() + Math.max(deps.options.probeIntervalMs, retryAfterMs);
      if (this.#probeTriggered && result.error instanceof StopSyncError) this.#probesSuspended = true;
      this.#probeTriggered = false;
    } else if (result.status === 'progress') {
      // The batch the dead holder had in flight is behind us now.
      this.#lookUpCreates = false;
      const hadFailures = this.#failures > 0;
      this.#failures = 0;
      this.#nextAttemptAt = 0;
      this.#nextProbeAt = 0;
      this.#probeTriggered = false;
      this.#probesSuspended = false;
      this.#status.nextAttemptAt = null;
      // Objects that failed in a batch that went on are retried on their own; the last such error shows.
      this.#status.lastError = (result.failed ?? 0) > 0 && result.error ? storeMessage(result.error.engineMessage) : null;
      // Only a request that went through proves the downstream works again; failed objects of the
      // batch (retried on their own) count into the source's failure rate.
      const failed = result.failed ?? 0;
      if (failed > 0 || (result.delivered > 0 && (quarantined || hadFailures))) {
        await deps.health.record(this.sourceId, { succeeded: result.delivered, failed, reason: result.error?.engineMessage });
      }
    }
    return result;
  }

  /**
   * A cheap authenticated read through the source's own client (its auth, rate limit and pool):
   * the first user of the User URL. True when it answered 2xx.
   */
  async #probe(): Promise<boolean> {
    try {
      const source = await this.#deps.sources.get(this.sourceId);
      const { target } = await this.#deps.targets.target(source);
      await target.writer.probe();
      return true;
    } catch {
      return false;
    }
  }

  /** Sleeps until woken or `ms` passed. A wake that came while working ends the next sleep at once. */
  async #sleep(ms: number): Promise<void> {
    if (this.#stopped || this.#woken) return;
    await new Promise<void>((resolve) => {
      const timer = boundedTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeUp = done;
    });
    this.#wakeUp = null;
  }
}
