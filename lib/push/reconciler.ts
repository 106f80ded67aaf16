import type { Knex } from 'knex';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { bodyHash, type ScimBody } from './bodies.js';
import { StopSyncError, TransientPushError, type PushError } from './client/errors.js';
import type { Semaphore } from './client/rate-limit.js';
import { observedChanges } from './diff.js';
import type { LinkStore } from './links-store.js';
import { replaceRecordedMembers, resetMembers } from './member-pusher.js';
import { pushObject, type ObjectOutcome, type ObjectWork, type ScimTarget } from './object-pusher.js';
import type { RemoteMatch } from './remote-match.js';
import { engineMessage } from '../i18n/engine-message.js';
import { RemoteReader, type RemoteCopy } from './remote-reader.js';
import { hasOwnKeys } from '../util/own-keys.js';
import type { RunReconciler } from './object-writer.js';

/** What reading the downstream said about one work; `same` keeps the body's hash, taken when it was compared. */
type Observation = { type: 'same'; hash: string } | { type: 'differs' } | { type: 'missing' } | { type: 'failed'; error: PushError };

/**
 * A reconciling run's view of the downstream's real state: before a page of works is sent, the
 * downstream's copies of its linked objects are read (RemoteReader) and each work is turned into
 * what repairs it, whatever the links say was sent:
 * - the copy holds what the body says on every attribute this source manages → skipped (the
 *   link is refreshed if it was stale);
 * - it differs → an update of exactly the differing attributes, logged old (the downstream's
 *   value) → new;
 * - it is gone → created again (looked up first, so a copy the read missed is adopted, never
 *   duplicated), its memberships forgotten so they are sent again;
 * - Groups: the members the downstream holds become what is recorded as sent, so the member
 *   deltas of the users phase add what it lost and remove what it should not have.
 * Incremental delivery never uses this: it keeps trusting the links.
 *
 * Most links hold exactly the body (same hash): their stored `sent` is then neither parsed nor
 * compared, since it manages the same attributes as the body. Each chunk of copies is compared
 * as soon as it is read, while the page's other reads are in flight.
 */
export class Reconciler implements RunReconciler {
  readonly #observed = new WeakMap<ObjectWork, Observation>();
  readonly #readers = new Map<ObjectKind, RemoteReader>();

  constructor(
    private readonly knex: Knex,
    private readonly target: ScimTarget,
    private readonly semaphore: Semaphore,
    private readonly links: LinkStore,
  ) {}

  /** How the downstream was read per kind (filtered listings, or one GET per object), for tests and the docs. */
  readMode(kind: ObjectKind): string | undefined {
    return this.#readers.get(kind)?.mode;
  }

