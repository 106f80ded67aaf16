import type { ListQuery, ScimClient } from '../client/scim-client.js';

/** What one listing asks for per page; servers may cap it lower (50 and 100 are common caps). */
export const LIST_PAGE = 100;
/** A listing stops here even if the downstream keeps answering (a server that ignores startIndex must not loop for ever). */
export const MAX_LISTED = 1_000_000;

export interface ListedPage<T> {
  resources: T[];
  /** Where the page started (1-based). */
  startIndex: number;
}

/** Why a listing ended. */
export type ListingEnd = { complete: true } | { complete: false; reason: 'bound' | 'repeated'; listed: number; bound: number; path: string };

/**
 * Pages through a downstream listing with startIndex/count until a short or empty page, never
 * trusting `totalResults` alone: servers report the page size there, or cap pages below what was
 * asked. A page is short when it holds fewer resources than the largest page seen before it (the
 * server's cap); the first page is never taken as short, as its cap is not known yet (one extra
 * request at the end of a listing that fits one page). Stops at `bound` objects, and says so in
 * `end()` so the caller can tell the admin the listing is incomplete; likewise when a page
 * repeats objects of the page before it (a server that ignores startIndex would otherwise be
 * listed again and again up to the bound), unless it wrapped around after listing all it said it had.
 */
export class DownstreamPager<T = Record<string, unknown>> {
  #end: ListingEnd = { complete: true };

  constructor(
    private readonly client: ScimClient,
    private readonly endpoint: string,
    private readonly query: ListQuery = {},
    private readonly pageSize = LIST_PAGE,
    private readonly bound = MAX_LISTED,
  ) {}

  async *pages(): AsyncGenerator<ListedPage<T>> {
    let startIndex = 1;
    let largest = 0;
    let path = '';
    let previous = new Set<string>();
    let first = new Set<string>();
    for (let listed = 0; ; ) {
      if (listed >= this.bound) {
        this.#end = { complete: false, reason: 'bound', listed, bound: this.bound, path };
        return;
      }
      const asked = Math.min(this.pageSize, this.bound - listed);
      const page = await this.client.list<T>(this.endpoint, startIndex, asked, this.query);
      path = page.path;
      if (page.resources.length === 0) return;
      const ids = new Set(page.resources.map((resource) => String((resource as { id?: unknown }).id)));
      if ([...ids].some((id) => previous.has(id) || first.has(id))) {
        // Past its end, a server may start again from the top (scimmy does): complete if it said
        // that was all. Otherwise it ignores startIndex, and what lies past this page is unknown.
        if (listed < page.totalResults) this.#end = { complete: false, reason: 'repeated', listed, bound: this.bound, path };
        return;
      }
      if (first.size === 0) first = ids;
      previous = ids;
      yield { resources: page.resources, startIndex };
      listed += page.resources.length;
      startIndex += page.resources.length;
      if (largest > 0 && page.resources.length < Math.min(largest, asked)) return;
      largest = Math.max(largest, page.resources.length);
    }
  }

  /** Complete, or where the bound cut the listing (known once `pages()` is done). */
  end(): ListingEnd {
    return this.#end;
  }
}
