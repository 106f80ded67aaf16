import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import { foldCase } from '../util/case-fold.js';

/** The longest search the console passes on; anything longer is cut, never an error. */
export const MAX_SEARCH_LENGTH = 200;

/**
 * The folded text a log row is searched by (object name; a pull request's path and filter),
 * written beside the row (`object_name_fold`, `search_fold`, migration 20261202-17). Parts are
 * joined by a newline, which a one-line search never contains, so no match spans two parts.
 */
export function searchFold(...parts: Array<string | null | undefined>): string | null {
  const present = parts.filter((part): part is string => typeof part === 'string' && part !== '');
  return present.length === 0 ? null : foldCase(present.join('\n'));
}

/** The search as typed, trimmed and bounded; undefined when there is none. */
export function normalizeSearch(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim().slice(0, MAX_SEARCH_LENGTH);
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Narrows a run-item or delivery query (already limited to one run or one source) to one
 * object, found by any of:
 * - its id, exactly: the `(source_id, object_id)` / `(run_id, object_id)` index;
 * - its userName, case-insensitively and exactly: the mirror's `user_name_fold` index gives the
 *   user's id (a deleted user too, while its tombstone lasts);
 * - a part of its name as logged (display name, else userName; org name), case-insensitively.
 *   This is a `LIKE '%…%'` over the folded copy: it reads every row of the one source or run
 *   the query is bounded to, in its index range, and is the search's cost. The log's retention
 *   bounds how many rows that is.
 */
export function whereObjectMatches(query: Knex.QueryBuilder, knex: Knex, search: string): void {
  const folded = foldCase(search);
  query.where((match) => {
    match
      .where('object_id', search)
      .orWhere((byUserName) => byUserName.where('kind', 'user').whereIn('object_id', knex(TABLES.users).where('user_name_fold', folded).select('id')))
      .orWhereRaw("object_name_fold LIKE ? ESCAPE '!'", [containing(folded)]);
  });
}

/**
 * Narrows a pull-log query (one source) to requests whose path or filter contains the search,
 * case-insensitively (`search_fold`, read over the source's rows like the name search above),
 * or that were made by the client id searched for.
 */
export function wherePullMatches(query: Knex.QueryBuilder, search: string): void {
  query.where((match) => {
    match.where('client_id', search).orWhereRaw("search_fold LIKE ? ESCAPE '!'", [containing(foldCase(search))]);
  });
}

/** A LIKE pattern for "contains", the wildcards in the search taken literally (`ESCAPE '!'`). */
function containing(folded: string): string {
  return `%${folded.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}
