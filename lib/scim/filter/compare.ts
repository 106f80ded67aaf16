import type { Compare, Suffix } from 'scim2-parse-filter';
import { foldCase } from '../../util/case-fold.js';
import { ScimError } from '../scim-error.js';
import type { ColumnTarget } from './filter-targets.js';

export interface Sql {
  sql: string;
  bindings: unknown[];
}

export type Dialect = 'pg' | 'sqlite';

const ORDERING = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/**
 * One comparison on one column, in two-valued logic: a missing value compares false (never
 * NULL), so `not (…)` and `ne` keep the rows that lack the attribute, as RFC 7644 §3.4.2.2 reads.
 */
export function compareColumn(target: ColumnTarget, node: Compare | Suffix, path: string, dialect: Dialect): Sql {
  const column = target.sql;
  if (node.op === 'pr') {
    return { sql: target.type === 'string' ? `(${column} IS NOT NULL AND ${column} <> '')` : `(${column} IS NOT NULL)`, bindings: [] };
  }
  if (node.op === 'ne') {
    const equal = compareColumn(target, { ...node, op: 'eq' }, path, dialect);
    return { sql: `NOT ${equal.sql}`, bindings: equal.bindings };
  }
  const value = node.compValue;
  if (value === null) {
    if (node.op === 'eq') return { sql: `(${column} IS NULL)`, bindings: [] };
    throw ScimError.invalidFilter(`"${path} ${node.op} null": null can only be compared with eq or ne`);
  }
  switch (target.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw ScimError.invalidFilter(`${path} is a boolean; compare it with true or false`);
      if (node.op !== 'eq') throw ScimError.invalidFilter(`${path} is a boolean; only eq, ne and pr apply`);
      return nullSafe(column, `${column} = ?`, [value]);
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw ScimError.invalidFilter(`${path} is an integer; compare it with a number`);
      return ordered(target, node, path, value);
    case 'dateTime': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T|$)/.test(value) || Number.isNaN(Date.parse(value))) {
        throw ScimError.invalidFilter(`${path} is a dateTime; compare it with an ISO 8601 string such as "2026-01-31T08:00:00Z"`);
      }
      // Stored timestamps are Date#toISOString() strings, so the normalised form compares in order.
      return ordered(target, node, path, new Date(value).toISOString());
    }
    case 'string':
      if (typeof value !== 'string') throw ScimError.invalidFilter(`${path} is a string; compare it with a quoted value`);
      return compareString(target, node.op, value, path, dialect);
  }
}

function ordered(target: ColumnTarget, node: Compare, path: string, value: number | string): Sql {
  if (node.op === 'eq') return nullSafe(target.sql, `${target.sql} = ?`, [value]);
  if (node.op in ORDERING) return nullSafe(target.sql, `${target.sql} ${ORDERING[node.op as keyof typeof ORDERING]} ?`, [value]);
  throw ScimError.invalidFilter(`${path} is a${target.type === 'integer' ? 'n integer' : ' dateTime'}; "${node.op}" does not apply to it`);
}

function compareString(target: ColumnTarget, op: Compare['op'], value: string, path: string, dialect: Dialect): Sql {
  const column = target.sql;
  if (target.foldSql) {
    // The stored folded copy against the value folded the same way (foldCase), never the
    // database's lower(): sqlite's folds ASCII only, PostgreSQL's follows its locale.
    const left = target.foldSql;
    const folded = foldCase(value);
    if (op === 'eq') return nullSafe(left, `${left} = ?`, [folded]);
    if (op in ORDERING) return nullSafe(left, `${left} ${ORDERING[op as keyof typeof ORDERING]} ?`, [folded]);
    return nullSafe(left, `${left} LIKE ? ESCAPE '!'`, [likePattern(op, folded, path)]);
  }
  if (op === 'eq') return nullSafe(column, `${column} = ?`, [value]);
  if (op in ORDERING) return nullSafe(column, `${column} ${ORDERING[op as keyof typeof ORDERING]} ?`, [value]);
  // sqlite's LIKE ignores ASCII case, so a case-exact substring match uses GLOB there.
  if (dialect === 'sqlite') return nullSafe(column, `${column} GLOB ?`, [globPattern(op, value, path)]);
  return nullSafe(column, `${column} LIKE ? ESCAPE '!'`, [likePattern(op, value, path)]);
}

function nullSafe(column: string, comparison: string, bindings: unknown[]): Sql {
  return { sql: `(${column} IS NOT NULL AND ${comparison})`, bindings };
}

function likePattern(op: Compare['op'], value: string, path: string): string {
  const escaped = value.replace(/[!%_]/g, (char) => `!${char}`);
  return wrap(op, escaped, '%', path);
}

function globPattern(op: Compare['op'], value: string, path: string): string {
  const escaped = value.replace(/[*?[]/g, (char) => `[${char}]`);
  return wrap(op, escaped, '*', path);
}

function wrap(op: Compare['op'], escaped: string, any: string, path: string): string {
  if (op === 'co') return `${any}${escaped}${any}`;
  if (op === 'sw') return `${escaped}${any}`;
  if (op === 'ew') return `${any}${escaped}`;
  throw ScimError.invalidFilter(`unsupported operator "${op}" on ${path}`);
}
