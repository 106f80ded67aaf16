import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { createPullFixture, idsOf, type PullFixture } from './scim-fixture.js';

describe('a pull source scoped to the Sales subtree', () => {
  let f: PullFixture;
  beforeEach(async () => {
    f = await createPullFixture({ scopeOrgIds: ['sales'] });
  });
  afterEach(() => f.close());

  it('sees only the orgs of the subtree, with the scope root shown as a root', async () => {
    const res = await f.get('/Organizations').expect(200);
    expect(res.body.totalResults).toBe(2);
    expect(idsOf(res.body)).toEqual(['sales', 'sales-east']);
    expect(res.body.Resources[0].parent).toBeUndefined();
    expect(res.body.Resources[1].parent).toBe('sales');
  });

  it('sees only users in the subtree, in lists and counts', async () => {
    const res = await f.get('/Users').expect(200);
    expect(res.body.totalResults).toBe(2);
    expect(idsOf(res.body)).toEqual(['alice', 'bob']);
    expect((await f.get('/Users?filter=userName%20pr&count=0').expect(200)).body.totalResults).toBe(2);
  });

  it('returns 404 for out-of-scope users, orgs and groups by id', async () => {
    await f.get('/Users/carol').expect(404);
    await f.get('/Users/dave').expect(404);
    await f.get('/Organizations/eng').expect(404);
    await f.get('/Organizations/root').expect(404);
    await f.get('/Groups/root').expect(404);
  });

  it("hides out-of-scope org ids from a user's extension and names the scope root as organization", async () => {
    const res = await f.get('/Users/alice').expect(200);
    expect(res.body[URN.userOrgs]).toEqual({ orgIds: ['sales'], primaryOrgId: 'sales' });
    expect(res.body[URN.enterpriseUser]).toMatchObject({ department: 'Sales', organization: 'Sales' });
  });

  it('keeps the scope in filters and root searches', async () => {
    expect(idsOf((await f.get(`/Users?filter=${encodeURIComponent('userName pr')}`).expect(200)).body)).toEqual(['alice', 'bob']);
    const all = await f.post('/.search', { filter: 'id pr' }).expect(200);
    expect(all.body.totalResults).toBe(6);
  });

  it('follows the tree as it changes: a moved org enters the scope', async () => {
    await f.t.center.changes.orgUpserted({ id: 'eng', name: 'Engineering', code: 'E', parentId: 'sales', order: 2 });
    expect(idsOf((await f.get('/Organizations').expect(200)).body)).toEqual(['eng', 'sales', 'sales-east']);
    expect(idsOf((await f.get('/Users').expect(200)).body)).toEqual(['alice', 'bob', 'carol']);
  });

  it('hides a manager outside the scope', async () => {
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', managerId: 'dave', orgIds: ['sales-east'] });
    const res = await f.get('/Users/bob').expect(200);
    expect(res.body[URN.enterpriseUser]?.manager).toBeUndefined();
  });
});
