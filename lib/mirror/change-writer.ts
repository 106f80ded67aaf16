import type { Knex } from 'knex';
import { ValidationError } from '../errors.js';
import type { DirectoryOrg, DirectoryUser } from '../hooks/directory.js';
import { TABLES } from '../persistence/tables.js';
import {
  loadStoredStates,
  orgHash,
  userHash,
  writeOrgs,
  writeTombstones,
  writeUsers,
  type ChangeOp,
  type ObjectKind,
  type StoredState,
} from './mirror-rows.js';
import { hostUpdatedAt, normalizeId, normalizeOrg, normalizeUser, type MirrorOrgData, type MirrorUserData } from './normalize.js';
import { appendChanges } from './sequence.js';
import { duplicateUserName, foldUserName, isUserNameViolation, liveUserNameHolders } from './user-names.js';

/** One change the host reports. `center.changes.apply()` takes a list of these. */
export type DirectoryChange =
  | { type: 'userUpserted'; user: DirectoryUser }
  | { type: 'userDeleted'; id: string }
  | { type: 'orgUpserted'; org: DirectoryOrg }
  | { type: 'orgDeleted'; id: string };

export interface AppliedChange {
  kind: ObjectKind;
  id: string;
  op: ChangeOp;
  seq: number;
}

export interface ChangeResult {
  /** The changes that altered the mirror, each with its sequence number. */
  applied: AppliedChange[];
  /** How many reported changes matched the mirror already and wrote nothing. */
  unchanged: number;
}

type Normalized =
  | { type: 'userUpserted'; data: MirrorUserData; hostUpdatedAt: string | null; prefix: string }
  | { type: 'orgUpserted'; data: MirrorOrgData; hostUpdatedAt: string | null }
  | { type: 'userDeleted' | 'orgDeleted'; id: string };

const MAX_ANCESTRY = 1000;

/**
 * Writes host changes into the mirror. A batch is one transaction: either every change is
 * durable with its sequence number when the promise resolves, or none is.
 */
export class ChangeWriter {
  constructor(
    private readonly knex: Knex,
    private readonly onCommitted: (applied: AppliedChange[]) => void,
    private readonly clock: () => Date,
  ) {}

  async apply(changes: readonly DirectoryChange[]): Promise<ChangeResult> {
    if (!Array.isArray(changes)) throw ValidationError.single('changes', 'type', 'changes must be an array');
    const normalized = changes.map((change, index) => normalizeChange(change, changes.length > 1 ? `[${index}].` : ''));
    const result = await this.#transaction(normalized, async (trx) => {
      const now = this.clock().toISOString();
      return appendChanges(trx, { origin: 'hook', at: now }, async (feed) => {
        const applied: AppliedChange[] = [];
        let unchanged = 0;
        for (const change of normalized) {
          const outcome = await applyOne(trx, change, feed.nextSeq, now);
          if (outcome) {
            feed.append(outcome.kind, outcome.id, outcome.op);
            applied.push(outcome);
          } else unchanged += 1;
        }
        return { applied, unchanged };
      });
    });
    if (result.applied.length > 0) this.onCommitted(result.applied);
    return result;
  }

  /**
   * Runs the batch. Its userName checks run under the feed's lock, which every writer of the
   * mirror takes first; should a write still reach the unique index with a taken name (a writer
   * that skips the check), the index's refusal becomes the same ValidationError, naming the holder.
   */
  async #transaction<T>(normalized: readonly Normalized[], write: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.knex.transaction(write);
    } catch (error) {
      if (!isUserNameViolation(error)) throw error;
      const users = normalized.filter((change): change is Extract<Normalized, { type: 'userUpserted' }> => change.type === 'userUpserted');
      const holders = await liveUserNameHolders(this.knex, users.map((change) => foldUserName(change.data.userName)));
      for (const change of users) {
        const holder = holders.get(foldUserName(change.data.userName));
        if (holder !== undefined && holder !== change.data.id) throw duplicateUserName(`${change.prefix}userName`, change.data.id, change.data.userName, holder);
      }
      throw error;
    }
  }
}

