import type { Knex } from 'knex';
import type { ObjectKind } from '../../mirror/mirror-rows.js';
import { chunks, insertChunked, rowsPerStatement } from '../../persistence/chunked.js';
import { TABLES } from '../../persistence/tables.js';

/** One object of a source waiting for its own retry. */
export interface PushRetry {
  kind: ObjectKind;
  localId: string;
  /** The first change of the object the cursor moved past without delivering it. */
  firstSeq: number;
  /** Failed attempts so far (0 for an object that waits for another one: a parent org not yet created). */
  attempts: number;
  /** ISO time on the center's clock. */
  nextAttemptAt: string;
  lastError: string | null;
}

export function retryKey(kind: ObjectKind, localId: string): string {
  return `${kind}:${localId}`;
}

/**
 * `sync_push_retries`: objects whose delivery failed transiently (or that wait for one that did),
 * each retried on its own schedule from the mirror's latest state. Rows are written in the
 * transaction that moves the source's cursor past the object, so nothing the cursor passed is
 * ever without either a delivery or a row here.
 */
export class RetryStore {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  /** Rows whose time has come, oldest schedule first. */
  async due(sourceId: string, limit: number): Promise<PushRetry[]> {
    const rows = await this.knex(TABLES.pushRetries).where({ source_id: sourceId }).where('next_attempt_at', '<=', this.clock().toISOString()).orderBy('next_attempt_at').limit(limit);
    return rows.map(toRetry);
  }

  /** The rows of these objects, by `retryKey`. */
  async of(sourceId: string, objects: ReadonlyArray<{ kind: ObjectKind; id: string }>): Promise<Map<string, PushRetry>> {
    const found = new Map<string, PushRetry>();
    for (const kind of ['user', 'org'] as const) {
      const ids = objects.filter((object) => object.kind === kind).map((object) => object.id);
      for (const chunk of chunks(ids, rowsPerStatement(1))) {
        const rows = await this.knex(TABLES.pushRetries).where({ source_id: sourceId, kind }).whereIn('local_id', chunk);
        for (const row of rows) found.set(retryKey(kind, row.local_id), toRetry(row));
      }
    }
    return found;
  }

  /** When the earliest row is due (ms on the center's clock), or undefined when none waits. */
  async nextDue(sourceId: string): Promise<number | undefined> {
    const row = await this.knex(TABLES.pushRetries).where({ source_id: sourceId }).min({ at: 'next_attempt_at' }).first();
    return row?.at ? Date.parse(row.at) : undefined;
  }

  /** The earliest change any source still retries: tombstones from it on must stay. */
  async lowestFirstSeq(): Promise<number | undefined> {
    const [row] = await this.knex(TABLES.pushRetries).min({ seq: 'first_seq' });
    return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
  }

  async count(sourceId: string): Promise<number> {
    const [row] = await this.knex(TABLES.pushRetries).where({ source_id: sourceId }).count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** Writes (or overwrites) rows, in the caller's transaction. */
  async save(trx: Knex.Transaction, sourceId: string, retries: readonly PushRetry[]): Promise<void> {
    const rows = retries.map((retry) => ({
      source_id: sourceId,
      kind: retry.kind,
      local_id: retry.localId,
      first_seq: retry.firstSeq,
      attempts: retry.attempts,
      next_attempt_at: retry.nextAttemptAt,
      last_error: retry.lastError?.slice(0, 2000) ?? null,
    }));
    await insertChunked(trx, TABLES.pushRetries, rows, { columns: ['source_id', 'kind', 'local_id'], update: ['first_seq', 'attempts', 'next_attempt_at', 'last_error'] });
  }

  /** Removes the rows of objects that were delivered (or permanently rejected), in the caller's transaction. */
  async clear(trx: Knex.Transaction, sourceId: string, objects: ReadonlyArray<{ kind: ObjectKind; id: string }>): Promise<void> {
    for (const kind of ['user', 'org'] as const) {
      const ids = objects.filter((object) => object.kind === kind).map((object) => object.id);
      for (const chunk of chunks(ids, rowsPerStatement(1))) await trx(TABLES.pushRetries).where({ source_id: sourceId, kind }).whereIn('local_id', chunk).delete();
    }
  }
}

function toRetry(row: Record<string, any>): PushRetry {
  return { kind: row.kind, localId: row.local_id, firstSeq: Number(row.first_seq), attempts: Number(row.attempts), nextAttemptAt: row.next_attempt_at, lastError: row.last_error ?? null };
}
