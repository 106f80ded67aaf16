import type { Knex } from 'knex';
import { insertChunked, whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import type { MirrorOrgData } from './normalize.js';

/**
 * A user's reach is every org whose subtree holds it: its orgs and all their ancestors. A scoped
 * pull source sees a user exactly while one of its scope roots is in the user's reach, so when an
 * org drops out of a user's reach the mirror records the exit (user, org, time) in
 * `sync_user_org_exits`. The mirror knows nothing of sources: the SCIM server asks "did this user
 * leave scope root R after T" of these rows. Users leave a reach in two ways, both recorded here:
 * their memberships change (a user write), or an org above them moves (an org write). Orgs
 * leave their ancestors' subtrees the same way, recorded in `sync_org_exits`.
 */
type Reach = Map<string, Set<string>>;

/** Call before writing users: their reach as stored. */
export async function reachBeforeUserWrite(trx: Knex.Transaction, userIds: readonly string[]): Promise<Reach> {
  return reachOf(trx, userIds);
}

/** Call after writing the users: records every org that left their reach. */
export async function recordUserExits(trx: Knex.Transaction, before: Reach, now: string): Promise<void> {
  const after = await reachOf(trx, [...before.keys()]);
  const exits: ExitRow[] = [];
  for (const [userId, orgIds] of before) {
    const kept = after.get(userId);
    for (const orgId of orgIds) if (!kept?.has(orgId)) exits.push({ user_id: userId, org_id: orgId, left_at: now });
  }
  await saveExits(trx, exits);
}

/** Call before writing orgs: the ancestors of each org the write moves to another parent. */
export async function ancestorsBeforeOrgWrite(trx: Knex.Transaction, orgs: readonly MirrorOrgData[]): Promise<Reach> {
  const stored: Array<{ id: string; parent_id: string | null }> = (
    await whereInChunks(orgs.map((org) => org.id), (slice) => trx(TABLES.orgs).whereIn('id', slice).select('id', 'parent_id'))
  ).flat();
  const newParent = new Map(orgs.map((org) => [org.id, org.parentId ?? null]));
  const moved = stored.filter((row) => row.parent_id !== null && row.parent_id !== newParent.get(row.id)).map((row) => row.id);
  return ancestorsOf(trx, moved);
}

/**
 * Call after writing the orgs: for each moved org, the ancestors it lost left the reach of the
 * orgs of its subtree, and of the users below it unless another membership still reaches them.
 */
export async function recordOrgMoveExits(trx: Knex.Transaction, before: Reach, now: string): Promise<void> {
  if (before.size === 0) return;
  const after = await ancestorsOf(trx, [...before.keys()]);
  for (const [orgId, ancestors] of before) {
    const lost = [...ancestors].filter((id) => !after.get(orgId)?.has(id));
    if (lost.length === 0) continue;
    const marks = lost.map(() => '?').join(', ');
    const rows: Array<{ user_id: string; org_id: string }> = await rawRows(
      trx.raw(
        `WITH RECURSIVE moved(id) AS (
           SELECT id FROM ${TABLES.orgs} WHERE id = ? UNION SELECT c.id FROM ${TABLES.orgs} c JOIN moved m ON c.parent_id = m.id
         ), still(root, id) AS (
           SELECT id, id FROM ${TABLES.orgs} WHERE id IN (${marks})
           UNION SELECT s.root, c.id FROM ${TABLES.orgs} c JOIN still s ON c.parent_id = s.id
         )
         SELECT DISTINCT m.user_id, a.id AS org_id
         FROM ${TABLES.userOrgs} m JOIN moved ON moved.id = m.org_id JOIN ${TABLES.orgs} a ON a.id IN (${marks})
         WHERE NOT EXISTS (SELECT 1 FROM ${TABLES.userOrgs} k JOIN still s ON s.id = k.org_id WHERE k.user_id = m.user_id AND s.root = a.id)`,
        [orgId, ...lost, ...lost],
      ),
    );
    await saveExits(trx, rows.map((row) => ({ ...row, left_at: now })));
    await saveOrgExits(trx, orgId, lost, now);
  }
}

async function saveOrgExits(trx: Knex.Transaction, movedOrgId: string, lost: readonly string[], now: string): Promise<void> {
  const subtree = await rawRows<{ id: string }>(
    trx.raw(`WITH RECURSIVE moved(id) AS (SELECT id FROM ${TABLES.orgs} WHERE id = ? UNION SELECT c.id FROM ${TABLES.orgs} c JOIN moved m ON c.parent_id = m.id) SELECT id FROM moved`, [
      movedOrgId,
    ]),
  );
  const rows = subtree.flatMap(({ id }) => lost.map((ancestorId) => ({ org_id: id, ancestor_id: ancestorId, left_at: now })));
  await insertChunked(trx, TABLES.orgExits, rows, { columns: ['org_id', 'ancestor_id'], update: ['left_at'] });
}

/** Exits older than the tombstone cutoff are of no use to any pull. Returns how many went. */
export async function purgeScopeExits(knex: Knex, cutoff: string): Promise<number> {
  let purged = 0;
  for (const table of [TABLES.userOrgExits, TABLES.orgExits]) purged += await knex(table).where('left_at', '<', cutoff).delete();
  return purged;
}

interface ExitRow {
  user_id: string;
  org_id: string;
  left_at: string;
}

async function saveExits(trx: Knex.Transaction, rows: readonly ExitRow[]): Promise<void> {
  await insertChunked(trx, TABLES.userOrgExits, rows, { columns: ['user_id', 'org_id'], update: ['left_at'] });
}

async function reachOf(trx: Knex.Transaction, userIds: readonly string[]): Promise<Reach> {
  const reach: Reach = new Map(userIds.map((id) => [id, new Set<string>()]));
  // UNION (not UNION ALL) stops at pairs already seen, so a cyclic tree still terminates.
  const pages = await whereInChunks([...new Set(userIds)], (slice) =>
    rawRows<{ user_id: string; org_id: string }>(
      trx.raw(
        `WITH RECURSIVE reach(user_id, org_id) AS (
           SELECT user_id, org_id FROM ${TABLES.userOrgs} WHERE user_id IN (${slice.map(() => '?').join(', ')})
           UNION SELECT r.user_id, o.parent_id FROM reach r JOIN ${TABLES.orgs} o ON o.id = r.org_id WHERE o.parent_id IS NOT NULL
         ) SELECT user_id, org_id FROM reach`,
        slice,
      ),
    ),
  );
  for (const row of pages.flat()) reach.get(row.user_id)?.add(row.org_id);
  return reach;
}

/** The strict ancestors of each org, as the tree is stored now. */
async function ancestorsOf(trx: Knex.Transaction, orgIds: readonly string[]): Promise<Reach> {
  const ancestors: Reach = new Map(orgIds.map((id) => [id, new Set<string>()]));
  const pages = await whereInChunks([...new Set(orgIds)], (slice) =>
    rawRows<{ org_id: string; id: string }>(
      trx.raw(
        `WITH RECURSIVE up(org_id, id) AS (
           SELECT id, parent_id FROM ${TABLES.orgs} WHERE id IN (${slice.map(() => '?').join(', ')}) AND parent_id IS NOT NULL
           UNION SELECT up.org_id, p.parent_id FROM up JOIN ${TABLES.orgs} p ON p.id = up.id WHERE p.parent_id IS NOT NULL
         ) SELECT org_id, id FROM up`,
        slice,
      ),
    ),
  );
  for (const row of pages.flat()) ancestors.get(row.org_id)?.add(row.id);
  return ancestors;
}

async function rawRows<T>(query: Knex.Raw): Promise<T[]> {
  const result: unknown = await query;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
