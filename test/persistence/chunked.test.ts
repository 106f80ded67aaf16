import { beforeEach, describe, expect, it } from 'vitest';
import { insertChunked, rowsPerStatement, VARIABLES_PER_STATEMENT, whereInChunks } from '../../lib/persistence/chunked.js';
import { DIALECT, useTestDatabase } from '../support/test-database.js';

const TABLE = 'test_chunked_rows';
const COLUMNS = ['id', 'a', 'b', 'c', 'd', 'e', 'f'] as const;
/** More bound variables than either database takes in one statement (sqlite 32,766, PostgreSQL 65,535). */
const OVER_BOTH_LIMITS = 70_000;

function rowsOf(count: number, offset = 0) {
  return Array.from({ length: count }, (_, index) => {
    const id = offset + index;
    return { id, a: `a${id}`, b: `b${id}`, c: id % 2 === 0, d: id * 2, e: null, f: 'f' };
  });
}

describe(`insertChunked and whereInChunks on ${DIALECT}`, () => {
  const db = useTestDatabase();
  let statements: string[];
  beforeEach(async () => {
    await db.knex.schema.createTable(TABLE, (table) => {
      table.integer('id').primary();
      for (const column of ['a', 'b', 'f']) table.string(column);
      table.boolean('c');
      table.integer('d');
      table.string('e');
    });
    statements = [];
    db.knex.on('query', (query: { sql: string }) => statements.push(query.sql));
  });

  const count = async () => Number((await db.knex(TABLE).count({ n: '*' }))[0]!.n);
  const inserts = () => statements.filter((sql) => sql.startsWith('insert'));

  it('splits rows whose values exceed the bound-variable limit into statements under it', async () => {
    const rows = rowsOf(Math.ceil(OVER_BOTH_LIMITS / COLUMNS.length));
    await insertChunked(db.knex, TABLE, rows);
    expect(await count()).toBe(rows.length);
    expect(inserts()).toHaveLength(Math.ceil(rows.length / rowsPerStatement(COLUMNS.length)));
    const last = await db.knex(TABLE).where({ id: rows.length - 1 }).first();
    expect({ ...last, c: Boolean(last.c), d: Number(last.d) }).toEqual(rows[rows.length - 1]);
  });

  it('sends nothing for no rows', async () => {
    await insertChunked(db.knex, TABLE, []);
    expect(statements).toEqual([]);
  });

  it('fills exactly one statement at the boundary and starts a second one row past it', async () => {
    const perStatement = rowsPerStatement(COLUMNS.length);
    expect(perStatement * COLUMNS.length).toBeLessThanOrEqual(VARIABLES_PER_STATEMENT);
    await insertChunked(db.knex, TABLE, rowsOf(perStatement));
    expect(inserts()).toHaveLength(1);
    await insertChunked(db.knex, TABLE, rowsOf(perStatement + 1, perStatement));
    expect(inserts()).toHaveLength(3);
    expect(await count()).toBe(2 * perStatement + 1);
  });

  it('inserts NULL for a column a row leaves out', async () => {
    await insertChunked(db.knex, TABLE, [{ id: 1, a: 'x' }, { id: 2, b: 'y' }]);
    const rows = await db.knex(TABLE).orderBy('id').select('id', 'a', 'b');
    expect(rows.map((row) => ({ ...row, id: Number(row.id) }))).toEqual([
      { id: 1, a: 'x', b: null },
      { id: 2, a: null, b: 'y' },
    ]);
  });

  it('on a conflict keeps the stored row, overwrites every column, or only the named ones', async () => {
    await insertChunked(db.knex, TABLE, [{ id: 1, a: 'first', b: 'first' }]);
    await insertChunked(db.knex, TABLE, [{ id: 1, a: 'ignored', b: 'ignored' }], { columns: ['id'], update: 'nothing' });
    expect(await db.knex(TABLE).where({ id: 1 }).first('a', 'b')).toEqual({ a: 'first', b: 'first' });
    await insertChunked(db.knex, TABLE, [{ id: 1, a: 'second', b: 'kept' }], { columns: ['id'], update: ['a'] });
    expect(await db.knex(TABLE).where({ id: 1 }).first('a', 'b')).toEqual({ a: 'second', b: 'first' });
    await insertChunked(db.knex, TABLE, [{ id: 1, a: 'third', b: 'third' }], { columns: ['id'], update: 'all' });
    expect(await db.knex(TABLE).where({ id: 1 }).first('a', 'b')).toEqual({ a: 'third', b: 'third' });
    expect(await count()).toBe(1);
  });

  it('stores every value as binding it one by one stores it: text, numbers, booleans, NULL, odd strings, a Buffer', async () => {
    const MIXED = 'test_chunked_mixed';
    await db.knex.schema.createTable(MIXED, (table) => {
      table.integer('id').primary();
      table.text('t');
      table.bigInteger('n');
      table.double('r');
      table.boolean('b');
      table.binary('bytes');
    });
    const values = [
      { t: 'plain', n: 7, r: 1.5, b: true, bytes: null },
      { t: '{"looks":"like json"}', n: -3, r: 2, b: false, bytes: null },
      { t: 'quote \' and "double", backslash \\, newline \n, tab \t', n: 0, r: -0.25, b: null, bytes: null },
      { t: 'lone \ud800 surrogate, pair 😀, CJK 张三', n: 2 ** 40, r: 1e21, b: true, bytes: null },
      { t: '42', n: null, r: null, b: null, bytes: null },
      { t: null, n: 1, r: 3.25, b: false, bytes: Buffer.from([0, 1, 2, 255]) },
    ];
    // Reference: knex's own builder, one bound variable per value.
    await db.knex(MIXED).insert(values.map((row, index) => ({ id: index, ...row })));
    statements = [];
    const rows = values.map((row, index) => ({ id: 100 + index, ...row }));
    await insertChunked(db.knex, MIXED, rows.slice(0, 5));
    await insertChunked(db.knex, MIXED, rows.slice(5)); // the Buffer: bound one by one on both databases
    // sqlite takes a statement's rows as one JSON text (the values it can carry), PostgreSQL as VALUES.
    expect(inserts().map((sql) => sql.includes('jsonb_each(?)'))).toEqual(DIALECT === 'sqlite' ? [true, false] : [false, false]);
    const read = async (from: number) =>
      (await db.knex(MIXED).where('id', '>=', from).where('id', '<', from + 100).orderBy('id')).map(({ id, ...row }) => ({
        ...row,
        n: row.n === null ? null : Number(row.n),
        b: row.b === null ? null : Boolean(row.b),
        bytes: row.bytes === null ? null : Buffer.from(row.bytes).toString('hex'),
      }));
    const reference = await read(0);
    expect(await read(100)).toEqual(reference);
    expect(reference[3]!.t).toBe('lone \ufffd surrogate, pair 😀, CJK 张三');
    expect(reference[5]!.bytes).toBe('000102ff');
  });

  it('reads and deletes over an id list longer than one statement takes', async () => {
    const rows = rowsOf(OVER_BOTH_LIMITS / 2);
    await insertChunked(db.knex, TABLE, rows);
    const ids = [...rows.map((row) => row.id), -1, -2];
    statements = [];
    const found = (await whereInChunks(ids, (slice) => db.knex(TABLE).whereIn('id', slice).select('id'))).flat();
    expect(found).toHaveLength(rows.length);
    expect(statements).toHaveLength(Math.ceil(ids.length / rowsPerStatement(1)));
    const even = rows.filter((row) => row.c).map((row) => row.id);
    const deleted = await whereInChunks(even, (slice) => db.knex(TABLE).whereIn('id', slice).delete());
    expect(deleted.reduce((sum, n) => sum + n, 0)).toBe(even.length);
    expect(await count()).toBe(rows.length - even.length);
  });

  it('runs no statement for an empty id list', async () => {
    expect(await whereInChunks([], (slice) => db.knex(TABLE).whereIn('id', slice).delete())).toEqual([]);
    expect(statements).toEqual([]);
  });
});
