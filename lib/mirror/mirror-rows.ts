import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import { contentHash, type MirrorOrgData, type MirrorUserData } from './normalize.js';

export type ObjectKind = 'user' | 'org';
export type ChangeOp = 'upsert' | 'delete';
export type ChangeOrigin = 'hook' | 'reconcile';

/** A mirror object as stored, with the bookkeeping the SCIM server and the push engine need. */
export interface MirrorRecord<T> {
  id: string;
  seq: number;
  data: T;
  hash: string;
  createdAt: string;
  lastModified: string;
  /** Set on a tombstone: the object was deleted in the host at this time. */
  deletedAt: string | null;
}

export type MirrorUser = MirrorRecord<MirrorUserData>;
export type MirrorOrg = MirrorRecord<MirrorOrgData>;

/** The little the writers need to know about the stored copy of an object. */
export interface StoredState {
  id: string;
  hash: string;
  seq: number;
  created_at: string;
  deleted_at: string | null;
}

export interface UserWrite {
  data: MirrorUserData;
  hash: string;
  seq: number;
  hostUpdatedAt: string | null;
  createdAt: string;
}

export interface OrgWrite {
  data: MirrorOrgData;
  hash: string;
  seq: number;
  hostUpdatedAt: string | null;
  createdAt: string;
}

export interface ChangeRow {
  seq: number;
  kind: ObjectKind;
  object_id: string;
  op: ChangeOp;
  origin: ChangeOrigin;
  at: string;
}

/** sqlite allows 32,766 bound variables per statement; stay well below with every table. */
const ROWS_PER_INSERT = 400;

export function userHash(data: MirrorUserData): string {
  return contentHash(data);
}

export function orgHash(data: MirrorOrgData): string {
  return contentHash(data);
}

export function tableOf(kind: ObjectKind): string {
  return kind === 'user' ? TABLES.users : TABLES.orgs;
}

export async function loadStoredStates(
  trx: Knex | Knex.Transaction,
  kind: ObjectKind,
  ids: readonly string[],
): Promise<Map<string, StoredState>> {
  const states = new Map<string, StoredState>();
  for (const chunk of chunks(ids, ROWS_PER_INSERT)) {
    const rows: StoredState[] = await trx(tableOf(kind)).whereIn('id', chunk).select('id', 'hash', 'seq', 'created_at', 'deleted_at');
    for (const row of rows) states.set(row.id, { ...row, seq: Number(row.seq) });
  }
  return states;
}

export async function writeUsers(trx: Knex.Transaction, writes: readonly UserWrite[], now: string): Promise<void> {
  if (writes.length === 0) return;
  const ids = writes.map((write) => write.data.id);
  const formerOrgs = await orgsOfUsers(trx, ids);
  for (const chunk of chunks(writes, ROWS_PER_INSERT)) {
    await trx(TABLES.users)
      .insert(chunk.map((write) => userRow(write, now)))
      .onConflict('id')
      .merge();
  }
  for (const table of [TABLES.userEmails, TABLES.userPhones, TABLES.userOrgs]) {
    for (const chunk of chunks(ids, ROWS_PER_INSERT)) await trx(table).whereIn('user_id', chunk).delete();
  }
  await insertChunked(trx, TABLES.userEmails, writes.flatMap(({ data }) => contactRows(data.id, data.emails)));
  await insertChunked(trx, TABLES.userPhones, writes.flatMap(({ data }) => contactRows(data.id, data.phoneNumbers)));
  await insertChunked(
    trx,
    TABLES.userOrgs,
    writes.flatMap(({ data }) => data.orgIds.map((orgId) => ({ user_id: data.id, org_id: orgId, primary: orgId === data.primaryOrgId }))),
  );
  await markMembersChanged(trx, [...formerOrgs, ...writes.flatMap(({ data }) => data.orgIds)], now);
}

export async function writeOrgs(trx: Knex.Transaction, writes: readonly OrgWrite[], now: string): Promise<void> {
  for (const chunk of chunks(writes, ROWS_PER_INSERT)) {
    await trx(TABLES.orgs)
      .insert(chunk.map((write) => orgRow(write, now)))
      .onConflict('id')
      .merge();
  }
}

