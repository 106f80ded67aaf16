import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { purgeTombstones } from '../../../lib/mirror/tombstones.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { URN } from '../../../lib/scim/urns.js';
import { createPullFixture, idsOf, ORGS, USERS, type PullFixture } from './scim-fixture.js';

const changedSince = (iso: string, extra = '') => `/Users?filter=${encodeURIComponent(`meta.lastModified gt "${iso}"${extra}`)}`;

describe('a pull source scoped to the Sales subtree, as users leave it', () => {
  let f: PullFixture;
  const start = '2026-03-01T08:00:00.000Z';
  const moved = '2026-03-01T08:01:00.000Z';
  beforeEach(async () => {
    f = await createPullFixture({ scopeOrgIds: ['sales'] });
    f.clock.advance(60_000);
  });
  afterEach(() => f.close());

  it('shows a user moved out of scope to incremental pulls as a tombstone, and nowhere else', async () => {
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', title: 'Engineer', orgIds: ['eng'] });
    const res = await f.get(changedSince(start)).expect(200);
    expect(idsOf(res.body)).toEqual(['bob']);
    expect(res.body.Resources[0]).toEqual({
      schemas: [URN.user, URN.userOrgs],
      id: 'bob',
      userName: 'bob@example.com',
      active: false,
      [URN.userOrgs]: { orgIds: [] },
      meta: expect.objectContaining({ resourceType: 'User', lastModified: moved }),
    });
    expect((await f.get(changedSince(start, ' and active eq false')).expect(200)).body.totalResults).toBe(1);
    expect((await f.get(changedSince(moved)).expect(200)).body.totalResults).toBe(0);
    expect(idsOf((await f.get('/Users').expect(200)).body)).toEqual(['alice']);
    expect((await f.get('/Users?filter=active%20eq%20false').expect(200)).body.totalResults).toBe(0);
    await f.get('/Users/bob').expect(404);
    const sorted = await f.get(`${changedSince('2026-01-01T00:00:00Z')}&sortBy=meta.lastModified&sortOrder=descending`).expect(200);
    expect(idsOf(sorted.body)[0]).toBe('bob');
  });

  it('shows every user of a team whose org moved out of scope, except one still in scope through another org', async () => {
    await f.t.center.changes.orgUpserted({ id: 'team', name: 'Team', parentId: 'sales-east', order: 0 });
    const team = Array.from({ length: 10 }, (_, index) => `t${String(index).padStart(2, '0')}`);
    await f.t.center.changes.apply([
      ...team.map((id) => ({ type: 'userUpserted' as const, user: { id, userName: `${id}@example.com`, orgIds: ['team'] } })),
      { type: 'userUpserted' as const, user: { id: 'both', userName: 'both@example.com', orgIds: ['team', 'sales'] } },
    ]);
    const joined = f.clock.read().toISOString();
    f.clock.advance(60_000);
    await f.t.center.changes.orgUpserted({ id: 'team', name: 'Team', parentId: 'eng', order: 0 });
    const left = f.clock.read().toISOString();
    const res = await f.get(`${changedSince(joined)}&count=100`).expect(200);
    expect(idsOf(res.body)).toEqual(team);
    for (const user of res.body.Resources) expect(user).toMatchObject({ active: false, meta: { lastModified: left } });
    expect(idsOf((await f.get('/Users?count=100').expect(200)).body)).toEqual(['alice', 'bob', 'both']);
    // The org itself left the scope too: a tombstone in /Organizations, gone from /Groups.
    const orgs = await f.get(`/Organizations?filter=${encodeURIComponent(`meta.lastModified gt "${joined}"`)}`).expect(200);
    expect(orgs.body.Resources).toEqual([
      { schemas: [URN.organization], id: 'team', displayName: 'Team', active: false, meta: expect.objectContaining({ lastModified: left }) },
    ]);
    await f.get('/Organizations/team').expect(404);
    expect(idsOf((await f.get('/Organizations').expect(200)).body)).toEqual(['sales', 'sales-east']);
    expect((await f.get(`/Groups?filter=${encodeURIComponent(`meta.lastModified gt "${joined}"`)}`).expect(200)).body.Resources.map((g: { id: string }) => g.id)).not.toContain('team');
  });

  it('never shows a user that was never in scope', async () => {
    // carol only ever was in eng; moving her, or eng, leaves no trace for this source.
    await f.t.center.changes.userUpserted({ id: 'carol', userName: 'carol@example.org', orgIds: ['root'] });
    await f.t.center.changes.orgUpserted({ id: 'lab', name: 'Lab', parentId: 'eng', order: 0 });
    await f.t.center.changes.userUpserted({ id: 'erin', userName: 'erin@example.org', orgIds: ['lab'] });
    await f.t.center.changes.userUpserted({ id: 'erin', userName: 'erin@example.org', orgIds: ['root'] });
    // lab enters the scope after erin left it: erin was never visible through it.
    await f.t.center.changes.orgUpserted({ id: 'lab', name: 'Lab', parentId: 'sales', order: 0 });
    expect((await f.get(changedSince(start)).expect(200)).body.totalResults).toBe(0);
    await f.get('/Users/erin').expect(404);
    await f.t.center.changes.orgUpserted({ id: 'eng', name: 'Engineering', parentId: 'sales-east', order: 2 });
    await f.t.center.changes.orgUpserted({ id: 'eng', name: 'Engineering', parentId: 'root', order: 2 });
    // eng was in scope for a moment and left it; lab entered it and stays; root never was in it.
    const orgs = await f.get(`/Organizations?filter=${encodeURIComponent(`meta.lastModified gt "${start}"`)}`).expect(200);
    expect(orgs.body.Resources.map((org: { id: string; active: boolean }) => [org.id, org.active])).toEqual([
      ['eng', false],
      ['lab', true],
    ]);
  });

  it('shows a user that came back into scope as it is', async () => {
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', orgIds: ['eng'] });
    f.clock.advance(60_000);
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', orgIds: ['sales-east'] });
    const res = await f.get(changedSince(start)).expect(200);
    expect(res.body.Resources).toMatchObject([{ id: 'bob', active: true, [URN.userOrgs]: { orgIds: ['sales-east'] } }]);
  });

  it('forgets the exit after the tombstone retention period, and the retention job deletes it', async () => {
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', orgIds: ['eng'] });
    f.clock.advanceDays(29);
    expect(idsOf((await f.get(changedSince(start)).expect(200)).body)).toEqual(['bob']);
    f.clock.advanceDays(1);
    expect((await f.get(changedSince(start)).expect(200)).body.totalResults).toBe(0);
    expect(await f.t.knex(TABLES.userOrgExits).count({ n: '*' })).toEqual([{ n: expect.anything() }]);
    await purgeTombstones(f.t.knex, f.clock.read().toISOString(), 0);
    expect(await f.t.knex(TABLES.userOrgExits).select('user_id')).toEqual([]);
  });

  it('records moves a reconcile finds as exits too: a user and an org moved in the host without hooks', async () => {
    for (const org of ORGS) f.t.directory.orgs.set(org.id, org);
    for (const user of USERS) f.t.directory.users.set(user.id, user);
    f.t.directory.orgs.set('sales-east', { ...ORGS[3]!, parentId: 'eng' });
    f.t.directory.users.set('alice', { ...USERS[0]!, orgIds: ['eng'], primaryOrgId: 'eng' });
    await f.t.center.reconcile();
    const res = await f.get(changedSince(start)).expect(200);
    expect(idsOf(res.body)).toEqual(['alice', 'bob']);
    expect(res.body.Resources.map((user: { active: boolean }) => user.active)).toEqual([false, false]);
  });

  it('leaves an unscoped source unaffected: a moved user is an ordinary update', async () => {
    const g = await createPullFixture();
    try {
      g.clock.advance(60_000);
      await g.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', orgIds: ['eng'] });
      const res = await g.get(changedSince(start)).expect(200);
      expect(res.body.Resources).toMatchObject([{ id: 'bob', active: true, [URN.userOrgs]: { orgIds: ['eng'] } }]);
    } finally {
      await g.close();
    }
  });
});
