import { describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { SCIM, usePullFixture } from './scim-fixture.js';

describe('SCIM discovery endpoints', () => {
  const f = usePullFixture();

  describe('GET /ServiceProviderConfig', () => {
    it('says filter, sort and etag are supported and patch, bulk and changePassword are not', async () => {
      const res = await f.get('/ServiceProviderConfig').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(res.body).toMatchObject({
        schemas: [URN.serviceProviderConfig],
        patch: { supported: false },
        bulk: { supported: false },
        changePassword: { supported: false },
        filter: { supported: true, maxResults: 1000 },
        sort: { supported: true },
        etag: { supported: true },
        authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
      });
      expect(res.body.meta.location).toMatch(new RegExp(`${SCIM}/ServiceProviderConfig$`));
    });
  });

  describe('GET /ResourceTypes', () => {
    it('lists User, Organization and Group with their schemas and extensions', async () => {
      const res = await f.get('/ResourceTypes').expect(200);
      expect(res.body.totalResults).toBe(3);
      const byName = Object.fromEntries(res.body.Resources.map((type: { name: string }) => [type.name, type]));
      expect(byName.User).toMatchObject({
        endpoint: '/Users',
        schema: URN.user,
        schemaExtensions: [
          { schema: URN.enterpriseUser, required: false },
          { schema: URN.userOrgs, required: false },
        ],
      });
      expect(byName.Organization).toMatchObject({ endpoint: '/Organizations', schema: URN.organization });
      expect(byName.Group).toMatchObject({ endpoint: '/Groups', schema: URN.group });
    });

    it('returns one resource type by name, and 404 for an unknown one', async () => {
      expect((await f.get('/ResourceTypes/Organization').expect(200)).body.id).toBe('Organization');
      const missing = await f.get('/ResourceTypes/Printer').expect(404);
      expect(missing.body).toMatchObject({ schemas: [URN.error], status: '404' });
    });

    it('returns 403 when asked to filter', async () => {
      await f.get('/ResourceTypes?filter=name%20eq%20%22User%22').expect(403);
    });
  });

  describe('GET /Schemas', () => {
    it('publishes our own schemas under our own namespace, never urn:ietf', async () => {
      const res = await f.get('/Schemas').expect(200);
      const ids: string[] = res.body.Resources.map((schema: { id: string }) => schema.id);
      expect(ids).toEqual([URN.user, URN.enterpriseUser, URN.userOrgs, URN.organization, URN.group]);
      expect(URN.organization.startsWith('urn:ietf:')).toBe(false);
      expect(URN.userOrgs.startsWith('urn:ietf:')).toBe(false);
    });

    it('describes the Organization attributes, including active for tombstones', async () => {
      const res = await f.get(`/Schemas/${URN.organization}`).expect(200);
      const names = res.body.attributes.map((attribute: { name: string }) => attribute.name);
      expect(names).toEqual(['displayName', 'code', 'parent', 'order', 'active']);
      expect(decodeURIComponent(res.body.meta.location)).toMatch(new RegExp(`/Schemas/${URN.organization}$`));
    });

    it('describes the enterprise extension with the four attributes it fills', async () => {
      const res = await f.get(`/Schemas/${URN.enterpriseUser}`).expect(200);
      expect(res.body.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(['employeeNumber', 'department', 'organization', 'manager']);
    });

    it('returns 404 for an unknown schema', async () => {
      await f.get('/Schemas/urn:example:nothing').expect(404);
    });
  });

  it('answers 405 with Allow to writes on discovery endpoints', async () => {
    const res = await f.post('/Schemas', {}).expect(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '405' });
  });

  it('answers 404 with a SCIM error for an unknown endpoint', async () => {
    const res = await f.get('/Printers').expect(404);
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '404' });
  });
});