/** Marks objects deleted. The row stays as a tombstone so pullers see the deletion. */
export async function writeTombstones(
  trx: Knex.Transaction,
  kind: ObjectKind,
  deletions: ReadonlyArray<{ id: string; seq: number }>,
  now: string,
): Promise<void> {
  if (kind === 'user') await markMembersChanged(trx, [...(await orgsOfUsers(trx, deletions.map(({ id }) => id)))], now);
  for (const { id, seq } of deletions) {
    const update: Record<string, unknown> = { seq, deleted_at: now, last_modified: now, hash: 'deleted' };
    if (kind === 'user') update.active = false;
    await trx(tableOf(kind)).where({ id }).update(update);
  }
}

export async function insertChanges(trx: Knex.Transaction, changes: readonly ChangeRow[]): Promise<void> {
  await insertChunked(trx, TABLES.changes, changes);
}

function userRow({ data, hash, seq, hostUpdatedAt, createdAt }: UserWrite, now: string) {
  return {
    id: data.id,
    seq,
    user_name: data.userName,
    external_id: data.externalId ?? null,
    display_name: data.displayName ?? null,
    given_name: data.name?.givenName ?? null,
    family_name: data.name?.familyName ?? null,
    middle_name: data.name?.middleName ?? null,
    formatted_name: data.name?.formatted ?? null,
    honorific_prefix: data.name?.honorificPrefix ?? null,
    honorific_suffix: data.name?.honorificSuffix ?? null,
    locale: data.locale ?? null,
    preferred_language: data.preferredLanguage ?? null,
    title: data.title ?? null,
    employee_number: data.employeeNumber ?? null,
    manager_id: data.managerId ?? null,
    primary_org_id: data.primaryOrgId ?? null,
    active: data.active,
    data: JSON.stringify(data),
    hash,
    host_updated_at: hostUpdatedAt,
    created_at: createdAt,
    last_modified: now,
    deleted_at: null,
  };
}

function orgRow({ data, hash, seq, hostUpdatedAt, createdAt }: OrgWrite, now: string) {
  return {
    id: data.id,
    seq,
    name: data.name,
    code: data.code ?? null,
    parent_id: data.parentId ?? null,
    sort_order: data.order,
    data: JSON.stringify(data),
    hash,
    host_updated_at: hostUpdatedAt,
    created_at: createdAt,
    last_modified: now,
    deleted_at: null,
  };
}

function contactRows(userId: string, contacts: MirrorUserData['emails']) {
  return (contacts ?? []).map((contact, position) => ({
    user_id: userId,
    position,
    value: contact.value,
    type: contact.type ?? null,
    primary: contact.primary === true,
  }));
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: readonly object[]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) await trx(table).insert(chunk);
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

export function toMirrorRecord<T>(row: Record<string, unknown>): MirrorRecord<T> {
  return {
    id: String(row.id),
    seq: Number(row.seq),
    data: JSON.parse(String(row.data)) as T,
    hash: String(row.hash),
    createdAt: String(row.created_at),
    lastModified: String(row.last_modified),
    deletedAt: (row.deleted_at as string | null) ?? null,
  };
}

/**
 * `sync_orgs.members_changed_at`: when a user joined, left or changed among an org's direct
 * members (a Group's `meta.lastModified` moves with it, RFC 7643 §3.1). Every org a written or
 * deleted user belonged to, before or after, is marked, since its member list shows the user.
 */
async function markMembersChanged(trx: Knex.Transaction, orgIds: readonly string[], now: string): Promise<void> {
  for (const chunk of chunks([...new Set(orgIds)], ROWS_PER_INSERT)) {
    await trx(TABLES.orgs).whereIn('id', chunk).update({ members_changed_at: now });
  }
}

async function orgsOfUsers(trx: Knex.Transaction, userIds: readonly string[]): Promise<Set<string>> {
  const orgIds = new Set<string>();
  for (const chunk of chunks(userIds, ROWS_PER_INSERT)) {
    const rows: Array<{ org_id: string }> = await trx(TABLES.userOrgs).whereIn('user_id', chunk).distinct('org_id');
    for (const row of rows) orgIds.add(row.org_id);
  }
  return orgIds;
}
