import type { Knex } from 'knex';
import type { AuditLog } from '../audit-log.js';
import type { SyncEvents } from '../events.js';
import { TABLES } from '../persistence/tables.js';

/**
 * A source's failure streak, quarantine and last sync result. A failed attempt adds one to the streak; 401/403
 * (or a configuration that cannot work) quarantines at once, otherwise `quarantineAfter` failures
 * in a row do. A later successful delivery lifts the quarantine by itself (the retries that go on
 * at a growing interval exist for that); an admin can also resume the source.
 */
export class SourceHealth {
  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditLog,
    private readonly events: SyncEvents,
    private readonly quarantineAfter: number,
    private readonly clock: () => Date,
  ) {}

  /** Returns the streak after this failure and whether the source is (now) quarantined. */
  async failure(sourceId: string, reason: string, immediate: boolean): Promise<{ streak: number; quarantined: boolean }> {
    let newlyQuarantined = false;
    const result = await this.knex.transaction(async (trx) => {
      await trx(TABLES.sources).where({ id: sourceId }).update({ failure_streak: trx.raw('failure_streak + 1') });
      const row = await trx(TABLES.sources).where({ id: sourceId }).first('failure_streak', 'quarantined_at');
      if (!row) return { streak: 0, quarantined: false };
      const streak = Number(row.failure_streak);
      if (row.quarantined_at) return { streak, quarantined: true };
      if (!immediate && streak < this.quarantineAfter) return { streak, quarantined: false };
      const why = immediate ? reason : `${streak} failed attempts in a row; last: ${reason}`;
      await trx(TABLES.sources).where({ id: sourceId }).update({ quarantined_at: this.clock().toISOString(), quarantine_reason: why.slice(0, 2000) });
      await this.audit.record({ actor: 'system', action: 'source.quarantine', sourceId, detail: { reason: why.slice(0, 500) } }, trx);
      newlyQuarantined = true;
      return { streak, quarantined: true };
    });
    if (newlyQuarantined) this.events.emit('source', { id: sourceId, action: 'quarantined' });
    return result;
  }

  /** How many attempts in a row have failed. */
  async failureStreak(sourceId: string): Promise<number> {
    const row = await this.knex(TABLES.sources).where({ id: sourceId }).first('failure_streak');
    return Number(row?.failure_streak ?? 0);
  }

  /** How the last full run of the source ended, for the sources list. */
  async recordLastSync(sourceId: string, status: string): Promise<void> {
    await this.knex(TABLES.sources).where({ id: sourceId }).update({ last_sync_at: this.clock().toISOString(), last_sync_status: status });
  }

  /** A delivery went through: the streak ends, and a quarantine is lifted. */
  async success(sourceId: string): Promise<void> {
    let lifted = false;
    await this.knex.transaction(async (trx) => {
      const row = await trx(TABLES.sources).where({ id: sourceId }).first('failure_streak', 'quarantined_at');
      if (!row || (Number(row.failure_streak) === 0 && !row.quarantined_at)) return;
      await trx(TABLES.sources).where({ id: sourceId }).update({ failure_streak: 0, quarantined_at: null, quarantine_reason: null });
      if (row.quarantined_at) {
        await this.audit.record({ actor: 'system', action: 'source.quarantine_lifted', sourceId, detail: { reason: 'a retry was delivered' } }, trx);
        lifted = true;
      }
    });
    if (lifted) this.events.emit('source', { id: sourceId, action: 'quarantine_lifted' });
  }
}

/** Exponential backoff with jitter (half fixed, half random), never shorter than `Retry-After`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.max(Math.round(jittered), retryAfterMs);
}
