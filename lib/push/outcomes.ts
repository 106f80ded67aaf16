import type { Knex } from 'knex';
import { storeMessage } from '../i18n/engine-message.js';
import type { DeliveryLogInput } from '../runs/incremental-log.js';
import type { RunItemInput } from '../runs/run-store.js';
import type { LinkFailure, LinkStore, LinkSuccess } from './links-store.js';
import type { MemberOutcome } from './member-pusher.js';
import { resetMembers } from './member-pusher.js';
import type { ObjectOutcome } from './object-pusher.js';

/** Writes what a batch of outcomes means for the links (and group memberships), in one transaction (or in the caller's). */
export async function recordLinks(db: Knex | Knex.Transaction, links: LinkStore, sourceId: string, outcomes: readonly ObjectOutcome[]): Promise<void> {
  const successes: LinkSuccess[] = [];
  const failures: LinkFailure[] = [];
  const removals: Array<{ kind: 'user' | 'org'; localId: string }> = [];
  const resets: Array<{ kind: 'user' | 'org'; localId: string }> = [];
  for (const outcome of outcomes) {
    const ref = { kind: outcome.work.kind, localId: outcome.work.localId };
    if (outcome.resetMembers) resets.push(ref);
    if (!outcome.link) continue;
    if (outcome.link.type === 'success') successes.push(outcome.link.value);
    else if (outcome.link.type === 'failure') failures.push(outcome.link.value);
    else removals.push(ref);
  }
  if (successes.length + failures.length + removals.length + resets.length === 0) return;
  const write = async (trx: Knex | Knex.Transaction) => {
    await resetMembers(trx, sourceId, resets);
    await links.record(sourceId, { successes, failures, removals }, trx);
  };
  if (db.isTransaction) await write(db);
  else await (db as Knex).transaction(write);
}

const LOG_RESULT: Record<string, string> = { succeeded: 'succeeded', rejected: 'rejected', retry: 'retrying', stop: 'failed', skipped: 'skipped', planned: 'planned' };

/** Outcomes worth a line in the incremental log: every request made, and deliberate skips (policy). */
export function deliveryEntries(sourceId: string, outcomes: readonly ObjectOutcome[], attemptOf: (outcome: ObjectOutcome) => number): DeliveryLogInput[] {
  return outcomes
    .filter((outcome) => outcome.result !== 'skipped' || outcome.note)
    .map((outcome) => ({
      sourceId,
      changeSeq: outcome.work.seq ?? null,
      kind: outcome.work.kind,
      objectId: outcome.work.localId,
      objectName: outcome.work.name,
      operation: outcome.operation,
      result: LOG_RESULT[outcome.result] ?? outcome.result,
      method: outcome.method ?? null,
      path: outcome.path ?? null,
      httpStatus: outcome.httpStatus ?? null,
      changes: nonEmpty(outcome.changes),
      error: outcome.error ? storeMessage(outcome.error.engineMessage) : outcome.result === 'skipped' && outcome.note ? storeMessage(outcome.note) : null,
      durationMs: outcome.durationMs ?? null,
      attempt: attemptOf(outcome),
    }));
}

export function memberDeliveryEntries(sourceId: string, outcomes: readonly MemberOutcome[], attempt: number): DeliveryLogInput[] {
  return outcomes
    .filter((outcome) => outcome.result !== 'skipped')
    .map((outcome) => ({ sourceId, ...memberColumns(outcome), result: LOG_RESULT[outcome.result] ?? outcome.result, attempt }));
}

/**
 * One run-log row per object, whatever happened to it. Changed attributes are logged for
 * updates, disables and deletes; a create's attributes are the whole body, which the link keeps
 * as `sent` (logging it twice would double what a 100k-user sync writes).
 */
export function runItems(outcomes: readonly ObjectOutcome[]): RunItemInput[] {
  return outcomes.map((outcome) => ({
    kind: outcome.work.kind,
    objectId: outcome.work.localId,
    objectName: outcome.work.name,
    operation: outcome.operation,
    result: outcome.result === 'retry' || outcome.result === 'stop' || outcome.result === 'rejected' ? 'failed' : outcome.result,
    method: outcome.method ?? null,
    path: outcome.path ?? null,
    httpStatus: outcome.httpStatus ?? null,
    changes: outcome.operation === 'create' ? null : nonEmpty(outcome.changes),
    error: outcome.error ? storeMessage(outcome.error.engineMessage) : outcome.note && outcome.result !== 'succeeded' ? storeMessage(outcome.note) : null,
    durationMs: outcome.durationMs ?? null,
  }));
}

export function memberRunItems(outcomes: readonly MemberOutcome[]): RunItemInput[] {
  return outcomes
    .filter((outcome) => outcome.result !== 'skipped')
    .map((outcome) => ({ ...memberColumns(outcome), result: outcome.result === 'succeeded' || outcome.result === 'planned' ? outcome.result : 'failed' }));
}

/** A membership PATCH as both logs record it (their results are worded differently). */
function memberColumns(outcome: MemberOutcome) {
  return {
    kind: 'org' as const,
    objectId: outcome.orgId,
    objectName: outcome.orgName,
    operation: 'update' as const,
    method: outcome.method,
    path: outcome.path,
    httpStatus: outcome.httpStatus,
    changes: memberChanges(outcome),
    error: outcome.error ? storeMessage(outcome.error.engineMessage) : null,
    durationMs: outcome.durationMs,
  };
}

function memberChanges(outcome: MemberOutcome): Record<string, { old?: unknown; new?: unknown }> {
  const changes: Record<string, { old?: unknown; new?: unknown }> = {};
  if (outcome.added.length > 0) changes['members (added)'] = { new: outcome.added };
  if (outcome.removed.length > 0) changes['members (removed)'] = { old: outcome.removed };
  return changes;
}

function nonEmpty<T extends object>(value: T | null | undefined): T | null {
  return value && Object.keys(value).length > 0 ? value : null;
}
