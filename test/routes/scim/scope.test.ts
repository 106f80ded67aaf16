import { describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { idsOf, usePullFixture } from './scim-fixture.js';

describe('a pull source scoped to the Sales subtree', () => {
  const f = usePullFixture({ scopeOrgIds: ['sales'] });

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
  describe('filters see only what the source sees', () => {
    const count = async (path: string, filter: string) => (await f.get(`${path}?filter=${encodeURIComponent(filter)}`).expect(200)).body.totalResults as number;

    it('matches no out-of-scope primary org, department or org id', async () => {
      // alice is in sales (in scope) and eng (out of scope), with eng as her primary org.
      await f.t.center.changes.userUpserted({ id: 'alice', userName: 'Alice@Example.com', orgIds: ['sales', 'eng'], primaryOrgId: 'eng' });
      expect((await f.get('/Users/alice').expect(200)).body[URN.userOrgs]).toEqual({ orgIds: ['sales'] });
      expect(await count('/Users', `${URN.enterpriseUser}:department sw "Eng"`)).toBe(0);
      const withDepartment = await f.get(`/Users?filter=${encodeURIComponent(`${URN.enterpriseUser}:department pr`)}`).expect(200);
      expect(idsOf(withDepartment.body)).toEqual(['bob']);
      expect(withDepartment.body.Resources[0][URN.enterpriseUser].department).toBe('Sales East');
      expect(await count('/Users', `${URN.userOrgs}:primaryOrgId eq "eng"`)).toBe(0);
      expect(await count('/Users', `${URN.userOrgs}:primaryOrgId pr`)).toBe(1);
      expect(await count('/Users', `${URN.userOrgs}:orgIds eq "eng"`)).toBe(0);
      expect(await count('/Users', `${URN.userOrgs}:orgIds[value sw "e"]`)).toBe(0);
      expect(await count('/Users', `not (${URN.userOrgs}:orgIds eq "eng")`)).toBe(2);
      expect(await count('/Users', `${URN.userOrgs}:orgIds eq "sales"`)).toBe(1);
    });

    it('matches no hidden manager', async () => {
      await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', managerId: 'dave', orgIds: ['sales-east'] });
      expect(await count('/Users', `${URN.enterpriseUser}:manager.value eq "dave"`)).toBe(0);
      expect(await count('/Users', `${URN.enterpriseUser}:manager.value sw "d"`)).toBe(0);
      expect(await count('/Users', `${URN.enterpriseUser}:manager pr`)).toBe(0);
      await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', managerId: 'alice', orgIds: ['sales-east'] });
      expect(await count('/Users', `${URN.enterpriseUser}:manager.value eq "alice"`)).toBe(1);
    });

    it('matches no out-of-scope parent, and sorts a hidden parent as missing', async () => {
      expect(await count('/Organizations', 'parent eq "root"')).toBe(0);
      expect(await count('/Organizations', 'parent sw "r"')).toBe(0);
      expect(await count('/Organizations', 'parent pr')).toBe(1);
      expect(await count('/Organizations', 'not (parent pr)')).toBe(1);
      const sorted = await f.get('/Organizations?sortBy=parent&sortOrder=descending').expect(200);
      expect(idsOf(sorted.body)).toEqual(['sales', 'sales-east']);
    });
  });
});
