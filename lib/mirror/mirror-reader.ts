import type { Knex } from 'knex';
import { whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { MIRROR_RECORD_COLUMNS, toMirrorRecord, type ChangeRow, type MirrorOrg, type MirrorUser, type ObjectKind } from './mirror-rows.js';
import type { MirrorOrgData, MirrorUserData } from './normalize.js';
import { listOrgChoices, type OrgChoice } from './org-choices.js';
import { currentSequence } from './sequence.js';

/** Read access to the mirror and its change feed, shared by the SCIM server, push and console. */
export class MirrorReader {
  constructor(private readonly knex: Knex) {}

  /** A user, tombstones included (check `deletedAt`); undefined when never seen. */
  async getUser(id: string): Promise<MirrorUser | undefined> {
    const row = await this.knex(TABLES.users).where({ id }).first(MIRROR_RECORD_COLUMNS);
    return row ? toMirrorRecord<MirrorUserData>(row) : undefined;
  }

  async getOrg(id: string): Promise<MirrorOrg | undefined> {
    const row = await this.knex(TABLES.orgs).where({ id }).first(MIRROR_RECORD_COLUMNS);
    return row ? toMirrorRecord<MirrorOrgData>(row) : undefined;
  }

  async getUsers(ids: readonly string[]): Promise<MirrorUser[]> {
    const rows = await whereInChunks(ids, (slice) => this.knex(TABLES.users).whereIn('id', slice).select(MIRROR_RECORD_COLUMNS));
    return rows.flat().map((row) => toMirrorRecord<MirrorUserData>(row));
  }

  async getOrgs(ids: readonly string[]): Promise<MirrorOrg[]> {
    const rows = await whereInChunks(ids, (slice) => this.knex(TABLES.orgs).whereIn('id', slice).select(MIRROR_RECORD_COLUMNS));
    return rows.flat().map((row) => toMirrorRecord<MirrorOrgData>(row));
  }

  /** Changes after `afterSeq`, oldest first. */
  async changesAfter(afterSeq: number, limit: number): Promise<ChangeRow[]> {
    const rows = await this.knex(TABLES.changes).where('seq', '>', afterSeq).orderBy('seq').limit(limit);
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  }

  currentSequence(): Promise<number> {
    return currentSequence(this.knex);
  }

  /** Live (not deleted) object counts, for the console and run totals. */
  async counts(): Promise<{ users: number; orgs: number }> {
    const [users] = await this.knex(TABLES.users).whereNull('deleted_at').count({ n: '*' });
    const [orgs] = await this.knex(TABLES.orgs).whereNull('deleted_at').count({ n: '*' });
    return { users: Number(users?.n ?? 0), orgs: Number(orgs?.n ?? 0) };
  }

  /** Live orgs in tree order with their depth, for a scope picker; at most `limit` (`truncated` says when some were left out). */
  orgChoices(limit?: number): Promise<{ orgs: OrgChoice[]; truncated: boolean }> {
    return listOrgChoices(this.knex, limit);
  }

  /** How many changes were committed after `afterSeq`. */
  async countChangesAfter(afterSeq: number): Promise<number> {
    const [row] = await this.knex(TABLES.changes).where('seq', '>', afterSeq).count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** When the oldest change after `afterSeq` was committed, or undefined when none is. */
  async oldestChangeAtAfter(afterSeq: number): Promise<string | undefined> {
    const row = await this.knex(TABLES.changes).where('seq', '>', afterSeq).orderBy('seq').first('at');
    return row?.at ?? undefined;
  }

  /** The seq of the newest change in the feed, or undefined when the feed is empty. */
  async latestChangeSeq(): Promise<number | undefined> {
    const [row] = await this.knex(TABLES.changes).max({ seq: 'seq' });
    return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
  }

  /** The ids and parents of every live org: the whole tree's shape, without the org data. */
  async liveOrgTree(): Promise<Array<{ id: string; parentId: string | undefined }>> {
    const rows: Array<{ id: string; parent_id: string | null }> = await this.knex(TABLES.orgs).whereNull('deleted_at').select('id', 'parent_id');
    return rows.map((row) => ({ id: row.id, parentId: row.parent_id ?? undefined }));
  }

  /** Live users by id after `afterId`, one page (keyset, so each page is one indexed query). */
  async liveUsersAfter(afterId: string | undefined, limit: number, options: { managedOnly?: boolean } = {}): Promise<MirrorUser[]> {
    const query = this.knex(TABLES.users).whereNull('deleted_at').orderBy('id').limit(limit).select(MIRROR_RECORD_COLUMNS);
    if (afterId !== undefined) query.where('id', '>', afterId);
    if (options.managedOnly) query.whereNotNull('manager_id');
    const rows = await query;
    return rows.map((row) => toMirrorRecord<MirrorUserData>(row));
  }

  /** Ids of live users whose manager is one of `managerIds`. */
  async liveUserIdsManagedBy(managerIds: readonly string[]): Promise<string[]> {
    const rows = await whereInChunks(managerIds, (slice) => this.knex(TABLES.users).whereIn('manager_id', slice).whereNull('deleted_at').select('id'));
    return rows.flat().map((row) => row.id as string);
  }

  /** The live users directly in each of these orgs (what a group of the org holds), by org id; an org without any is absent. */
  async liveUserIdsInOrgs(orgIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await whereInChunks(orgIds, (slice): Promise<Array<{ org_id: string; user_id: string }>> =>
      this.knex(`${TABLES.userOrgs} as m`).join(`${TABLES.users} as u`, 'u.id', 'm.user_id').whereIn('m.org_id', slice).whereNull('u.deleted_at').orderBy('m.user_id').select('m.org_id', 'm.user_id'),
    );
    const members = new Map<string, string[]>();
    for (const row of rows.flat()) {
      const list = members.get(row.org_id);
      if (list) list.push(row.user_id);
      else members.set(row.org_id, [row.user_id]);
    }
    return members;
  }

  /**
   * A subquery for other stores to join: the distinct objects of the given kinds with a delete
   * change after `afterSeq` (columns `kind`, `object_id`).
   */
  deletedAfter(afterSeq: number, kinds: readonly ObjectKind[]): Knex.QueryBuilder {
    return this.knex(TABLES.changes).where('seq', '>', afterSeq).where('op', 'delete').whereIn('kind', kinds).distinct('kind', 'object_id');
  }

  /** A correlated subquery for `whereNotExists`: the live mirror record whose id is the column `idColumn`. */
  liveRecord(kind: ObjectKind, idColumn: string): Knex.QueryBuilder {
    const table = kind === 'user' ? TABLES.users : TABLES.orgs;
    return this.knex(`${table} as live`).where('live.id', this.knex.ref(idColumn)).whereNull('live.deleted_at').select(this.knex.raw('1'));
  }
}
