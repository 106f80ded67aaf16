import type { Knex } from 'knex';
import type { AuditLog } from '../audit-log.js';
import type { SyncEvents } from '../events.js';
import { engineMessage, storeMessage, type EngineMessage } from '../i18n/engine-message.js';
import { TABLES } from '../persistence/tables.js';

/** When a source is quarantined: a failure rate over a sliding window. */
export interface QuarantinePolicy {
  /** Attempts the window must hold before its rate counts. */
  minAttempts: number;
  /** The share of failed attempts (0..1] that quarantines. */
  failureRate: number;
  windowMs: number;
}

/** What one delivery batch (or one run) came to: requests that went through and that failed. */
export interface AttemptReport {
  succeeded: number;
  failed: number;
  /** Why the last failure failed (a stored engine message's code and parameters), for the quarantine reason. */
  reason?: EngineMessage;
  /** 401/403 or an unusable configuration: quarantine at once, whatever the rate. */
  immediate?: ImmediateStop;
  /**
   * When the attempt began (ISO 8601). An attempt begun before the source was last changed or
   * resumed tried settings that are gone: its failure does not quarantine the source again.
   */
  startedAt?: string;
}

/** A failure that quarantines at once: refused credentials (401, or a token endpoint's 400), refused permission (403), a configuration that cannot work. */
export interface ImmediateStop {
  cause: 'unauthorized' | 'forbidden' | 'config';
  status?: number;
}

const WINDOW_SLOTS = 10;

/**
 * A source's failure streak, quarantine and last sync result. Quarantine follows the failure
 * *rate* of the source's requests over a sliding window (at least `minAttempts` requests, at
 * least `failureRate` of them failed; in memory, per instance); 401/403 (or a configuration that
 * cannot work) quarantines at once. A downstream failing one request in three is degraded, not
 * down: its objects are retried one by one and it is never quarantined. A batch that delivers
 * with a failure rate under the threshold lifts the quarantine by itself; an admin can also
 * resume the source. The streak counts batches in a row that delivered nothing.
 */
