import type { Knex } from 'knex';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { searchFold } from './log-search.js';

/** What happened to one object, as a log keeps it: the shared shape of run-log rows and delivery-log rows. */
export interface LoggedOutcome {
  kind: ObjectKind;
  objectId: string;
  objectName?: string | null;
  operation: string;
  result: string;
  method?: string | null;
  path?: string | null;
  httpStatus?: number | null;
  /** Changed attributes, old → new. Never secrets. */
  changes?: Record<string, { old?: unknown; new?: unknown }> | null;
  error?: string | null;
  durationMs?: number | null;
}

export function outcomeColumns(outcome: LoggedOutcome) {
  return {
    kind: outcome.kind,
    object_id: outcome.objectId,
    object_name: outcome.objectName ?? null,
    object_name_fold: searchFold(outcome.objectName),
    operation: outcome.operation,
    result: outcome.result,
    method: outcome.method ?? null,
    path: outcome.path ?? null,
    http_status: outcome.httpStatus ?? null,
    changes: outcome.changes ? JSON.stringify(outcome.changes) : null,
    error: outcome.error ?? null,
    duration_ms: outcome.durationMs ?? null,
  };
}

export function outcomeFromRow(row: Record<string, any>): Required<LoggedOutcome> {
  return {
    kind: row.kind,
    objectId: row.object_id,
    objectName: row.object_name ?? null,
    operation: row.operation,
    result: row.result,
    method: row.method ?? null,
    path: row.path ?? null,
    httpStatus: row.http_status === null || row.http_status === undefined ? null : Number(row.http_status),
    changes: row.changes ? JSON.parse(row.changes) : null,
    error: row.error ?? null,
    durationMs: row.duration_ms === null || row.duration_ms === undefined ? null : Number(row.duration_ms),
  };
}

/** One page of a filtered query, newest or oldest first by id, with the total for the pager. */
export async function pageOf(
  query: () => Knex.QueryBuilder,
  order: 'asc' | 'desc',
  page: { limit?: number; offset?: number },
): Promise<{ rows: Record<string, any>[]; total: number }> {
  const [count] = await query().clone().clearSelect().count({ n: '*' });
  const rows = await query()
    .orderBy('id', order)
    .limit(page.limit ?? 50)
    .offset(page.offset ?? 0);
  return { rows, total: Number((count as { n?: unknown } | undefined)?.n ?? 0) };
}
