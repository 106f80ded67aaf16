import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { insertChunked, whereInChunks } from '../persistence/chunked.js';
import { TABLES } from '../persistence/tables.js';
import { jsonOf, type ScimBody } from './bodies.js';
import { resetMembers } from './member-pusher.js';

/** `creating`: a create was attempted and its answer not recorded yet (a crash replays it safely). */
export type LinkStatus = 'creating' | 'synced' | 'disabled' | 'left' | 'failed' | 'rejected' | 'manual';

/** One local object's counterpart on a downstream. */
export interface PushLink {
  sourceId: string;
  kind: ObjectKind;
  localId: string;
  remoteId: string | null;
  /** Hash of the body last sent; equal to the new body's hash means "unchanged, skip". */
  hash: string | null;
  /** The body last sent, for old → new in logs and for PATCH removals. */
  sent: ScimBody | null;
  objectName: string | null;
  lastStatus: LinkStatus | null;
  lastError: string | null;
  updatedAt: string;
}

/** A link after a successful request: everything is replaced. */
export interface LinkSuccess {
  kind: ObjectKind;
  localId: string;
  remoteId: string;
  hash: string;
  sent: ScimBody;
  objectName: string | null;
  status: LinkStatus;
}

/** A failed request: only the status and error change; what was last sent stays. */
export interface LinkFailure {
  kind: ObjectKind;
  localId: string;
  objectName: string | null;
  status: 'failed' | 'rejected';
  error: string;
}

export interface LinkFilter {
  kind?: ObjectKind;
  status?: LinkStatus;
  /** Matches the local id, the remote id or the name (substring, case-insensitive). */
  q?: string;
  limit?: number;
  offset?: number;
}

const LINK_KEY = ['source_id', 'kind', 'local_id'];
const MAX_PAGE = 500;

/** The `sync_links` table: (source, kind, local id) → remote id + what was last sent. */
export class LinkStore {
  constructor(
    private readonly knex: Knex,
    private readonly mirror: MirrorReader,
    private readonly clock: () => Date,
  ) {}

  /** Links of many objects at once (one query per statement-sized slice of the ids). */
  async load(sourceId: string, kind: ObjectKind, localIds: readonly string[], db: Knex | Knex.Transaction = this.knex): Promise<Map<string, PushLink>> {
    const links = new Map<string, PushLink>();
    const rows = await whereInChunks([...new Set(localIds)], (slice) => db(TABLES.links).where({ source_id: sourceId, kind }).whereIn('local_id', slice));
    for (const row of rows.flat()) links.set(row.local_id, toLink(row));
    return links;
  }