export class SourceHealth {
  readonly #windows = new Map<string, Array<{ slot: number; succeeded: number; failed: number }>>();

  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditLog,
    private readonly events: SyncEvents,
    private readonly policy: QuarantinePolicy,
    private readonly clock: () => Date,
  ) {}

  /** One failed attempt (a run that could not start, a batch that failed before any request). */
  async failure(sourceId: string, reason: EngineMessage, immediate: ImmediateStop | undefined): Promise<{ streak: number; quarantined: boolean }> {
    return this.record(sourceId, { succeeded: 0, failed: 1, reason, immediate });
  }

  /** A delivery went through: the streak ends, and a quarantine is lifted. */
  async success(sourceId: string): Promise<void> {
    await this.record(sourceId, { succeeded: 1, failed: 0 });
  }

  /**
   * Counts a batch's requests into the window and decides: quarantine (rate reached, or
   * `immediate`), lift (this batch delivered, mostly), or neither. Returns the streak after it
   * and whether the source is quarantined.
   */
  async record(sourceId: string, report: AttemptReport): Promise<{ streak: number; quarantined: boolean }> {
    if (report.succeeded + report.failed === 0) return { streak: await this.failureStreak(sourceId), quarantined: false };
    const window = this.#add(sourceId, report);
    const batchRate = report.failed / (report.succeeded + report.failed);
    let event: 'quarantined' | 'quarantine_lifted' | null = null;
    const result = await this.knex.transaction(async (trx) => {
      const row = await trx(TABLES.sources).where({ id: sourceId }).first('failure_streak', 'quarantined_at', 'updated_at');
      if (!row) return { streak: 0, quarantined: false };
      if (report.startedAt && row.updated_at && String(row.updated_at) > report.startedAt && report.succeeded === 0) {
        return { streak: Number(row.failure_streak), quarantined: Boolean(row.quarantined_at) };
      }
      const streak = report.succeeded > 0 ? 0 : Number(row.failure_streak) + 1;
      if (streak !== Number(row.failure_streak)) await trx(TABLES.sources).where({ id: sourceId }).update({ failure_streak: streak });
      if (row.quarantined_at) {
        if (report.succeeded === 0 || batchRate >= this.policy.failureRate || report.immediate) return { streak, quarantined: true };
        await trx(TABLES.sources).where({ id: sourceId }).update({ quarantined_at: null, quarantine_reason: null });
        await this.audit.record({ actor: 'system', action: 'source.quarantine_lifted', sourceId, detail: { reason: 'delivered' } }, trx);
        event = 'quarantine_lifted';
        return { streak, quarantined: false };
      }
      const attempts = window.succeeded + window.failed;
      const byRate = attempts >= this.policy.minAttempts && window.failed / attempts >= this.policy.failureRate;
      if (!report.immediate && !byRate) return { streak, quarantined: false };
      const why = this.#reason(report, window);
      await trx(TABLES.sources).where({ id: sourceId }).update({ quarantined_at: this.clock().toISOString(), quarantine_reason: storeMessage(why) });
      await this.audit.record({ actor: 'system', action: 'source.quarantine', sourceId, detail: { reason: why } }, trx);
      event = 'quarantined';
      return { streak, quarantined: true };
    });
    if (event === 'quarantine_lifted') this.#windows.delete(sourceId); // a fresh start: old failures do not quarantine it again
    if (event) this.events.emit('source', { id: sourceId, action: event });
    return result;
  }

  /** How many batches in a row delivered nothing. */
  async failureStreak(sourceId: string): Promise<number> {
    const row = await this.knex(TABLES.sources).where({ id: sourceId }).first('failure_streak');
    return Number(row?.failure_streak ?? 0);
  }

  /** How the last full run of the source ended, for the sources list. */
  async recordLastSync(sourceId: string, status: string): Promise<void> {
    await this.knex(TABLES.sources).where({ id: sourceId }).update({ last_sync_at: this.clock().toISOString(), last_sync_status: status });
  }

  /**
   * What actually happened, in so many words: "after one 401", "after 10 failed requests in a
   * row", "after 9 of 10 requests failed" — with the last error quoted as its own stored message.
   */
  #reason(report: AttemptReport, window: { succeeded: number; failed: number }): EngineMessage {
    const error = storeMessage(report.reason ?? engineMessage('engine.quarantine.unknownError'));
    const stop = report.immediate;
    if (stop?.cause === 'unauthorized') return engineMessage('engine.quarantine.unauthorized', { status: stop.status ?? 401, error });
    if (stop?.cause === 'forbidden') return engineMessage('engine.quarantine.forbidden', { status: stop.status ?? 403, error });
    if (stop?.cause === 'config') return engineMessage('engine.quarantine.config', { error });
    const minutes = Math.round(this.policy.windowMs / 60_000);
    const attempts = window.succeeded + window.failed;
    if (window.succeeded === 0) return engineMessage('engine.quarantine.inARow', { count: window.failed, minutes, error });
    return engineMessage('engine.quarantine.rate', { failed: window.failed, attempts, minutes, error });
  }

  /** Adds a report to the source's window (fixed slots: constant memory) and returns the window's totals. */
  #add(sourceId: string, report: AttemptReport): { succeeded: number; failed: number } {
    const slotMs = this.policy.windowMs / WINDOW_SLOTS;
    const slot = Math.floor(this.clock().getTime() / slotMs);
    const slots = (this.#windows.get(sourceId) ?? []).filter((entry) => entry.slot > slot - WINDOW_SLOTS);
    let current = slots.find((entry) => entry.slot === slot);
    if (!current) slots.push((current = { slot, succeeded: 0, failed: 0 }));
    current.succeeded += report.succeeded;
    current.failed += report.failed;
    this.#windows.set(sourceId, slots);
    return slots.reduce((sum, entry) => ({ succeeded: sum.succeeded + entry.succeeded, failed: sum.failed + entry.failed }), { succeeded: 0, failed: 0 });
  }
}

/** Exponential backoff with jitter (half fixed, half random), never shorter than `Retry-After`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.max(Math.round(jittered), retryAfterMs);
}
