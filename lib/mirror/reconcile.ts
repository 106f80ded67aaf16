import type { Knex } from 'knex';
import { ValidationError } from '../errors.js';
import { callHost } from '../hooks/call-host.js';
import type { Directory, DirectoryPage } from '../hooks/directory.js';
import { whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { nameOf } from './mirror-record.js';
import {
  loadStoredStates,
  orgHash,
  tableOf,
  userHash,
  writeOrgs,
  writeTombstones,
  writeUsers,
  type ObjectKind,
} from './mirror-rows.js';
import { hostUpdatedAt, normalizeId, normalizeOrg, normalizeUser } from './normalize.js';
import { appendChanges, currentSequence } from './sequence.js';
import { duplicateUserName, foldUserName, liveUserNameHolders } from './user-names.js';

export interface KindCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Host objects that failed validation: left as they were in the mirror. */
  invalid: number;
}

export interface ReconcileWarning {
  kind: ObjectKind;
  id: string;
  /** Stable code: `invalid` (a duplicate userName among them), `unknown_parent`, `cycle`. */
  code: string;
  message: string;
}

export interface ReconcileReport {
  users: KindCounts;
  orgs: KindCounts;
  /** Problems found in the host data, at most `MAX_WARNINGS` of them. */
  warnings: ReconcileWarning[];
  /** The change sequence after the reconcile. */
  seq: number;
}

/** What reconcile reports for every object it changes, e.g. to write a run log. */
export interface ReconcileItem {
  kind: ObjectKind;
  id: string;
  name: string;
  operation: 'create' | 'update' | 'delete';
  seq: number;
}

export interface ReconcileOptions {
  pageSize?: number;
  /** Called after each committed page with the objects it changed. */
  onItems?: (items: ReconcileItem[]) => Promise<void> | void;
  /** Called after each page with how many host objects were read so far. */
  onProgress?: (progress: { kind: ObjectKind; read: number }) => Promise<void> | void;
  /** Checked between pages; returning true stops the reconcile early (nothing is tombstoned). */
  shouldStop?: () => Promise<boolean> | boolean;
}

const MAX_WARNINGS = 100;
const DEFAULT_PAGE_SIZE = 500;

/**
 * Makes the mirror equal to the host directory, page by page, one transaction per page, so that
 * memory stays flat whatever the directory's size.
 *
 * Every object a page names gets this run's mark; afterwards the live objects without the mark
 * are gone from the host and become tombstones. Objects changed through the hooks after the
 * reconcile began are newer than anything it read, so it leaves them alone on both counts.
 */
export async function reconcileDirectory(
  knex: Knex,
  directory: Directory,
  options: ReconcileOptions = {},
  clock: () => Date = () => new Date(),
): Promise<ReconcileReport & { stopped: boolean }> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const startSeq = await currentSequence(knex);
  const mark = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  const report: ReconcileReport = { users: emptyCounts(), orgs: emptyCounts(), warnings: [], seq: startSeq };
  const warn = (warning: ReconcileWarning) => {
    if (report.warnings.length < MAX_WARNINGS) report.warnings.push(warning);
  };

  const context: PageContext = { knex, startSeq, mark, clock, warn, onItems: options.onItems };
  // Orgs first: the users that follow refer to them.
  for (const kind of ['org', 'user'] as const) {
    let read = 0;
    for await (const page of pagesOf(directory, kind, pageSize)) {
      await applyPage(context, kind, page, kind === 'org' ? report.orgs : report.users);
      read += page.length;
      await options.onProgress?.({ kind, read });
      if (await options.shouldStop?.()) return { ...report, seq: await currentSequence(knex), stopped: true };
    }
  }
  // Deletions go users first, then orgs, as the push engine will send them.
  for (const kind of ['user', 'org'] as const) {
    await tombstoneUnseen(context, kind, kind === 'org' ? report.orgs : report.users);
  }
  await reportTreeProblems(knex, warn);
  return { ...report, seq: await currentSequence(knex), stopped: false };
}

interface PageContext {
  knex: Knex;
  startSeq: number;
  mark: number;
  clock: () => Date;
  warn: (warning: ReconcileWarning) => void;
  onItems?: ReconcileOptions['onItems'];
}