  /** Remote id → local id, for the given remote ids (verifying the downstream). */
  async localIdsOf(sourceId: string, kind: ObjectKind, remoteIds: readonly string[]): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    const rows = await whereInChunks(remoteIds, (slice) => this.knex(TABLES.links).where({ source_id: sourceId, kind }).whereIn('remote_id', slice).select('local_id', 'remote_id'));
    for (const row of rows.flat()) map.set(row.remote_id, row.local_id);
    return map;
  }

  /** Another local object linked to `remoteId`, if any (a remote object belongs to one local object). */
  async linkedElsewhere(sourceId: string, kind: ObjectKind, remoteId: string, localId: string): Promise<string | undefined> {
    const row = await this.knex(TABLES.links).where({ source_id: sourceId, kind, remote_id: remoteId }).whereNot({ local_id: localId }).orderBy('local_id').first('local_id');
    return row?.local_id;
  }

  /** Records create intents before the requests go out, so a replay after a crash looks before it creates. */
  async markCreating(sourceId: string, entries: ReadonlyArray<{ kind: ObjectKind; localId: string; objectName: string | null }>): Promise<void> {
    if (entries.length === 0) return;
    const now = this.#now();
    const rows = entries.map((entry) => ({
      source_id: sourceId,
      kind: entry.kind,
      local_id: entry.localId,
      remote_id: null,
      object_name: entry.objectName,
      last_status: 'creating',
      updated_at: now,
    }));
    await insertChunked(this.knex, TABLES.links, rows, { columns: LINK_KEY, update: 'nothing' });
  }

  /** Writes the results of a batch: successes replace the link, failures keep what was sent. */
  async record(
    sourceId: string,
    results: { successes: readonly LinkSuccess[]; failures: readonly LinkFailure[]; removals: ReadonlyArray<{ kind: ObjectKind; localId: string }> },
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<void> {
    const now = this.#now();
    const successRows = results.successes.map((link) => ({
      source_id: sourceId,
      kind: link.kind,
      local_id: link.localId,
      remote_id: link.remoteId,
      hash: link.hash,
      sent: jsonOf(link.sent),
      object_name: link.objectName,
      last_status: link.status,
      last_error: null,
      updated_at: now,
    }));
    await insertChunked(db, TABLES.links, successRows, { columns: LINK_KEY, update: 'all' });
    const failureRows = results.failures.map((link) => ({
      source_id: sourceId,
      kind: link.kind,
      local_id: link.localId,
      object_name: link.objectName,
      last_status: link.status,
      last_error: link.error.slice(0, 2000),
      updated_at: now,
    }));
    await insertChunked(db, TABLES.links, failureRows, { columns: LINK_KEY, update: ['object_name', 'last_status', 'last_error', 'updated_at'] });
    for (const kind of ['user', 'org'] as const) {
      const ids = results.removals.filter((removal) => removal.kind === kind).map((removal) => removal.localId);
      await whereInChunks(ids, (slice) => db(TABLES.links).where({ source_id: sourceId, kind }).whereIn('local_id', slice).delete());
    }
  }

  /** How many objects (of the given kinds, or all) are on the downstream, for a percentage threshold. */
  async countLinked(sourceId: string, kinds?: readonly ObjectKind[]): Promise<number> {
    const query = this.knex(TABLES.links).where({ source_id: sourceId }).whereNotNull('remote_id');
    if (kinds) query.whereIn('kind', kinds);
    const [row] = await query.count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /**
   * Local ids after `afterId` of linked objects the mirror no longer has live (deleted or purged),
   * in id order. With `inScope` (a subquery of the live ids a scoped source covers), also the
   * linked objects that left its scope.
   */
  async goneIds(sourceId: string, kind: ObjectKind, afterId: string | undefined, limit: number, inScope?: Knex.QueryBuilder): Promise<string[]> {
    const query = this.knex(`${TABLES.links} as l`).where({ 'l.source_id': sourceId, 'l.kind': kind });
    if (inScope) query.whereNotIn('l.local_id', inScope);
    else query.whereNotExists(this.mirror.liveRecord(kind, 'l.local_id'));
    query
      .orderBy('l.local_id')
      .limit(limit)
      .select('l.local_id');
    if (afterId !== undefined) query.where('l.local_id', '>', afterId);
    return (await query).map((row) => row.local_id as string);
  }

  /** How many of those gone objects are on the downstream (have a remote id). */
  async countGoneLinked(sourceId: string, kind: ObjectKind, inScope?: Knex.QueryBuilder): Promise<number> {
    const query = this.knex(`${TABLES.links} as l`).where({ 'l.source_id': sourceId, 'l.kind': kind }).whereNotNull('l.remote_id');
    if (inScope) query.whereNotIn('l.local_id', inScope);
    else query.whereNotExists(this.mirror.liveRecord(kind, 'l.local_id'));
    const [row] = await query.count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** How many objects on the downstream have a delete change of these kinds after `afterSeq`. */
  async countLinkedDeletesAfter(sourceId: string, kinds: readonly ObjectKind[], afterSeq: number): Promise<number> {
    const [row] = await this.knex
      .from(this.mirror.deletedAfter(afterSeq, kinds).as('c'))
      .join(`${TABLES.links} as l`, function joinLinks() {
        this.on('l.kind', '=', 'c.kind').andOn('l.local_id', '=', 'c.object_id');
      })
      .where('l.source_id', sourceId)
      .whereNotNull('l.remote_id')
      .count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /** Links on the downstream of objects of `kind` with a delete change after `afterSeq`, a page at a time by local id (a hold's list). */
  async linkedDeletesAfter(sourceId: string, kind: ObjectKind, afterSeq: number, afterId: string | undefined, limit: number): Promise<PushLink[]> {
    const query = this.knex
      .from(this.mirror.deletedAfter(afterSeq, [kind]).as('c'))
      .join(`${TABLES.links} as l`, function joinLinks() {
        this.on('l.kind', '=', 'c.kind').andOn('l.local_id', '=', 'c.object_id');
      })
      .where('l.source_id', sourceId)
      .whereNotNull('l.remote_id')
      .orderBy('l.local_id')
      .limit(limit)
      .select('l.*');
    if (afterId !== undefined) query.where('l.local_id', '>', afterId);
    return (await query).map(toLink);
  }

  async list(sourceId: string, filter: LinkFilter = {}): Promise<{ links: PushLink[]; total: number }> {
    const base = () => {
      const query = this.knex(TABLES.links).where({ source_id: sourceId });
      if (filter.kind) query.where({ kind: filter.kind });
      if (filter.status) query.where({ last_status: filter.status });
      if (filter.q) {
        const like = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
        query.where((inner) =>
          inner
            .whereRaw("lower(local_id) like ? escape '\\'", [like])
            .orWhereRaw("lower(remote_id) like ? escape '\\'", [like])
            .orWhereRaw("lower(object_name) like ? escape '\\'", [like]),
        );
      }
      return query;
    };
    const [count] = await base().count({ n: '*' });
    const rows = await base()
      .orderBy('kind')
      .orderBy('local_id')
      .limit(Math.min(filter.limit ?? 50, MAX_PAGE))
      .offset(filter.offset ?? 0);
    return { links: rows.map(toLink), total: Number(count?.n ?? 0) };
  }

  async get(sourceId: string, kind: ObjectKind, localId: string): Promise<PushLink | undefined> {
    const row = await this.knex(TABLES.links).where({ source_id: sourceId, kind, local_id: localId }).first();
    return row ? toLink(row) : undefined;
  }

  /** Forgets the link: the next sync creates (or, on 409, adopts) the object again. */
  async unlink(sourceId: string, kind: ObjectKind, localId: string): Promise<void> {
    const deleted = await this.knex(TABLES.links).where({ source_id: sourceId, kind, local_id: localId }).delete();
    if (deleted === 0) throw new NotFoundError('link', `${kind}:${localId}`);
    await resetMembers(this.knex, sourceId, [{ kind, localId }]);
  }

  /**
   * Points a local object at a remote id chosen by an admin. What was sent is forgotten, so the
   * next sync sends the whole object to the new remote id (an update, not a create).
   */
  async relink(sourceId: string, kind: ObjectKind, localId: string, remoteId: string, objectName: string | null): Promise<PushLink> {
    const trimmed = typeof remoteId === 'string' ? remoteId.trim() : '';
    if (!trimmed) throw ValidationError.single('remoteId', 'required', 'remoteId must be a non-empty string');
    if (trimmed.length > 255) throw ValidationError.single('remoteId', 'too_long', 'remoteId must be at most 255 characters', { max: 255 });
    await this.knex.transaction(async (trx) => {
      const taken = await trx(TABLES.links).where({ source_id: sourceId, kind, remote_id: trimmed }).whereNot({ local_id: localId }).first('local_id');
      if (taken) {
        throw ValidationError.single('remoteId', 'taken', `remote id ${JSON.stringify(trimmed)} is already linked to ${kind} ${JSON.stringify(taken.local_id)}`);
      }
      await trx(TABLES.links)
        .insert({
          source_id: sourceId,
          kind,
          local_id: localId,
          remote_id: trimmed,
          hash: null,
          sent: null,
          object_name: objectName,
          last_status: 'manual',
          last_error: null,
          updated_at: this.#now(),
        })
        .onConflict(['source_id', 'kind', 'local_id'])
        .merge();
      await resetMembers(trx, sourceId, [{ kind, localId }]);
    });
    return (await this.get(sourceId, kind, localId))!;
  }

  #now(): string {
    return this.clock().toISOString();
  }
}

/**
 * `sent` is parsed when first read: a full sync loads every link, and most of them (unchanged,
 * skipped on their hash) are never diffed, so parsing them all would be JSON work for nothing.
 */
function toLink(row: Record<string, any>): PushLink {
  const stored: string | null = row.sent || null;
  let sent: ScimBody | null | undefined;
  return {
    sourceId: row.source_id,
    kind: row.kind,
    localId: row.local_id,
    remoteId: row.remote_id ?? null,
    hash: row.hash ?? null,
    get sent(): ScimBody | null {
      if (sent === undefined) sent = stored === null ? null : (JSON.parse(stored) as ScimBody);
      return sent;
    },
    set sent(value: ScimBody | null) {
      sent = value;
    },
    objectName: row.object_name ?? null,
    lastStatus: row.last_status ?? null,
    lastError: row.last_error ?? null,
    updatedAt: row.updated_at,
  };
}
