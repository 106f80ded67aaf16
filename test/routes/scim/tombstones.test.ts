import { describe, expect, it } from 'vitest';
import { createPullFixture, idsOf, usePullFixture } from './scim-fixture.js';

const since = (iso: string) => `?filter=${encodeURIComponent(`meta.lastModified gt "${iso}"`)}`;

describe('incremental pulls and tombstones', () => {
  const start = '2026-03-01T08:00:00.000Z';
  const f = usePullFixture();

  it('returns what changed since a time, deletions included as active: false', async () => {
    f.clock.advance(60_000);
    await f.t.center.changes.userUpserted({ id: 'dave', userName: 'dave', title: 'Chairman', orgIds: ['root'] });
    await f.t.center.changes.userDeleted('bob');
    const res = await f.get(`/Users${since(start)}`).expect(200);
    expect(idsOf(res.body)).toEqual(['bob', 'dave']);
    const bob = res.body.Resources[0];
    expect(bob).toMatchObject({ id: 'bob', active: false, meta: { lastModified: '2026-03-01T08:01:00.000Z' } });
  });

  it('leaves tombstones out of plain lists and other filters', async () => {
    await f.t.center.changes.userDeleted('bob');
    expect(idsOf((await f.get('/Users').expect(200)).body)).toEqual(['alice', 'carol', 'dave']);
    expect((await f.get('/Users?filter=active%20eq%20false').expect(200)).body.totalResults).toBe(1);
  });

  it('answers a deleted user by id with 404 (RFC 7644 §3.6) while incremental pulls see its tombstone for the retention period', async () => {
    f.clock.advance(1_000);
    await f.t.center.changes.userDeleted('bob');
    const gone = await f.get('/Users/bob').expect(404);
    expect(gone.body).toMatchObject({ status: '404' });
    expect(idsOf((await f.get('/Users?filter=userName%20pr').expect(200)).body)).not.toContain('bob');
    f.clock.advanceDays(29);
    expect(idsOf((await f.get(`/Users${since(start)}`).expect(200)).body)).toEqual(['bob']);
    f.clock.advanceDays(1);
    expect((await f.get(`/Users${since(start)}`).expect(200)).body.totalResults).toBe(0);
  });

  it('honours tombstoneRetentionDays', async () => {
    const g = await createPullFixture({ overrides: { tombstoneRetentionDays: 2 } });
    try {
      g.clock.advance(1_000);
      await g.t.center.changes.orgDeleted('sales-east');
      g.clock.advanceDays(1);
      expect(idsOf((await g.get(`/Organizations${since(start)}`).expect(200)).body)).toEqual(['sales-east']);
      g.clock.advanceDays(1);
      expect(idsOf((await g.get(`/Organizations${since(start)}`).expect(200)).body)).toEqual([]);
    } finally {
      await g.close();
    }
  });

  it('shows a deleted organization as active: false to incremental pulls, and not as a group', async () => {
    f.clock.advance(1_000);
    await f.t.center.changes.userDeleted('bob');
    await f.t.center.changes.orgDeleted('sales-east');
    const res = await f.get(`/Organizations${since(start)}`).expect(200);
    expect(res.body.Resources).toEqual([expect.objectContaining({ id: 'sales-east', active: false, parent: 'sales' })]);
    await f.get('/Organizations/sales-east').expect(404);
    expect(idsOf((await f.get('/Organizations').expect(200)).body)).not.toContain('sales-east');
    await f.get('/Groups/sales-east').expect(404);
  });

  it('drops a deleted user from group members and changes the group version', async () => {
    const before = await f.get('/Groups/eng').expect(200);
    await f.t.center.changes.userDeleted('carol');
    const after = await f.get('/Groups/eng').expect(200);
    expect(after.body.members.map((member: { value: string }) => member.value)).toEqual(['alice']);
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });
});
