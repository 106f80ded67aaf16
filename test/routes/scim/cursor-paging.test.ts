import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryChange } from '../../../lib/mirror/change-writer.js';
import { URN } from '../../../lib/scim/urns.js';
import { idsOf, SCIM, usePullFixture } from './scim-fixture.js';

const ORG_COUNT = 40;
const USER_COUNT = 1_600;
/** Seeding the directory takes a while on PostgreSQL on a busy machine. */
const SLOW = 240_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const orgId = (n: number) => `org-${pad(n, 3)}`;
const userId = (n: number) => `user-${pad(n, 5)}`;

/**
 * Org tree: org-000 at the root, org-001…004 under it, every other org under one of those.
 * Users: one org each, every 7th inactive, every 5th without a displayName (a missing sort value).
 */
function directory(): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  for (let i = 0; i < ORG_COUNT; i += 1) {
    const parentId = i === 0 ? null : i <= 4 ? orgId(0) : orgId((i % 4) + 1);
    changes.push({ type: 'orgUpserted', org: { id: orgId(i), name: `Org ${pad((i * 17) % ORG_COUNT, 2)}`, parentId, order: i } });
  }
  for (let i = 0; i < USER_COUNT; i += 1) {
    // displayName values repeat (ties broken by id) and are absent for every 5th user.
    const displayName = i % 5 === 0 ? undefined : `Person ${pad((i * 31) % 300, 3)}`;
    changes.push({ type: 'userUpserted', user: { id: userId(i), userName: `user${i}@example.com`, displayName, active: i % 7 !== 0, orgIds: [orgId(i % ORG_COUNT)] } });
  }
  return changes;
}

type Get = (path: string) => request.Test;

/** Every id of a list walked with startIndex, in order. */
async function walkByIndex(get: Get, endpoint: string, query: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let startIndex = 1; ; startIndex += count) {
    const res = await get(`${endpoint}?${query}&startIndex=${startIndex}&count=${count}&attributes=id`).expect(200);
    seen.push(...idsOf(res.body));
    if (startIndex + count > res.body.totalResults) return seen;
  }
}

/** Every id of a list walked with RFC 9865 cursors, in order; checks each page's shape on the way. */
async function walkByCursor(get: Get, endpoint: string, query: string, count: number): Promise<{ ids: string[]; cursors: string[]; total: number }> {
  const ids: string[] = [];
  const cursors: string[] = [];
  let cursor = '';
  let total = -1;
  for (let page = 0; ; page += 1) {
    const res = await get(`${endpoint}?${query}&cursor=${cursor}&count=${count}&attributes=id`).expect(200);
    expect(res.body.startIndex).toBeUndefined();
    if (page === 0) expect(res.body.previousCursor).toBeUndefined();
    else expect(res.body.previousCursor).toEqual(expect.stringMatching(/^[A-Za-z0-9._~-]+$/));
    total = res.body.totalResults;
    ids.push(...idsOf(res.body));
    if (!res.body.nextCursor) return { ids, cursors, total };
    expect(res.body.itemsPerPage).toBe(count);
    cursors.push(res.body.nextCursor);
    cursor = res.body.nextCursor;
  }
}

