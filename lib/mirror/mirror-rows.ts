import type { Knex } from 'knex';
import { insertChunked, whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { foldNullable } from '../util/case-fold.js';
import { contentHash, type MirrorOrgData, type MirrorUserData } from './normalize.js';
import { ancestorsBeforeOrgWrite, reachBeforeUserWrite, recordOrgMoveExits, recordUserExits } from './scope-exits.js';

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

/** A new version of an object, numbered by the change feed. */
export interface MirrorWrite<T extends { id: string }> {
  data: T;
  hash: string;
  seq: number;
  hostUpdatedAt: string | null;
  createdAt: string;
}

export type UserWrite = MirrorWrite<MirrorUserData>;
export type OrgWrite = MirrorWrite<MirrorOrgData>;

export interface ChangeRow {
  seq: number;
  kind: ObjectKind;
  object_id: string;
  op: ChangeOp;
  origin: ChangeOrigin;
  at: string;
}

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
  const rows: StoredState[] = (await whereInChunks(ids, (slice) => trx(tableOf(kind)).whereIn('id', slice).select('id', 'hash', 'seq', 'created_at', 'deleted_at'))).flat();
  for (const row of rows) states.set(row.id, { ...row, seq: Number(row.seq) });
  return states;
}

export async function writeUsers(trx: Knex.Transaction, writes: readonly UserWrite[], now: string): Promise<void> {
  if (writes.length === 0) return;
  const ids = writes.map((write) => write.data.id);
  const formerOrgs = await orgsOfUsers(trx, ids);
  const formerReach = await reachBeforeUserWrite(trx, ids);
  await insertChunked(trx, TABLES.users, writes.map((write) => userRow(write, now)), { columns: ['id'], update: 'all' });
  for (const table of [TABLES.userEmails, TABLES.userPhones, TABLES.userOrgs]) {
    await whereInChunks(ids, (slice) => trx(table).whereIn('user_id', slice).delete());
  }
  await insertChunked(trx, TABLES.userEmails, writes.flatMap(({ data }) => contactRows(data.id, data.emails)));
  await insertChunked(trx, TABLES.userPhones, writes.flatMap(({ data }) => contactRows(data.id, data.phoneNumbers)));
  await insertChunked(
    trx,
    TABLES.userOrgs,
    writes.flatMap(({ data }) => data.orgIds.map((orgId) => ({ user_id: data.id, org_id: orgId, primary: orgId === data.primaryOrgId }))),
  );
  await markMembersChanged(trx, [...formerOrgs, ...writes.flatMap(({ data }) => data.orgIds)], now);
  await recordUserExits(trx, formerReach, now);
}

export async function writeOrgs(trx: Knex.Transaction, writes: readonly OrgWrite[], now: string): Promise<void> {
  const formerAncestors = await ancestorsBeforeOrgWrite(trx, writes.map((write) => write.data));
  await insertChunked(trx, TABLES.orgs, writes.map((write) => orgRow(write, now)), { columns: ['id'], update: 'all' });
  await recordOrgMoveExits(trx, formerAncestors, now);
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

function userRow(write: UserWrite, now: string) {
  const { data } = write;
  return {
    ...versionColumns(write, now),
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
    ...foldedCopies(data),
  };
}

/** What SCIM filters compare case-insensitively, folded once here (see `foldCase`). */
function foldedCopies(data: MirrorUserData) {
  return {
    user_name_fold: foldNullable(data.userName),
    display_name_fold: foldNullable(data.displayName),
    given_name_fold: foldNullable(data.name?.givenName),
    family_name_fold: foldNullable(data.name?.familyName),
    middle_name_fold: foldNullable(data.name?.middleName),
    formatted_name_fold: foldNullable(data.name?.formatted),
    honorific_prefix_fold: foldNullable(data.name?.honorificPrefix),
    honorific_suffix_fold: foldNullable(data.name?.honorificSuffix),
    title_fold: foldNullable(data.title),
    locale_fold: foldNullable(data.locale),
    preferred_language_fold: foldNullable(data.preferredLanguage),
    employee_number_fold: foldNullable(data.employeeNumber),
  };
}

function orgRow(write: OrgWrite, now: string) {
  const { data } = write;
  return {
    ...versionColumns(write, now),
    name: data.name,
    name_fold: foldNullable(data.name),
    code: data.code ?? null,
    parent_id: data.parentId ?? null,
    sort_order: data.order,
  };
}

/** The columns every mirror row has: the version's number, content and times (a live row). */
function versionColumns<T extends { id: string }>({ data, hash, seq, hostUpdatedAt, createdAt }: MirrorWrite<T>, now: string) {
  return {
    id: data.id,
    seq,
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
    value_fold: foldNullable(contact.value),
    type: contact.type ?? null,
    type_fold: foldNullable(contact.type),
    primary: contact.primary === true,
  }));
}

/**
 * The columns `toMirrorRecord` reads: a read that returns records selects only these. A user row
 * has some forty columns (its filterable attributes and their folded copies), and the sqlite
 * driver builds every column of every row on the main thread; a full push reads every user.
 */
export const MIRROR_RECORD_COLUMNS = ['id', 'seq', 'data', 'hash', 'created_at', 'last_modified', 'deleted_at'] as const;

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
  await whereInChunks([...new Set(orgIds)], (slice) => trx(TABLES.orgs).whereIn('id', slice).update({ members_changed_at: now }));
}

async function orgsOfUsers(trx: Knex.Transaction, userIds: readonly string[]): Promise<Set<string>> {
  const pages = await whereInChunks(userIds, (slice): Promise<Array<{ org_id: string }>> => trx(TABLES.userOrgs).whereIn('user_id', slice).distinct('org_id'));
  return new Set(pages.flat().map((row) => row.org_id));
}
