import { beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryChange } from '../../../lib/mirror/change-writer.js';
import { idsOf, usePullFixture } from './scim-fixture.js';

const ORG_COUNT = 40;
const USER_COUNT = 230;

describe('paging through everything while the directory changes', () => {
  const f = usePullFixture({ seed: false });
  beforeEach(async () => {
    const changes: DirectoryChange[] = [];
    for (let i = 0; i < ORG_COUNT; i += 1) {
      changes.push({ type: 'orgUpserted', org: { id: `org-${String(i).padStart(3, '0')}`, name: `Org ${i}`, parentId: i === 0 ? null : 'org-000', order: i } });
    }
    for (let i = 0; i < USER_COUNT; i += 1) {
      changes.push({
        type: 'userUpserted',
        user: { id: `user-${String(i).padStart(4, '0')}`, userName: `user${i}@example.com`, orgIds: [`org-${String(i % ORG_COUNT).padStart(3, '0')}`] },
      });
    }
    await f.t.center.changes.apply(changes);
  });

  async function pageThrough(endpoint: string, between: (page: number) => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    for (let startIndex = 1, page = 0; ; page += 1) {
      const res = await f.get(`${endpoint}?startIndex=${startIndex}&count=25&attributes=id`).expect(200);
      seen.push(...idsOf(res.body));
      startIndex += res.body.itemsPerPage;
      if (res.body.itemsPerPage === 0 || startIndex > res.body.totalResults) break;
      await between(page);
    }
    return seen;
  }

  it('returns every user exactly once while users are renamed, moved and deactivated between pages', async () => {
    const seen = await pageThrough('/Users', async (page) => {
      // Touch users before and after the read position: updates bump seq and lastModified but never the id order.
      for (const n of [page * 7, USER_COUNT - 1 - page * 5]) {
        const id = `user-${String(n).padStart(4, '0')}`;
        await f.t.center.changes.userUpserted({ id, userName: `renamed-${n}@example.com`, active: page % 2 === 0, orgIds: [`org-${String((n + page) % ORG_COUNT).padStart(3, '0')}`] });
      }
    });
    expect(seen).toHaveLength(USER_COUNT);
    expect(new Set(seen).size).toBe(USER_COUNT);
  });

  it('returns every organization and group exactly once while orgs are renamed and reordered', async () => {
    const touch = async (page: number) => {
      const n = (page * 3) % ORG_COUNT;
      const id = `org-${String(n).padStart(3, '0')}`;
      await f.t.center.changes.orgUpserted({ id, name: `Renamed ${n}-${page}`, parentId: n === 0 ? null : 'org-000', order: ORG_COUNT - n });
    };
    for (const endpoint of ['/Organizations', '/Groups']) {
      const seen = await pageThrough(endpoint, touch);
      expect(seen).toHaveLength(ORG_COUNT);
      expect(new Set(seen).size).toBe(ORG_COUNT);
    }
  });

  it('lets an incremental pull page through its changes without losing deletions', async () => {
    f.clock.advance(1_000);
    const deletions: DirectoryChange[] = Array.from({ length: 30 }, (_, i) => ({ type: 'userDeleted' as const, id: `user-${String(i * 7).padStart(4, '0')}` }));
    await f.t.center.changes.apply(deletions);
    const filter = encodeURIComponent('meta.lastModified gt "2026-03-01T08:00:00.000Z"');
    const seen: Array<{ id: string; active: boolean }> = [];
    for (let startIndex = 1; startIndex <= 30; startIndex += 10) {
      const res = await f.get(`/Users?filter=${filter}&startIndex=${startIndex}&count=10&attributes=active`).expect(200);
      expect(res.body.totalResults).toBe(30);
      seen.push(...res.body.Resources);
    }
    expect(new Set(seen.map((user) => user.id)).size).toBe(30);
    expect(seen.every((user) => user.active === false)).toBe(true);
  });
});