function normalizeChange(change: DirectoryChange, prefix: string): Normalized {
  try {
    if (typeof change !== 'object' || change === null) throw ValidationError.single('change', 'type', 'a change must be an object');
    switch (change.type) {
      case 'userUpserted':
        return { type: change.type, data: normalizeUser(change.user), hostUpdatedAt: hostUpdatedAt(change.user.updatedAt), prefix };
      case 'orgUpserted':
        return { type: change.type, data: normalizeOrg(change.org), hostUpdatedAt: hostUpdatedAt(change.org.updatedAt) };
      case 'userDeleted':
      case 'orgDeleted':
        return { type: change.type, id: normalizeId(change.id) };
      default:
        throw ValidationError.single('type', 'unknown', `unknown change type ${JSON.stringify((change as { type?: unknown }).type)}`);
    }
  } catch (error) {
    if (error instanceof ValidationError && prefix) {
      throw new ValidationError(error.issues.map((issue) => ({ ...issue, field: prefix + issue.field })));
    }
    throw error;
  }
}

/** Applies one change at `seq`; returns null when the mirror already says the same. */
async function applyOne(trx: Knex.Transaction, change: Normalized, seq: number, now: string): Promise<AppliedChange | null> {
  switch (change.type) {
    case 'userUpserted': {
      const hash = userHash(change.data);
      const stored = await storedState(trx, 'user', change.data.id);
      if (isSame(stored, hash)) return null;
      const fold = foldUserName(change.data.userName);
      const holder = (await liveUserNameHolders(trx, [fold])).get(fold);
      if (holder !== undefined && holder !== change.data.id) throw duplicateUserName(`${change.prefix}userName`, change.data.id, change.data.userName, holder);
      await writeUsers(trx, [{ data: change.data, hash, seq, hostUpdatedAt: change.hostUpdatedAt, createdAt: stored?.created_at ?? now }], now);
      return { kind: 'user', id: change.data.id, op: 'upsert', seq };
    }
    case 'orgUpserted': {
      const hash = orgHash(change.data);
      const stored = await storedState(trx, 'org', change.data.id);
      if (isSame(stored, hash)) return null;
      await assertValidParent(trx, change.data);
      await writeOrgs(trx, [{ data: change.data, hash, seq, hostUpdatedAt: change.hostUpdatedAt, createdAt: stored?.created_at ?? now }], now);
      return { kind: 'org', id: change.data.id, op: 'upsert', seq };
    }
    case 'userDeleted':
    case 'orgDeleted': {
      const kind: ObjectKind = change.type === 'userDeleted' ? 'user' : 'org';
      const stored = await storedState(trx, kind, change.id);
      if (!stored || stored.deleted_at) return null;
      await writeTombstones(trx, kind, [{ id: change.id, seq }], now);
      return { kind, id: change.id, op: 'delete', seq };
    }
  }
}

function isSame(stored: StoredState | undefined, hash: string): boolean {
  return stored !== undefined && stored.deleted_at === null && stored.hash === hash;
}

async function storedState(trx: Knex.Transaction, kind: ObjectKind, id: string): Promise<StoredState | undefined> {
  return (await loadStoredStates(trx, kind, [id])).get(id);
}

/** The parent must be a live org, and the org must not end up among its own ancestors. */
async function assertValidParent(trx: Knex.Transaction, org: MirrorOrgData): Promise<void> {
  let ancestorId = org.parentId;
  for (let depth = 0; ancestorId !== undefined; depth += 1) {
    const ancestor = await trx(TABLES.orgs).where({ id: ancestorId }).first('id', 'parent_id', 'deleted_at');
    if (!ancestor || ancestor.deleted_at) {
      if (depth === 0) throw ValidationError.single('parentId', 'unknown_parent', `parent org ${JSON.stringify(ancestorId)} does not exist`);
      return; // an older break in the tree above the parent is not this change's fault
    }
    if (ancestor.id === org.id || depth > MAX_ANCESTRY) {
      throw ValidationError.single('parentId', 'cycle', `org ${JSON.stringify(org.id)} cannot be moved under its own descendant`);
    }
    ancestorId = ancestor.parent_id ?? undefined;
  }
}
