import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { ADMIN_HEADER } from '../../support/test-center.js';
import { SCIM, TOKEN_URL, usePullFixture } from './scim-fixture.js';

describe('SCIM authentication', () => {
  const f = usePullFixture();

  const expectUnauthorized = (res: request.Response) => {
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="scim-sync-center"/);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '401' });
  };

  it('accepts the long-lived token in the Authorization header', async () => {
    await f.get('/Users').expect(200);
  });

  it('returns 401 without a token', async () => {
    expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`));
  });

  it('returns 401 with invalid_token for a wrong token', async () => {
    const res = await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', 'Bearer ssc_token_wrong');
    expectUnauthorized(res);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token in the query string even when it is right', async () => {
    const res = await request(f.t.app).get(`${SCIM}/Users?access_token=${encodeURIComponent(f.credentials.token)}`);
    expectUnauthorized(res);
  });

  it('refuses a token in a search body', async () => {
    const res = await request(f.t.app)
      .post(`${SCIM}/Users/.search`)
      .set('Content-Type', 'application/scim+json')
      .send(JSON.stringify({ access_token: f.credentials.token }));
    expectUnauthorized(res);
  });

  it('never accepts the admin session', async () => {
    expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`).set(ADMIN_HEADER, 'alice'));
  });

  it('refuses the token of a disabled source, and accepts it again once re-enabled', async () => {
    await f.t.center.sources.disable(f.source.id);
    expectUnauthorized(await f.get('/Users'));
    await f.t.center.sources.enable(f.source.id);
    await f.get('/Users').expect(200);
  });

  it('refuses the old token after the credentials are regenerated', async () => {
    const fresh = await f.t.center.sources.regenerateCredentials(f.source.id);
    expectUnauthorized(await f.get('/Users'));
    await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${fresh.token}`).expect(200);
  });

  it("refuses a deleted source's token, even with another source still there", async () => {
    const other = await f.t.center.sources.create({ name: 'Other', mode: 'pull' });
    await f.t.center.sources.enable(other.source.id);
    await f.t.center.sources.disable(f.source.id);
    await f.t.center.sources.delete(f.source.id);
    expectUnauthorized(await f.get('/Users'));
    await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${other.credentials!.token}`).expect(200);
  });

  it('refuses a push source name or id as a token', async () => {
    expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${f.source.id}`));
  });

  describe('with OAuth access tokens', () => {
    const tokenFor = async (clientId: string, clientSecret: string) => {
      const res = await request(f.t.app)
        .post(TOKEN_URL)
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret })
        .expect(200);
      return res.body.access_token as string;
    };

    it('accepts an access token until it expires, then returns 401', async () => {
      const token = await tokenFor(f.credentials.clientId, f.credentials.clientSecret);
      await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`).expect(200);
      f.clock.advance(3599_000);
      await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`).expect(200);
      f.clock.advance(1_000);
      expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`));
    });

    it('revokes access tokens when the credentials are regenerated', async () => {
      const token = await tokenFor(f.credentials.clientId, f.credentials.clientSecret);
      await f.t.center.sources.regenerateCredentials(f.source.id);
      expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`));
    });

    it('refuses access tokens while the source is disabled', async () => {
      const token = await tokenFor(f.credentials.clientId, f.credentials.clientSecret);
      await f.t.center.sources.disable(f.source.id);
      expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`));
    });

    it('refuses access tokens of a deleted source', async () => {
      const token = await tokenFor(f.credentials.clientId, f.credentials.clientSecret);
      await f.t.center.sources.disable(f.source.id);
      await f.t.center.sources.delete(f.source.id);
      expectUnauthorized(await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${token}`));
    });
  });
});