async function* pagesOf(directory: Directory, kind: ObjectKind, limit: number): AsyncGenerator<unknown[]> {
  let cursor: string | undefined;
  do {
    const hook = kind === 'user' ? 'directory.listUsers' : 'directory.listOrgs';
    const page: DirectoryPage<unknown> = await callHost(hook, () =>
      kind === 'user' ? directory.listUsers({ cursor, limit }) : directory.listOrgs({ cursor, limit }),
    );
    if (!page || !Array.isArray(page.items)) {
      throw new ValidationError([{ field: hook, code: 'type', message: `${hook} must return { items: [], nextCursor }` }]);
    }
    yield page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

interface Prepared {
  id: string;
  name: string;
  hash: string;
  data: unknown;
  hostUpdatedAt: string | null;
}

function prepare(kind: ObjectKind, item: unknown, warn: PageContext['warn']): Prepared | { invalidId: string | null } {
  try {
    if (kind === 'user') {
      const user = item as Parameters<typeof normalizeUser>[0];
      const data = normalizeUser(user);
      return { id: data.id, name: nameOf({ data }), hash: userHash(data), data, hostUpdatedAt: hostUpdatedAt(user.updatedAt) };
    }
    const org = item as Parameters<typeof normalizeOrg>[0];
    const data = normalizeOrg(org);
    return { id: data.id, name: nameOf({ data }), hash: orgHash(data), data, hostUpdatedAt: hostUpdatedAt(org.updatedAt) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const invalidId = storableId((item as { id?: unknown } | null)?.id);
    warn({ kind, id: invalidId ?? '', code: 'invalid', message: error.message });
    return { invalidId };
  }
}

/** The id of an invalid host object, when it can still mark the object as seen (a NUL would fail the query on PostgreSQL). */
function storableId(value: unknown): string | null {
  try {
    return normalizeId(value);
  } catch {
    return null;
  }
}

async function applyPage(context: PageContext, kind: ObjectKind, items: unknown[], counts: KindCounts): Promise<void> {
  const { warn } = context;
  const prepared: Prepared[] = [];
  // Invalid objects still count as seen, so that a typo in the host never deletes anyone.
  const seenIds: string[] = [];
  const byId = new Map<string, Prepared>();
  for (const item of items) {
    const result = prepare(kind, item, warn);
    if ('invalidId' in result) {
      counts.invalid += 1;
      if (result.invalidId) seenIds.push(result.invalidId);
      continue;
    }
    seenIds.push(result.id);
    byId.set(result.id, result); // a host that lists an id twice: the last copy wins
  }
  prepared.push(...byId.values());

  const written = await writePage(context, kind, prepared, seenIds);
  const { items: items_, unchanged, refused } = written;
  counts.unchanged += unchanged;
  for (const item of items_) counts[item.operation === 'create' ? 'created' : 'updated'] += 1;
  for (const error of refused) {
    counts.invalid += 1;
    warn({ kind, id: error.id, code: 'invalid', message: error.message });
  }
  if (items_.length > 0) await context.onItems?.(items_);
}

interface PageWrite {
  items: ReconcileItem[];
  unchanged: number;
  /** Users refused because another live user holds their userName: never merged, the holder is left as it is. */
  refused: Array<{ id: string; message: string }>;
}

async function writePage(context: PageContext, kind: ObjectKind, prepared: readonly Prepared[], seenIds: readonly string[]): Promise<PageWrite> {
  const { knex, startSeq, mark, clock } = context;
  const items: ReconcileItem[] = [];
  const refused: PageWrite['refused'] = [];
  let unchanged = 0;
  await knex.transaction(async (trx) => {
    const stored = await loadStoredStates(trx, kind, prepared.map((entry) => entry.id));
    let changed = prepared.filter((entry) => {
      const state = stored.get(entry.id);
      if (state && state.seq > startSeq) return false; // the hooks wrote something newer meanwhile
      return !state || state.deleted_at !== null || state.hash !== entry.hash;
    });
    unchanged = prepared.length - changed.length;
    if (changed.length > 0) {
      const now = clock().toISOString();
      await appendChanges(trx, { origin: 'reconcile', at: now }, async (feed) => {
        // The states were read before the feed's lock (to skip the lock for unchanged pages). A
        // hook write that committed in between is newer than this page: read again under the lock.
        const fresh = await loadStoredStates(trx, kind, changed.map((entry) => entry.id));
        changed = changed.filter((entry) => (fresh.get(entry.id)?.seq ?? 0) <= startSeq);
        unchanged = prepared.length - changed.length;
        // Checked under the feed's lock, which every writer takes first: no hook can take a name in between.
        if (kind === 'user') {
          const checked = await withoutDuplicateUserNames(trx, changed);
          changed = checked.accepted;
          refused.push(...checked.refused);
        }
        const writes = changed.map((entry) => {
          const seq = feed.append(kind, entry.id, 'upsert');
          const state = fresh.get(entry.id);
          const operation = !state || state.deleted_at !== null ? 'create' : 'update';
          items.push({ kind, id: entry.id, name: entry.name, operation, seq });
          return { data: entry.data, hash: entry.hash, seq, hostUpdatedAt: entry.hostUpdatedAt, createdAt: state?.created_at ?? now };
        });
        if (kind === 'user') await writeUsers(trx, writes as Parameters<typeof writeUsers>[1], now);
        else await writeOrgs(trx, writes as Parameters<typeof writeOrgs>[1], now);
      });
    }
    await whereInChunks(seenIds, (slice) => trx(tableOf(kind)).whereIn('id', slice).update({ reconcile_mark: mark }));
  });
  return { items, unchanged, refused };
}

/**
 * Splits the users to write into those whose userName is free (or already theirs) and those
 * whose userName another live user holds, in the mirror or earlier in this page.
 */
async function withoutDuplicateUserNames(trx: Knex.Transaction, entries: readonly Prepared[]): Promise<{ accepted: Prepared[]; refused: PageWrite['refused'] }> {
  const userNameOf = (entry: Prepared) => (entry.data as { userName: string }).userName;
  const holders = await liveUserNameHolders(trx, entries.map((entry) => foldUserName(userNameOf(entry))));
  const accepted: Prepared[] = [];
  const refused: PageWrite['refused'] = [];
  for (const entry of entries) {
    const fold = foldUserName(userNameOf(entry));
    const holder = holders.get(fold);
    if (holder !== undefined && holder !== entry.id) {
      refused.push({ id: entry.id, message: duplicateUserName('userName', entry.id, userNameOf(entry), holder).message });
      continue;
    }
    holders.set(fold, entry.id);
    accepted.push(entry);
  }
  return { accepted, refused };
}

async function tombstoneUnseen(context: PageContext, kind: ObjectKind, counts: KindCounts): Promise<void> {
  const { knex, startSeq, mark, clock } = context;
  for (;;) {
    const batch: ReconcileItem[] = [];
    await knex.transaction(async (trx) => {
      const rows: Array<{ id: string; name: string }> = await trx(tableOf(kind))
        .whereNull('deleted_at')
        .where('seq', '<=', startSeq)
        .where((query) => query.whereNull('reconcile_mark').orWhereNot('reconcile_mark', mark))
        .orderBy('id')
        .limit(500)
        .select('id', kind === 'user' ? 'user_name as name' : 'name');
      if (rows.length === 0) return;
      const now = clock().toISOString();
      await appendChanges(trx, { origin: 'reconcile', at: now }, async (feed) => {
        const deletions = rows.map((row) => {
          const seq = feed.append(kind, row.id, 'delete');
          batch.push({ kind, id: row.id, name: row.name, operation: 'delete', seq });
          return { id: row.id, seq };
        });
        await writeTombstones(trx, kind, deletions, now);
      });
    });
    if (batch.length === 0) return;
    counts.deleted += batch.length;
    await context.onItems?.(batch);
  }
}

/** The host is the source of truth, so a broken tree is reported rather than refused. */
async function reportTreeProblems(knex: Knex, warn: PageContext['warn']): Promise<void> {
  const orphans: Array<{ id: string; parent_id: string }> = await knex(`${TABLES.orgs} as child`)
    .leftJoin(`${TABLES.orgs} as parent`, function joinLiveParent() {
      this.on('parent.id', '=', 'child.parent_id').andOnNull('parent.deleted_at');
    })
    .whereNull('child.deleted_at')
    .whereNotNull('child.parent_id')
    .whereNull('parent.id')
    .limit(MAX_WARNINGS)
    .select('child.id', 'child.parent_id');
  for (const orphan of orphans) {
    warn({ kind: 'org', id: orphan.id, code: 'unknown_parent', message: `parent org ${JSON.stringify(orphan.parent_id)} does not exist` });
  }
  const cyclic = await knex
    .withRecursive('reachable', ['id'], (query) => {
      query
        .select('id')
        .from(TABLES.orgs)
        .whereNull('deleted_at')
        .whereNull('parent_id')
        .unionAll((step) => {
          step.select('child.id').from(`${TABLES.orgs} as child`).join('reachable', 'reachable.id', 'child.parent_id').whereNull('child.deleted_at');
        });
    })
    .from(TABLES.orgs)
    .whereNull('deleted_at')
    .whereNotIn('id', knex.select('id').from('reachable'))
    .whereNotIn('id', orphans.map((orphan) => orphan.id))
    .limit(MAX_WARNINGS)
    .select('id');
  for (const row of cyclic as Array<{ id: string }>) {
    warn({ kind: 'org', id: row.id, code: 'cycle', message: `org ${JSON.stringify(row.id)} is not reachable from a root (its ancestors form a cycle or have no parent)` });
  }
}

function emptyCounts(): KindCounts {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, invalid: 0 };
}
