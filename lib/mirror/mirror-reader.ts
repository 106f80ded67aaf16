import type { Knex } from 'knex';
import { whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { toMirrorRecord, type ChangeRow, type MirrorOrg, type MirrorUser } from './mirror-rows.js';
import type { MirrorOrgData, MirrorUserData } from './normalize.js';
import { currentSequence } from './sequence.js';

/** Read access to the mirror and its change feed, shared by the SCIM server, push and console. */
export class MirrorReader {
  constructor(private readonly knex: Knex) {}

  /** A user, tombstones included (check `deletedAt`); undefined when never seen. */
  async getUser(id: string): Promise<MirrorUser | undefined> {
    const row = await this.knex(TABLES.users).where({ id }).first();
    return row ? toMirrorRecord<MirrorUserData>(row) : undefined;
  }

  async getOrg(id: string): Promise<MirrorOrg | undefined> {
    const row = await this.knex(TABLES.orgs).where({ id }).first();
    return row ? toMirrorRecord<MirrorOrgData>(row) : undefined;
  }

  async getUsers(ids: readonly string[]): Promise<MirrorUser[]> {
    const rows = await whereInChunks(ids, (slice) => this.knex(TABLES.users).whereIn('id', slice));
    return rows.flat().map((row) => toMirrorRecord<MirrorUserData>(row));
  }

  async getOrgs(ids: readonly string[]): Promise<MirrorOrg[]> {
    const rows = await whereInChunks(ids, (slice) => this.knex(TABLES.orgs).whereIn('id', slice));
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
}
