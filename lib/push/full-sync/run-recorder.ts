import type { Knex } from 'knex';
import { engineMessage } from '../../i18n/engine-message.js';
import type { RunCounts, RunStore } from '../../runs/run-store.js';
import { StopSyncError, TransientPushError, type PushError } from '../client/errors.js';
import type { LinkStore } from '../links-store.js';
import type { MemberOutcome } from '../member-pusher.js';
import type { ObjectOutcome } from '../object-pusher.js';
import { memberRunItems, recordLinks, runItems } from '../outcomes.js';
import { backoffDelay } from '../../sources/source-health.js';
import { sleep } from '../../util/sleep.js';

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** The longest `Retry-After` honoured. */
  maxRetryAfterMs: number;
}

/**
 * A full run's bookkeeping: links after every step, one run-log row per object once its last
 * attempt is known, counters for the live progress. Transient failures are retried here a few
 * times with backoff; a 401/403 stops the run.
 */
export class RunRecorder {
  failures = 0;
  successes = 0;
  /** Set when the downstream refused our credentials: the run stops. */
  stopError: PushError | null = null;
  lastError: PushError | null = null;
  /**
   * Database writes of finished pages, in order. A run queues them here and goes on sending the
   * next page meanwhile; `settle()` waits for them (before a checkpoint is trusted, and at the end).
   */
  #chain: Promise<void> = Promise.resolve();
  #chainError: unknown = null;
  /** Writes queued since the last commit(); they go to the database in one transaction. */
  #batch: Array<(db: Knex.Transaction) => Promise<void>> = [];
  /** The writes of the last commit() while its transaction has some left to run: later commits join them. */
  #open: Array<(db: Knex.Transaction) => Promise<void>> | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly runs: RunStore,
    private readonly links: LinkStore,
    private readonly runId: number,
    private readonly sourceId: string,
    private readonly dryRun: boolean,
    private readonly retry: RetryPolicy,
    private readonly cancelled: () => Promise<boolean>,
    /** Aborted when the center closes: a backoff ends at once, like a cancel. */
    private readonly closing?: AbortSignal,
  ) {}

  /** Links only: called by the phases after each step (dry runs write none). Queued, not awaited. */
  async links_(outcomes: ObjectOutcome[]): Promise<void> {
    if (!this.dryRun) this.enqueue((trx) => recordLinks(trx, this.links, this.sourceId, outcomes));
  }

  /** Queues a write; it runs after every write queued before it, in the transaction of its commit(). */
  enqueue(write: (db: Knex.Transaction) => Promise<void>): void {
    this.#batch.push(write);
  }

  /**
   * Sends the queued writes to the database as one transaction (sqlite commits are what a page of
   * small writes costs most). Writes committed while the last transaction has not run all of its
   * writes yet join it, in order: a page's checkpoint, committed just after its links and log
   * rows, goes in their transaction (atomic with them), not in one of its own behind it.
   */
  commit(): void {
    if (this.#batch.length === 0) return;
    const writes = this.#batch;
    this.#batch = [];
    if (this.#open) {
      this.#open.push(...writes);
      return;
    }
    this.#open = writes;
    this.#chain = this.#chain.then(async () => {
      if (this.#chainError) {
        this.#open = null;
        return;
      }
      try {
        await this.knex.transaction(async (trx) => {
          // `writes` may grow while this runs (see above); nothing joins once the last has run.
          for (let index = 0; index < writes.length; index += 1) await writes[index]!(trx);
          this.#open = null;
        });
      } catch (error) {
        this.#chainError = error;
      } finally {
        if (this.#open === writes) this.#open = null;
      }
    });
  }

  /** Commits and waits for every queued write; rethrows the first that failed. */
  async settle(): Promise<void> {
    this.commit();
    await this.#chain;
    if (this.#chainError) throw this.#chainError;
  }

  /** A promise for the writes committed so far (without rethrowing), to bound how far sending runs ahead. */
  queued(): Promise<void> {
    return this.#chain;
  }

  /**
   * Runs a step over some objects, retrying the ones that failed transiently, and logs each
   * object once. `step(ids)` pushes the objects with these ids (all of them when null).
   */
  async step(step: (only: Set<string> | null) => Promise<ObjectOutcome[]>, options: { logSkips?: boolean } = {}): Promise<ObjectOutcome[]> {
    let only: Set<string> | null = null;
    const final: ObjectOutcome[] = [];
    for (let attempt = 1; ; attempt += 1) {
      const outcomes = await step(only);
      const retry = outcomes.filter((outcome) => outcome.result === 'retry');
      const done = outcomes.filter((outcome) => outcome.result !== 'retry');
      const stop = done.find((outcome) => outcome.result === 'stop');
      const lastAttempt = attempt >= this.retry.attempts || stop !== undefined || (await this.cancelled());
      const logged = lastAttempt ? outcomes : done;
      await this.#log(logged, options.logSkips !== false);
      final.push(...logged);
      this.commit();
      if (stop) {
        this.stopError = stop.error ?? new StopSyncError('unauthorized', engineMessage('engine.push.credentialsRefused'));
        return final;
      }
      if (retry.length === 0 || lastAttempt) return final;
      if (await this.#sleepUnlessCancelled(this.#backoff(attempt, retry))) {
        await this.#log(retry, options.logSkips !== false);
        this.commit();
        return [...final, ...retry];
      }
      only = new Set(retry.map((outcome) => `${outcome.work.kind}:${outcome.work.localId}`));
    }
  }

  /**
   * Sleeps for a backoff, looking for a cancel (from any instance) every quarter second and ending
   * at once when the center closes; true when cancelled or closing.
   * Wall-clock time, like the timers it sleeps on: a test clock that stands still must not stretch it.
   */
  async #sleepUnlessCancelled(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      if (!(await sleep(Math.min(left, CANCEL_CHECK_MS), this.closing))) return true;
      if (await this.cancelled()) return true;
    }
    return false;
  }

  /**
   * Logs membership PATCHes like objects: each is an item, counts as an update (or a failure) in
   * the run's totals, and one that failed transiently is sent again (`again`) with the same
   * backoff, up to the same number of attempts. Memberships do not move `processed`: the progress
   * counts objects against the total of objects.
   */
  async members(outcomes: readonly MemberOutcome[], again: (failed: MemberOutcome[]) => Promise<MemberOutcome[]>): Promise<void> {
    let current = outcomes;
    for (let attempt = 1; ; attempt += 1) {
      const retry = current.filter((outcome) => outcome.result === 'retry');
      const lastAttempt = retry.length === 0 || attempt >= this.retry.attempts || current.some((outcome) => outcome.result === 'stop') || (await this.cancelled());
      this.#logMembers(lastAttempt ? current : current.filter((outcome) => outcome.result !== 'retry'));
      this.commit();
      if (lastAttempt) return;
      if (await this.#sleepUnlessCancelled(this.#backoff(attempt, retry))) {
        this.#logMembers(retry);
        this.commit();
        return;
      }
      current = await again(retry);
    }
  }

  #logMembers(outcomes: readonly MemberOutcome[]): void {
    const items = memberRunItems(outcomes);
    const counts: Partial<RunCounts> = { updated: 0, failed: 0 };
    for (const outcome of outcomes) {
      if (outcome.result === 'stop') this.stopError = outcome.error ?? new StopSyncError('unauthorized', engineMessage('engine.push.credentialsRefused'));
      if (outcome.result === 'retry' || outcome.result === 'rejected' || outcome.result === 'stop') {
        counts.failed! += 1;
        this.failures += 1;
        this.lastError = outcome.error ?? this.lastError;
      } else if (outcome.result === 'succeeded' || outcome.result === 'planned') {
        counts.updated! += 1;
        this.successes += 1;
      }
    }
    if (items.length === 0) return;
    this.enqueue(async (trx) => {
      await this.runs.addItems(this.runId, items, trx);
      await this.runs.addCounts(this.runId, counts, trx);
    });
  }

  /**
   * The wait before the next attempt: exponential backoff, or what is left of the longest
   * `Retry-After` asked (capped). Left, because it counts from the answer: the rest of the page was
   * sent meanwhile (the source's rate limiter held it back until then), so waiting it again in
   * full would leave the downstream idle for a second pause.
   */
  #backoff(attempt: number, retry: ReadonlyArray<{ error?: PushError }>): number {
    const now = Date.now();
    const left = (error: PushError | undefined) => (error instanceof TransientPushError && error.retryAfterMs !== undefined ? Math.max(0, error.retryAfterMs - Math.max(0, now - error.receivedAt)) : 0);
    const retryAfter = Math.min(this.retry.maxRetryAfterMs, Math.max(0, ...retry.map((outcome) => left(outcome.error))));
    return backoffDelay(attempt, this.retry.baseMs, this.retry.maxMs, retryAfter);
  }

  async #log(outcomes: readonly ObjectOutcome[], logSkips: boolean): Promise<void> {
    if (outcomes.length === 0) return;
    const counts: Partial<RunCounts> = { processed: 0, created: 0, updated: 0, deleted: 0, skipped: 0, failed: 0 };
    for (const outcome of outcomes) {
      counts.processed! += 1;
      if (outcome.result === 'retry' || outcome.result === 'rejected' || outcome.result === 'stop') {
        counts.failed! += 1;
        this.failures += 1;
        this.lastError = outcome.error ?? this.lastError;
      } else if (outcome.result === 'skipped') counts.skipped! += 1;
      else {
        this.successes += 1;
        if (outcome.operation === 'create') counts.created! += 1;
        else if (outcome.operation === 'update') counts.updated! += 1;
        else if (outcome.operation === 'delete' || outcome.operation === 'disable') counts.deleted! += 1;
      }
    }
    const items = runItems(logSkips ? outcomes : outcomes.filter((outcome) => outcome.result !== 'skipped'));
    if (!logSkips) {
      counts.processed = 0; // objects seen again (the manager pass) are counted once, in their first pass
      counts.skipped = 0;
    }
    this.enqueue(async (trx) => {
      await this.runs.addItems(this.runId, items, trx);
      await this.runs.addCounts(this.runId, counts, trx);
    });
  }
}

const CANCEL_CHECK_MS = 250;