describe('RFC 9865 cursor paging over a few thousand users', () => {
  const f = usePullFixture({ seed: false }, { scope: 'all' });
  beforeAll(async () => {
    await f.t.center.changes.apply(directory());
  }, SLOW);

  const LISTS: Array<[endpoint: string, query: string, count: number]> = [
    ['/Users', '', 100],
    ['/Users', `filter=${encodeURIComponent('active eq true')}`, 250],
    ['/Users', `filter=${encodeURIComponent('userName sw "user1"')}`, 60],
    ['/Users', 'sortBy=displayName', 300],
    ['/Users', 'sortBy=displayName&sortOrder=descending', 300],
    ['/Users', `sortBy=userName&sortOrder=descending&filter=${encodeURIComponent('active eq false')}`, 45],
    ['/Organizations', 'sortBy=displayName', 7],
    ['/Groups', '', 9],
  ];

  for (const [endpoint, query, count] of LISTS) {
    it(`returns what index paging returns, in the same order: ${endpoint}?${decodeURIComponent(query)} (count ${count})`, async () => {
      const byIndex = await walkByIndex(f.get, endpoint, query, count);
      const byCursor = await walkByCursor(f.get, endpoint, query, count);
      expect(byIndex.length).toBeGreaterThan(count);
      expect(byCursor.ids).toEqual(byIndex);
      expect(byCursor.total).toBe(byIndex.length);
      expect(new Set(byCursor.cursors).size).toBe(byCursor.cursors.length);
    });
  }

  it('serves deep index pages (read from the nearer end) as slices of the whole list, with totalResults', async () => {
    const everyone = Array.from({ length: USER_COUNT }, (_, i) => userId(i));
    expect(await walkByIndex(f.get, '/Users', '', 1000)).toEqual(everyone);
    const bySortDescending = await walkByIndex(f.get, '/Users', 'sortBy=displayName&sortOrder=descending', 1000);
    for (const [startIndex, count] of [[1001, 100], [1150, 77], [1100, 1000], [USER_COUNT - 49, 100], [USER_COUNT, 5], [USER_COUNT + 1, 5]] as const) {
      const plain = await f.get(`/Users?startIndex=${startIndex}&count=${count}&attributes=id`).expect(200);
      expect(idsOf(plain.body)).toEqual(everyone.slice(startIndex - 1, startIndex - 1 + count));
      expect(plain.body).toMatchObject({ totalResults: USER_COUNT, startIndex, itemsPerPage: Math.max(0, Math.min(count, USER_COUNT - startIndex + 1)) });
      const sorted = await f.get(`/Users?sortBy=displayName&sortOrder=descending&startIndex=${startIndex}&count=${count}&attributes=id`).expect(200);
      expect(idsOf(sorted.body)).toEqual(bySortDescending.slice(startIndex - 1, startIndex - 1 + count));
    }
    // Missing displayNames sort first descending (last ascending): the reverse read keeps that.
    expect(bySortDescending.slice(0, USER_COUNT / 5)).toEqual(everyone.filter((_, i) => i % 5 === 0).reverse());
  });

  it('walks back with previousCursor through the same pages', async () => {
    const query = 'sortBy=displayName&sortOrder=descending';
    const forward = await walkByIndex(f.get, '/Users', query, 200);
    let res = await f.get(`/Users?${query}&cursor&count=200&attributes=id`).expect(200);
    while (res.body.nextCursor) res = await f.get(`/Users?${query}&cursor=${res.body.nextCursor}&count=200&attributes=id`).expect(200);
    const pages: string[][] = [idsOf(res.body)];
    while (res.body.previousCursor) {
      res = await f.get(`/Users?${query}&cursor=${res.body.previousCursor}&count=200&attributes=id`).expect(200);
      expect(res.body.nextCursor).toEqual(expect.any(String));
      pages.unshift(idsOf(res.body));
    }
    expect(pages.flat()).toEqual(forward);
    expect(pages[0]).toHaveLength(200);
  });

  it('pages POST /Users/.search by cursor the same way, with the cursor in the body', async () => {
    const filter = 'active eq true and displayName pr';
    const byIndex = await walkByIndex(f.get, '/Users', `filter=${encodeURIComponent(filter)}`, 500);
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const res = await f.post('/Users/.search', { schemas: [URN.searchRequest], filter, cursor, count: 500, attributes: ['id'] }).expect(200);
      ids.push(...idsOf(res.body));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(ids).toEqual(byIndex);
  });

  it('returns full resources on cursor pages, as on index pages', async () => {
    const byCursor = await f.get('/Users?cursor=&count=3').expect(200);
    const byIndex = await f.get('/Users?startIndex=1&count=3').expect(200);
    // supertest listens on a new port per request: compare without meta.location.
    const withoutLocation = (resources: Array<{ meta: Record<string, unknown> }>) => resources.map((resource) => ({ ...resource, meta: { ...resource.meta, location: undefined } }));
    expect(withoutLocation(byCursor.body.Resources)).toEqual(withoutLocation(byIndex.body.Resources));
    expect(byCursor.body.totalResults).toBe(USER_COUNT);
  });

  describe('refuses cursors it cannot trust, with the RFC 9865 scimType', () => {
    const firstCursor = async (query = '') => (await f.get(`/Users?${query}&cursor&count=10`).expect(200)).body.nextCursor as string;

    it('an altered, truncated or foreign cursor is invalidCursor', async () => {
      const cursor = await firstCursor();
      const [version, body, signature] = cursor.split('.') as [string, string, string];
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), k: ['user-02000'] })).toString('base64url');
      for (const bad of [`${version}.${forged}.${signature}`, cursor.slice(0, -2), 'abc', `${cursor}x`, 'c1..']) {
        const res = await f.get(`/Users?cursor=${bad}&count=10`).expect(400);
        expect(res.body).toMatchObject({ schemas: [URN.error], status: '400', scimType: 'invalidCursor' });
      }
      const unreserved = await f.get(`/Users?cursor=${encodeURIComponent('a b/c')}`).expect(400);
      expect(unreserved.body.scimType).toBe('invalidCursor');
    });

    it('a cursor from another filter, sort or resource type is invalidCursor', async () => {
      const cursor = await firstCursor(`filter=${encodeURIComponent('active eq true')}`);
      for (const path of [`/Users?cursor=${cursor}`, `/Users?filter=${encodeURIComponent('active eq false')}&cursor=${cursor}`, `/Users?filter=${encodeURIComponent('active eq true')}&sortBy=userName&cursor=${cursor}`]) {
        expect((await f.get(path).expect(400)).body.scimType).toBe('invalidCursor');
      }
      expect((await f.get(`/Groups?cursor=${await firstCursor()}`).expect(400)).body.scimType).toBe('invalidCursor');
      await f.get(`/Users?filter=${encodeURIComponent('active eq true')}&cursor=${cursor}&count=5`).expect(200);
    });

    it("another source's cursor is invalidCursor", async () => {
      const other = await f.t.center.sources.create({ name: 'Other', mode: 'pull', pull: { scopeOrgIds: [] } });
      await f.t.center.sources.enable(other.source.id);
      const cursor = await firstCursor();
      const res = await request(f.t.app).get(`${SCIM}/Users?cursor=${cursor}`).set('Authorization', `Bearer ${other.credentials!.token}`).expect(400);
      expect(res.body.scimType).toBe('invalidCursor');
    });

    it('a cursor older than cursorTimeout is expiredCursor', async () => {
      const cursor = await firstCursor();
      f.clock.advance(3_599_000);
      await f.get(`/Users?cursor=${cursor}`).expect(200);
      f.clock.advance(2_000);
      try {
        const res = await f.get(`/Users?cursor=${cursor}`).expect(400);
        expect(res.body).toMatchObject({ scimType: 'expiredCursor', status: '400' });
      } finally {
        f.clock.advance(-3_601_000);
      }
    });

    it('count must be positive with a cursor (invalidCount), and cursor excludes startIndex and the root search', async () => {
      for (const count of ['0', '-3', 'ten']) expect((await f.get(`/Users?cursor&count=${count}`).expect(400)).body.scimType).toBe('invalidCount');
      expect((await f.get('/Users?cursor&count=5000').expect(200)).body.itemsPerPage).toBe(1000);
      expect((await f.get('/Users?cursor&startIndex=11').expect(400)).body.scimType).toBe('invalidValue');
      expect((await f.post('/.search', { filter: 'id pr', cursor: '' }).expect(400)).body.scimType).toBe('invalidValue');
    });
  });

  it('advertises both paging methods in ServiceProviderConfig, index by default', async () => {
    const res = await f.get('/ServiceProviderConfig').expect(200);
    expect(res.body.pagination).toEqual({ cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 100, maxPageSize: 1000, cursorTimeout: 3600 });
    const plain = await f.get('/Users').expect(200);
    expect(plain.body.nextCursor).toBeUndefined();
    expect(plain.body.startIndex).toBe(1);
  });
});