  /** Reads the downstream's copies of these works' linked objects; returns the works to send instead. */
  async observe(works: readonly ObjectWork[]): Promise<ObjectWork[]> {
    const linked: Linked[] = [];
    const byRemote = new Map<string, Linked[]>();
    works.forEach((work, index) => {
      if (work.body === null || !work.link?.remoteId) return;
      const hash = bodyHash(work.body);
      // Unchanged since sent: the body last sent is this body, nothing more to read or compare.
      const entry: Linked = { work, index, hash, sent: work.link.hash === hash ? null : work.link.sent };
      linked.push(entry);
      const same = byRemote.get(work.link.remoteId);
      if (same) same.push(entry);
      else byRemote.set(work.link.remoteId, [entry]);
    });
    if (linked.length === 0) return [...works];
    const kind = linked[0]!.work.kind;
    const group = this.#isGroup(kind);
    const observed: ObjectWork[] = [...works];
    const gone: ObjectWork[] = [];
    const members = new Map<number, string[]>();
    await this.#reader(kind).readEach([...byRemote.keys()], attributesOf(linked, group), (remoteId, copy) => {
      for (const entry of byRemote.get(remoteId)!) {
        observed[entry.index] = this.#compare(entry, copy);
        if (copy.state === 'missing') gone.push(entry.work);
        else if (copy.state === 'present' && group) members.set(entry.index, memberIds(copy.resource));
      }
    });
    // Groups in page order, as they were listed.
    const groups = [...members].sort(([a], [b]) => a - b).map(([index, ids]) => ({ orgId: works[index]!.localId, members: ids }));
    if (!this.target.dryRun) await this.#recordObservedMembers(kind, gone, groups);
    return observed;
  }

  /** One linked work against its copy: the work to send, marked with what was seen. */
  #compare({ work, hash, sent }: Linked, copy: RemoteCopy): ObjectWork {
    const link = work.link!;
    if (copy.state === 'failed') return this.#mark({ ...work }, { type: 'failed', error: copy.error });
    if (copy.state === 'missing') return this.#mark({ ...work, link: { ...link, remoteId: null, hash: null, sent: null } }, { type: 'missing' });
    const observed = observedChanges(work.body!, copy.resource, sent, work.keep);
    if (!hasOwnKeys(observed.changes)) return this.#mark({ ...work }, { type: 'same', hash });
    return this.#mark({ ...work, link: { ...link, hash: null, sent: observed.previous } }, { type: 'differs' });
  }

  /** `pushObject` (with the create's match, if one was looked up), for works `observe()` returned. */
  push(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome> {
    const seen = this.#observed.get(work);
    // Not read (a create) or differs: pushed as any work is, without another async step per object.
    if (!seen || seen.type === 'differs') return pushObject(this.target, work, match);
    return this.#pushObserved(work, seen, match);
  }

  async #pushObserved(work: ObjectWork, seen: Exclude<Observation, { type: 'differs' }>, match: RemoteMatch | undefined): Promise<ObjectOutcome> {
    if (seen.type === 'failed') return failedRead(work, seen.error);
    if (seen.type === 'missing') {
      const outcome = await pushObject(this.target, work, match);
      return outcome.result === 'succeeded' ? { ...outcome, resetMembers: true } : outcome;
    }
    const link = work.link!;
    const hash = seen.hash;
    const outcome: ObjectOutcome = { work, operation: 'skip', result: 'skipped' };
    if (link.hash === hash || this.target.dryRun) return outcome;
    // The downstream holds what we want, but the link remembers something else: remember this.
    return { ...outcome, link: { type: 'success', value: { kind: work.kind, localId: work.localId, remoteId: link.remoteId!, hash, sent: work.body as ScimBody, objectName: work.name, status: 'synced' } } };
  }

  #mark(work: ObjectWork, observation: Observation): ObjectWork {
    this.#observed.set(work, observation);
    return work;
  }

  #isGroup(kind: ObjectKind): boolean {
    return kind === 'org' && this.target.orgShape === 'group';
  }

  #reader(kind: ObjectKind): RemoteReader {
    let reader = this.#readers.get(kind);
    if (!reader) {
      const endpoint = kind === 'user' ? this.target.userEndpoint : this.target.orgEndpoint;
      if (!endpoint) throw new StopSyncError('config', engineMessage('engine.push.noOrgUrl'));
      reader = new RemoteReader(this.target, this.semaphore, kind, endpoint);
      this.#readers.set(kind, reader);
    }
    return reader;
  }

  /**
   * Memberships recorded for objects the downstream no longer has do not hold; a group's
   * recorded members become the ones it was read to have (members we do not know are left to
   * verify downstream).
   */
  async #recordObservedMembers(kind: ObjectKind, gone: readonly ObjectWork[], groups: ReadonlyArray<{ orgId: string; members: string[] }>): Promise<void> {
    const sourceId = this.target.sourceId;
    if (gone.length > 0) await resetMembers(this.knex, sourceId, gone.map((work) => ({ kind, localId: work.localId })));
    if (groups.length === 0) return;
    const localOf = await this.links.localIdsOf(sourceId, 'user', [...new Set(groups.flatMap((group) => group.members))]);
    await replaceRecordedMembers(
      this.knex,
      sourceId,
      groups.map((group) => ({ orgId: group.orgId, userIds: group.members.flatMap((remoteId) => (localOf.has(remoteId) ? [localOf.get(remoteId)!] : [])) })),
    );
  }
}

/** A linked work being observed: its place in the page, its body's hash, and the body last sent when it is not this body. */
interface Linked {
  work: ObjectWork;
  index: number;
  hash: string;
  sent: ScimBody | null;
}

/**
 * The attributes to read back: every one these works' bodies (and the bodies last sent, where
 * they differ) carry, extension attributes by their full names (RFC 7644 §3.10), and a group's
 * members.
 */
function attributesOf(linked: readonly Linked[], group: boolean): string[] {
  const names = new Set<string>();
  const add = (body: ScimBody) => {
    for (const key in body) {
      if (key === 'schemas' || !Object.hasOwn(body, key)) continue;
      const value = body[key];
      if (key.startsWith('urn:') && typeof value === 'object' && value !== null && !Array.isArray(value)) for (const sub in value) names.add(`${key}:${sub}`);
      else names.add(key);
    }
  };
  for (const { work, sent } of linked) {
    add(work.body!);
    if (sent) add(sent);
  }
  if (group) names.add('members');
  return [...names].sort();
}

function memberIds(resource: Record<string, unknown>): string[] {
  const members = Object.entries(resource).find(([key]) => key.toLowerCase() === 'members')?.[1];
  if (!Array.isArray(members)) return [];
  return members.flatMap((member) => {
    const value = (member as { value?: unknown } | null)?.value;
    return typeof value === 'string' ? [value] : typeof value === 'number' ? [String(value)] : [];
  });
}

/** A read that failed fails its object like a write would: retried when transient, the run stopped on 401/403. */
function failedRead(work: ObjectWork, error: PushError): ObjectOutcome {
  const result = error instanceof TransientPushError ? 'retry' : error instanceof StopSyncError ? 'stop' : 'rejected';
  return {
    work,
    operation: 'update',
    result,
    error,
    method: error.method ?? 'GET',
    path: error.path ?? null,
    httpStatus: error.status ?? null,
    link: { type: 'failure', value: { kind: work.kind, localId: work.localId, objectName: work.name, status: result === 'rejected' ? 'rejected' : 'failed', error: error.message } },
  };
}
