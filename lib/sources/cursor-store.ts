import type { Knex } from 'knex';
import { currentSequence } from '../mirror/sequence.js';
import { TABLES } from '../persistence/tables.js';

/**
 * `sync_cursors`: how far each source has taken the change feed. A cursor only moves forward, so
 * a late writer (a run ending after the delivery worker went further) never sends it back.
 */
export class CursorStore {
  constructor(
    private readonly knex: Knex,
    private readonly clock: () => Date,
  ) {}

  /** A new source starts at the present, in the transaction that creates it. */
  async start(sourceId: string, trx: Knex.Transaction): Promise<void> {
    await trx(TABLES.cursors).insert({ source_id: sourceId, seq: await currentSequence(trx), updated_at: this.#now() });
  }

  /** The last change the source has taken (0 when it has no cursor). */
  async get(sourceId: string): Promise<number> {
    const row = await this.knex(TABLES.cursors).where({ source_id: sourceId }).first('seq');
    return Number(row?.seq ?? 0);
  }

  /** Moves the cursor up to `seq` (never down); `db` lets the caller do it in its own transaction. */
  async advance(sourceId: string, seq: number, db: Knex | Knex.Transaction = this.knex): Promise<void> {
    await db(TABLES.cursors).where({ source_id: sourceId }).where('seq', '<', seq).update({ seq, updated_at: this.#now() });
  }

  /** The lowest cursor of all push sources, or undefined when there is none (what every push source has passed). */
  async lowestPushCursor(): Promise<number | undefined> {
    const [row] = await this.knex(`${TABLES.cursors} as c`).join(`${TABLES.sources} as s`, 's.id', 'c.source_id').where('s.mode', 'push').min({ seq: 'c.seq' });
    return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
  }

  #now(): string {
    return this.clock().toISOString();
  }
}
