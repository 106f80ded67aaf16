import { describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { createPullFixture, idsOf, SCIM, usePullFixture } from './scim-fixture.js';

describe('GET /scim/v2/Users', () => {
  const f = usePullFixture();

  it('lists users as a ListResponse in id order', async () => {
    const res = await f.get('/Users').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: [URN.listResponse], totalResults: 4, itemsPerPage: 4, startIndex: 1 });
    expect(idsOf(res.body)).toEqual(['alice', 'bob', 'carol', 'dave']);
  });

  it('presents the core, enterprise and user-org attributes with meta', async () => {
    const res = await f.get('/Users/bob').expect(200);
    expect(res.body).toMatchObject({
      schemas: [URN.user, URN.enterpriseUser, URN.userOrgs],
      id: 'bob',
      userName: 'bob@example.com',
      name: { givenName: 'Bob', familyName: 'Builder' },
      active: true,
      emails: [{ value: 'bob@example.com', type: 'work', primary: true }],
      [URN.enterpriseUser]: {
        employeeNumber: 'E-002',
        department: 'Sales East',
        organization: 'Acme',
        manager: { value: 'alice', $ref: expect.stringMatching(new RegExp(`${SCIM}/Users/alice$`)) },
      },
      [URN.userOrgs]: { primaryOrgId: 'sales-east', orgIds: ['sales-east'] },
      meta: { resourceType: 'User', created: '2026-03-01T08:00:00.000Z', lastModified: '2026-03-01T08:00:00.000Z' },
    });
    expect(res.body.meta.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tenant-a\/sync\/scim\/v2\/Users\/bob$/);
    expect(res.body.meta.version).toMatch(/^W\/"\d+"$/);
    expect(res.headers.etag).toBe(res.body.meta.version);
  });

  it('returns 304 when If-None-Match carries the current version, and 200 once it changed', async () => {
    const first = await f.get('/Users/bob').expect(200);
    await f.get('/Users/bob', { 'If-None-Match': first.headers.etag! }).expect(304);
    await f.t.center.changes.userUpserted({ id: 'bob', userName: 'bob@example.com', title: 'Foreman', orgIds: ['sales-east'] });
    const changed = await f.get('/Users/bob', { 'If-None-Match': first.headers.etag! }).expect(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });

  it('returns 404 with a SCIM error for an unknown id', async () => {
    const res = await f.get('/Users/nobody').expect(404);
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '404' });
  });

  it('uses publicUrl for meta.location when the host sets it', async () => {
    const g = await createPullFixture({ overrides: { publicUrl: 'https://idp.example.com/sync-center/' } });
    try {
      const res = await g.get('/Users/alice').expect(200);
      expect(res.body.meta.location).toBe('https://idp.example.com/sync-center/scim/v2/Users/alice');
    } finally {
      await g.close();
    }
  });

  describe('paging', () => {
    it('pages with startIndex and count (1-based)', async () => {
      const res = await f.get('/Users?startIndex=2&count=2').expect(200);
      expect(res.body).toMatchObject({ totalResults: 4, itemsPerPage: 2, startIndex: 2 });
      expect(idsOf(res.body)).toEqual(['bob', 'carol']);
    });

    it('gives totalResults and an empty Resources member for count=0 (RFC 7644 §3.4.2)', async () => {
      const res = await f.get('/Users?count=0').expect(200);
      expect(res.body).toMatchObject({ totalResults: 4, itemsPerPage: 0 });
      expect(res.body.Resources).toEqual([]);
      const search = await f.post('/.search', { count: 0 }).expect(200);
      expect(search.body).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
    });

    it('treats startIndex below 1 as 1 and a negative count as 0', async () => {
      expect((await f.get('/Users?startIndex=-5&count=1').expect(200)).body).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
      expect((await f.get('/Users?count=-1').expect(200)).body.itemsPerPage).toBe(0);
    });

    it('returns an empty page past the end', async () => {
      const res = await f.get('/Users?startIndex=10').expect(200);
      expect(res.body).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    });

    it('caps count at 1000', async () => {
      const res = await f.get('/Users?count=5000').expect(200);
      expect(res.body.itemsPerPage).toBe(4);
    });

    it('returns 400 invalidValue for a count that is not a number', async () => {
      const res = await f.get('/Users?count=many').expect(400);
      expect(res.body).toMatchObject({ scimType: 'invalidValue' });
    });
  });

  describe('sorting', () => {
    it('sorts by userName case-insensitively, ascending and descending', async () => {
      expect(idsOf((await f.get('/Users?sortBy=userName').expect(200)).body)).toEqual(['alice', 'bob', 'carol', 'dave']);
      expect(idsOf((await f.get('/Users?sortBy=userName&sortOrder=descending').expect(200)).body)).toEqual(['dave', 'carol', 'bob', 'alice']);
    });

    it('puts users without the attribute last when ascending', async () => {
      expect(idsOf((await f.get('/Users?sortBy=name.familyName').expect(200)).body)).toEqual(['bob', 'carol', 'alice', 'dave']);
    });

    it('sorts by an extension attribute by its full URN', async () => {
      const res = await f.get(`/Users?sortBy=${URN.enterpriseUser}:employeeNumber&sortOrder=descending`).expect(200);
      // Missing values first when descending (the exact reverse of ascending), ties by id.
      expect(idsOf(res.body)).toEqual(['dave', 'carol', 'bob', 'alice']);
    });

    it('returns 400 invalidValue for an unknown sortBy or sortOrder', async () => {
      expect((await f.get('/Users?sortBy=shoeSize').expect(400)).body.scimType).toBe('invalidValue');
      expect((await f.get('/Users?sortBy=userName&sortOrder=sideways').expect(400)).body.scimType).toBe('invalidValue');
    });
  });

  describe('attributes and excludedAttributes', () => {
    it('returns only the asked attributes, plus id and schemas', async () => {
      const res = await f.get('/Users/alice?attributes=userName,emails.value').expect(200);
      expect(res.body).toEqual({
        schemas: [URN.user],
        id: 'alice',
        userName: 'Alice@Example.com',
        emails: [{ value: 'alice@example.com' }, { value: 'alice@home.test' }],
      });
    });

    it('returns an extension attribute asked by full URN', async () => {
      const res = await f.get(`/Users?attributes=${URN.enterpriseUser}:department&filter=userName%20eq%20%22bob@example.com%22`).expect(200);
      expect(res.body.Resources[0]).toEqual({ schemas: [URN.user, URN.enterpriseUser], id: 'bob', [URN.enterpriseUser]: { department: 'Sales East' } });
    });

    it('leaves out excluded attributes but never id', async () => {
      const res = await f.get('/Users/alice?excludedAttributes=emails,name.middleName,id,meta').expect(200);
      expect(res.body.emails).toBeUndefined();
      expect(res.body.meta).toBeUndefined();
      expect(res.body.id).toBe('alice');
      expect(res.body.name).toEqual({ givenName: 'Alice', familyName: 'Liddell' });
    });

    it('drops a whole extension and its schema URN when excluded', async () => {
      const res = await f.get(`/Users/alice?excludedAttributes=${URN.enterpriseUser}`).expect(200);
      expect(res.body[URN.enterpriseUser]).toBeUndefined();
      expect(res.body.schemas).toEqual([URN.user, URN.userOrgs]);
    });

    it('refuses attributes and excludedAttributes together', async () => {
      await f.get('/Users?attributes=userName&excludedAttributes=emails').expect(400);
    });
  });
});

