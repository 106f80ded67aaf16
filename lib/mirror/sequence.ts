import type { Knex } from 'knex';
import { CHANGE_SEQUENCE, TABLES } from '../persistence/tables.js';

/**
 * Change sequence numbers come from one counter row that every writing transaction updates
 * first. That row lock serialises writers, so numbers are handed out in commit order: a reader
 * that has seen seq N never later finds a committed change below N (which a plain SQL sequence
 * would allow on PostgreSQL). On sqlite the same update takes the database write lock.
 */
export async function lockSequence(trx: Knex.Transaction): Promise<number> {
  await trx(TABLES.counters).where({ name: CHANGE_SEQUENCE }).update({ value: trx.raw('value') });
  const row = await trx(TABLES.counters).where({ name: CHANGE_SEQUENCE }).first('value');
  return Number(row.value);
}

export async function storeSequence(trx: Knex.Transaction, value: number): Promise<void> {
  await trx(TABLES.counters).where({ name: CHANGE_SEQUENCE }).update({ value });
}

/** The highest sequence number committed so far. */
export async function currentSequence(knex: Knex): Promise<number> {
  const row = await knex(TABLES.counters).where({ name: CHANGE_SEQUENCE }).first('value');
  return Number(row?.value ?? 0);
}