describe('cursor paging for a scoped source, and through deletions', () => {
  const f = usePullFixture({ seed: false, scopeOrgIds: [orgId(1)] });

  it('walks only the scope, exactly as index paging does, tombstones included', async () => {
    await f.t.center.changes.apply(directory());
    f.clock.advance(1_000);
    const since = f.clock.read().toISOString();
    f.clock.advance(1_000);
    // Deletions and a user leaving the scope: an incremental pull sees them as tombstones.
    await f.t.center.changes.apply([
      ...Array.from({ length: 40 }, (_, i) => ({ type: 'userDeleted' as const, id: userId(i * 41) })),
      { type: 'userUpserted', user: { id: userId(81), userName: 'user81@example.com', orgIds: [orgId(2)] } },
      { type: 'userUpserted', user: { id: userId(48), userName: 'user48-renamed@example.com', orgIds: [orgId(8)] } },
    ]);
    for (const query of ['', `filter=${encodeURIComponent('active eq true')}`, 'sortBy=userName', `filter=${encodeURIComponent(`meta.lastModified gt "${since}"`)}`]) {
      const byIndex = await walkByIndex(f.get, '/Users', query, 120);
      const byCursor = await walkByCursor(f.get, '/Users', query, 120);
      expect(byCursor.ids).toEqual(byIndex);
    }
    const all = await walkByCursor(f.get, '/Users', '', 200);
    // org-001's subtree: org-001 and the orgs n with n % 4 == 0 (n ≥ 5); user i is in org i % 40.
    const inScope = (n: number) => n === 1 || (n >= 5 && n % 4 === 0);
    const deleted = new Set(Array.from({ length: 40 }, (_, i) => i * 41));
    const expected = Array.from({ length: USER_COUNT }, (_, i) => i)
      .filter((i) => inScope(i % ORG_COUNT) && !deleted.has(i) && i !== 81)
      .map(userId);
    expect(all.ids).toEqual([...expected].sort());
    const changes = await walkByCursor(f.get, '/Users', `filter=${encodeURIComponent(`meta.lastModified gt "${since}"`)}`, 7);
    expect(changes.ids).toContain(userId(48));
    expect(changes.ids).toContain(userId(81)); // left the scope: a tombstone
    expect(changes.ids).toContain(userId(41)); // deleted: a tombstone
    expect(changes.ids.length).toBeGreaterThan(3);
  }, SLOW);
});
