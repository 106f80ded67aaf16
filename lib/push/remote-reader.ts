import type { ObjectKind } from '../mirror/mirror-rows.js';
import { PushError, RemoteNotFoundError, RemoteRejectedError, StopSyncError } from './client/errors.js';
import type { Semaphore } from './client/rate-limit.js';
import { quote, type ScimTarget } from './object-pusher.js';

/** What the downstream holds for one remote id. */
export type RemoteCopy =
  | { state: 'present'; resource: Record<string, unknown> }
  | { state: 'missing' }
  /** The read itself failed: the object's step fails (and is retried) like a write would. */
  | { state: 'failed'; error: PushError };

/** Ids per filtered read: `id eq "…" or …` stays well under common URL limits (8 KB) with UUIDs. */
export const READ_CHUNK = 50;

/**
 * Reads the downstream's copies of linked objects, a page of them at a time, for a reconciling
 * run. First as filtered listings, `filter=id eq "a" or id eq "b" …` with only the `attributes`
 * compared, paged until every id is found or a page is empty (servers cap pages below what was
 * asked); where the downstream refuses that filter (4xx) or ignores it (answers with objects
 * not asked for, or nothing at all for ids one GET then finds), by one GET per object, 404
 * meaning missing. The choice is learned once per run and kind. Only the current page's
 * objects are held.
 *
 * The filter is an OR of `id eq` (RFC 7644 §3.4.2.2); `id` is a common attribute every resource
 * has, and servers that cannot filter on it say so (400 invalidFilter) or are caught ignoring it.
 */
export class RemoteReader {
  #mode: 'filter' | 'filter-all' | 'get' = 'filter';
  #chunk = READ_CHUNK;

  constructor(
    private readonly target: ScimTarget,
    private readonly semaphore: Semaphore,
    private readonly kind: ObjectKind,
    private readonly endpoint: string,
  ) {}

  get mode(): 'filter' | 'filter-all' | 'get' {
    return this.#mode;
  }

  /**
   * Reads the copies of these remote objects (in chunks, with only these attributes), handing each
   * to `onCopy` as soon as its chunk is read, so the caller compares one chunk while the others are
   * still in flight. The ids are distinct; each is reported once, `missing` when the
   * downstream did not return it.
   */
  async readEach(ids: readonly string[], attributes: readonly string[], onCopy: (remoteId: string, copy: RemoteCopy) => void): Promise<void> {
    const chunks: string[][] = [];
    for (let start = 0; start < ids.length; start += this.#chunk) chunks.push(ids.slice(start, start + this.#chunk));
    await Promise.all(
      chunks.map(async (chunk) => {
        const copies = new Map<string, RemoteCopy>();
        await this.#readChunk(chunk, attributes, copies);
        for (const id of chunk) onCopy(id, copies.get(id) ?? { state: 'missing' });
      }),
    );
  }

  async #readChunk(ids: string[], attributes: readonly string[], copies: Map<string, RemoteCopy>): Promise<void> {
    while (this.#mode !== 'get') {
      const mode = this.#mode;
      try {
        const found = await this.semaphore.run(() => this.#filtered(ids, mode === 'filter' ? attributes : []));
        const probe = found && found.size === 0 && ids.length > 1 ? await this.#probe(ids[0]!) : undefined;
        if (probe?.state === 'failed') return fail(ids, probe.error, copies);
        if (found && probe?.state !== 'present') {
          for (const id of ids) copies.set(id, found.has(id) ? { state: 'present', resource: found.get(id)! } : { state: 'missing' });
          return;
        }
        this.#mode = 'get'; // the filter was ignored (or matched nothing the downstream has)
      } catch (error) {
        if (!(error instanceof RemoteRejectedError) || error instanceof StopSyncError) return fail(ids, error, copies);
        // Refused: try without `attributes` (some servers reject names they do not know), then per object.
        if (this.#mode === mode) this.#mode = mode === 'filter' ? 'filter-all' : 'get';
      }
    }
    await Promise.all(ids.map((id) => this.semaphore.run(() => this.#get(id, copies))));
  }

  /**
   * The resources of `id eq … or …` filters over these ids; null when an answer shows the filter
   * was not applied. A short answer may be the server's page cap rather than missing objects,
   * so the ids not found are asked for again (no startIndex: some servers ignore it) until an
   * answer brings none of them; later reads then ask for no more than the cap at once.
   */
  async #filtered(ids: readonly string[], attributes: readonly string[]): Promise<Map<string, Record<string, unknown>> | null> {
    const found = new Map<string, Record<string, unknown>>();
    let remaining = [...ids];
    let previousAnswer = 0;
    while (remaining.length > 0) {
      const wanted = new Set(remaining);
      const filter = remaining.map((id) => `id eq ${quote(id)}`).join(' or ');
      const page = await this.target.client.list<Record<string, unknown>>(this.endpoint, 1, remaining.length, { filter, attributes });
      if (page.resources.length === 0) break;
      for (const resource of page.resources) {
        const id = idOf(resource);
        if (id === undefined || !wanted.has(id)) return null;
        found.set(id, resource);
      }
      // More came after a short answer: that answer was the server's cap.
      if (previousAnswer > 0) this.#chunk = Math.max(1, Math.min(this.#chunk, previousAnswer));
      previousAnswer = page.resources.length < remaining.length ? page.resources.length : 0;
      remaining = remaining.filter((id) => !found.has(id));
    }
    return found;
  }

  /**
   * None of several linked objects found: the downstream was wiped, or its filter matches
   * nothing on `id` without saying so. One GET of one of them tells which.
   */
  async #probe(id: string): Promise<RemoteCopy> {
    const copies = new Map<string, RemoteCopy>();
    await this.semaphore.run(() => this.#get(id, copies));
    return copies.get(id)!;
  }

  async #get(id: string, copies: Map<string, RemoteCopy>): Promise<void> {
    try {
      const response = await this.target.client.get<Record<string, unknown>>(this.target.client.resourceUrl(this.endpoint, id));
      const body = response.body;
      copies.set(id, typeof body === 'object' && body !== null && idOf(body) === id ? { state: 'present', resource: body } : { state: 'missing' });
    } catch (error) {
      if (error instanceof RemoteNotFoundError) copies.set(id, { state: 'missing' });
      else fail([id], error, copies);
    }
  }
}

function fail(ids: readonly string[], error: unknown, copies: Map<string, RemoteCopy>): void {
  if (!(error instanceof PushError)) throw error;
  for (const id of ids) copies.set(id, { state: 'failed', error });
}

function idOf(resource: Record<string, unknown>): string | undefined {
  const id = resource.id;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
}