describe('POST /scim/v2/Users/.search', () => {
  const f = usePullFixture();

  it('searches with a SearchRequest body', async () => {
    const res = await f
      .post('/Users/.search', {
        schemas: [URN.searchRequest],
        filter: 'title pr',
        attributes: ['userName'],
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 1,
        count: 10,
      })
      .expect(200);
    expect(res.body.Resources).toEqual([
      { schemas: [URN.user], id: 'dave', userName: 'dave' },
      { schemas: [URN.user], id: 'alice', userName: 'Alice@Example.com' },
    ]);
  });

  it('accepts application/json as well as application/scim+json', async () => {
    await f.post('/Users/.search', { filter: 'userName eq "dave"' }, 'application/json').expect(200);
  });

  it('returns 400 invalidSyntax for a body whose schemas are not SearchRequest', async () => {
    const res = await f.post('/Users/.search', { schemas: [URN.user] }).expect(400);
    expect(res.body.scimType).toBe('invalidSyntax');
  });

  it('returns 405 to GET on .search', async () => {
    const res = await f.get('/Users/.search').expect(405);
    expect(res.headers.allow).toBe('POST');
  });
});

describe('POST /scim/v2/.search', () => {
  const f = usePullFixture();

  it('searches every resource type the filter applies to, users first', async () => {
    const res = await f.post('/.search', { schemas: [URN.searchRequest], filter: 'id sw "s" or id eq "bob"' }).expect(200);
    expect(res.body.totalResults).toBe(5);
    expect(res.body.Resources.map((resource: { id: string; meta: { resourceType: string } }) => `${resource.meta.resourceType}:${resource.id}`)).toEqual([
      'User:bob',
      'Organization:sales',
      'Organization:sales-east',
      'Group:sales',
      'Group:sales-east',
    ]);
  });

  it('skips types whose attributes the filter does not know, and pages across types', async () => {
    const res = await f.post('/.search', { filter: 'displayName sw "Sales"', startIndex: 2, count: 2 }).expect(200);
    expect(res.body.totalResults).toBe(4);
    expect(res.body.Resources.map((resource: { meta: { resourceType: string } }) => resource.meta.resourceType)).toEqual(['Organization', 'Group']);
  });

  it('returns 400 invalidFilter when no type knows the attribute', async () => {
    expect((await f.post('/.search', { filter: 'shoeSize eq 9' }).expect(400)).body.scimType).toBe('invalidFilter');
  });
});
