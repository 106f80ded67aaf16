import type { Knex } from 'knex';
import { ValidationError } from '../errors.js';
import { whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { isUniqueViolation } from '../persistence/unique-violation.js';
import { foldCase } from '../util/case-fold.js';

/**
 * userName is unique among live users, compared case-insensitively (RFC 7643 §4.1.1: caseExact
 * false, uniqueness server). The fold is `foldCase`, the one SCIM filters compare with, stored in
 * `sync_users.user_name_fold` by the writer (migration 20261202-03), so sqlite (whose `lower()`
 * folds ASCII only) and PostgreSQL agree, and two names a filter cannot tell apart cannot both be
 * live; a unique index over the live rows' fold (migration 20261202-04) holds across instances.
 */
export function foldUserName(userName: string): string {
  return foldCase(userName);
}

/** Folded userName → id of the live user holding it. */
export async function liveUserNameHolders(db: Knex | Knex.Transaction, folds: readonly string[]): Promise<Map<string, string>> {
  const pages = await whereInChunks([...new Set(folds)], (slice): Promise<Array<{ id: string; user_name_fold: string }>> =>
    db(TABLES.users).whereNull('deleted_at').whereIn('user_name_fold', slice).select('id', 'user_name_fold'),
  );
  return new Map(pages.flat().map((row) => [row.user_name_fold, row.id]));
}

/** The refusal of a userName another live user holds; names both users. */
export function duplicateUserName(field: string, id: string, userName: string, holderId: string): ValidationError {
  return ValidationError.single(
    field,
    'duplicate',
    `userName ${JSON.stringify(userName)} of user ${JSON.stringify(id)} is already used by user ${JSON.stringify(holderId)} (userName is unique, compared case-insensitively)`,
    { id, holderId },
  );
}

/** A write lost the race for a userName to another transaction (the unique index refused it). */
export function isUserNameViolation(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false;
  const { constraint, message } = error as { constraint?: string; message?: string };
  return `${constraint ?? ''} ${message ?? ''}`.includes('user_name_fold');
}
