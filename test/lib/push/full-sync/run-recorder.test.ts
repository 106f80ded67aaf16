import type { Knex } from 'knex';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunRecorder } from '../../../../lib/push/full-sync/run-recorder.js';
import type { LinkStore } from '../../../../lib/push/links-store.js';
import type { RunStore } from '../../../../lib/runs/run-store.js';
import { DIALECT, useTestDatabase } from '../../../support/test-database.js';

const TABLE = 'test_recorder_writes';

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe(`RunRecorder's queued writes on ${DIALECT}`, () => {
  const db = useTestDatabase();
  let recorder: RunRecorder;
  /** The transaction each write ran in, by the write's name. */
  let ranIn: Map<string, Knex.Transaction>;
  beforeEach(async () => {
    await db.knex.schema.createTable(TABLE, (table) => {
      table.string('name').primary();
    });
    // commit() and settle() use the database only: the stores are not called.
    recorder = new RunRecorder(db.knex, {} as RunStore, {} as LinkStore, 1, 'source', false, { attempts: 1, baseMs: 1, maxMs: 1, maxRetryAfterMs: 1 }, async () => false);
    ranIn = new Map();
  });

  const write = (name: string, before?: Promise<void>) => async (trx: Knex.Transaction) => {
    await before;
    ranIn.set(name, trx);
    await trx(TABLE).insert({ name });
  };
  const stored = async () => (await db.knex(TABLE).orderBy('name').select('name')).map((row) => row.name as string);

  it('puts writes committed while the transaction before still has writes to run into that transaction, in order', async () => {
    const slow = gate();
    recorder.enqueue(write('a-links', slow.opened));
    recorder.commit();
    // The page's checkpoint, committed just after its links: it joins their transaction.
    recorder.enqueue(write('b-checkpoint'));
    recorder.commit();
    slow.open();
    await recorder.settle();
    expect(await stored()).toEqual(['a-links', 'b-checkpoint']);
    expect(ranIn.get('b-checkpoint')).toBe(ranIn.get('a-links'));
  });

  it('starts a new transaction for writes committed once the one before has run all of its writes', async () => {
    recorder.enqueue(write('a'));
    recorder.commit();
    await recorder.queued();
    recorder.enqueue(write('b'));
    await recorder.settle();
    expect(await stored()).toEqual(['a', 'b']);
    expect(ranIn.get('b')).not.toBe(ranIn.get('a'));
  });

  it('rolls back what joined a transaction with the write that failed in it, and settle() rethrows the failure', async () => {
    recorder.enqueue(write('committed'));
    await recorder.settle();
    const slow = gate();
    recorder.enqueue(write('a', slow.opened));
    recorder.enqueue(async () => {
      throw new Error('disk full');
    });
    recorder.commit();
    recorder.enqueue(write('joined'));
    recorder.commit();
    slow.open();
    await expect(recorder.settle()).rejects.toThrow('disk full');
    expect(await stored()).toEqual(['committed']);
    // Later writes are dropped too: the run fails and resumes from its last committed checkpoint.
    recorder.enqueue(write('after'));
    await expect(recorder.settle()).rejects.toThrow('disk full');
    expect(await stored()).toEqual(['committed']);
  });
});
