import type { Knex } from 'knex';
import { insertChunked } from '../persistence/chunked.js';
import { CHANGE_SEQUENCE, TABLES } from '../persistence/tables.js';
import type { ChangeOp, ChangeOrigin, ChangeRow, ObjectKind } from './mirror-rows.js';

/** The changes one transaction appends to the feed, numbered as they are added. */
export class ChangeBatch {
  readonly #rows: ChangeRow[] = [];
  #last: number;

  constructor(
    last: number,
    private readonly origin: ChangeOrigin,
    private readonly at: string,
  ) {
    this.#last = last;
  }

  /** The number the next appended change gets (write the object with it, then append). */
  get nextSeq(): number {
    return this.#last + 1;
  }

  /** Adds a change to the feed; returns its sequence number. */
  append(kind: ObjectKind, objectId: string, op: ChangeOp): number {
    this.#last += 1;
    this.#rows.push({ seq: this.#last, kind, object_id: objectId, op, origin: this.origin, at: this.at });
    return this.#last;
  }

  get rows(): readonly ChangeRow[] {
    return this.#rows;
  }

  get last(): number {
    return this.#last;
  }
}

/**
 * The one way to add to the change feed, inside the caller's transaction: lock the counter,
 * let `write` number its changes from the next value (writing each object with its number),
 * then insert the change rows and store the last number. Nothing is stored when `write`
 * appends nothing.
 *
 * Sequence numbers come from one counter row that every writing transaction updates first.
 * That row lock serialises writers, so numbers are handed out in commit order: a reader that
 * has seen seq N never later finds a committed change below N (which a plain SQL sequence
 * would allow on PostgreSQL). On sqlite the same update takes the database write lock.
 */
export async function appendChanges<T>(
  trx: Knex.Transaction,
  entry: { origin: ChangeOrigin; at: string },
  write: (batch: ChangeBatch) => Promise<T>,
): Promise<T> {
  const batch = new ChangeBatch(await lockSequence(trx), entry.origin, entry.at);
  const result = await write(batch);
  if (batch.rows.length > 0) {
    await insertChunked(trx, TABLES.changes, batch.rows);
    await trx(TABLES.counters).where({ name: CHANGE_SEQUENCE }).update({ value: batch.last });
  }
  return result;
}

async function lockSequence(trx: Knex.Transaction): Promise<number> {
  await trx(TABLES.counters).where({ name: CHANGE_SEQUENCE }).update({ value: trx.raw('value') });
  const row = await trx(TABLES.counters).where({ name: CHANGE_SEQUENCE }).first('value');
  return Number(row.value);
}

/** The highest sequence number committed so far. */
export async function currentSequence(knex: Knex): Promise<number> {
  const row = await knex(TABLES.counters).where({ name: CHANGE_SEQUENCE }).first('value');
  return Number(row?.value ?? 0);
}
