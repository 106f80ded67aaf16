import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../../lib/persistence/tables.js';
import { hashToken } from '../../../lib/util/tokens.js';
import { TOKEN_URL, usePullFixture } from './scim-fixture.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('POST /oauth/token', () => {
  const f = usePullFixture({ seed: false });

  it('issues a short-lived Bearer token for client_secret_post, with Cache-Control: no-store', async () => {
    const res = await request(f.t.app)
      .post(TOKEN_URL)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret })
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^ssc_at_/), token_type: 'Bearer', expires_in: 3600 });
  });

  it('issues a token for client_secret_basic', async () => {
    const res = await request(f.t.app)
      .post(TOKEN_URL)
      .set('Authorization', basic(f.credentials.clientId, f.credentials.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    expect(res.body.token_type).toBe('Bearer');
  });

  it('stores only a hash of the access token, with its expiry', async () => {
    const res = await request(f.t.app)
      .post(TOKEN_URL)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret });
    const rows = await f.t.knex(TABLES.oauthTokens).select();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(res.body.access_token);
    expect(rows[0]).toMatchObject({ token_hash: hashToken(res.body.access_token), source_id: f.source.id, expires_at: '2026-03-01T09:00:00.000Z' });
  });

  it('returns 401 invalid_client for a wrong secret via basic', async () => {
    const res = await request(f.t.app)
      .post(TOKEN_URL)
      .set('Authorization', basic(f.credentials.clientId, 'wrong'))
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('returns 401 invalid_client for a wrong secret via post, and for an unknown client', async () => {
    for (const [id, secret] of [
      [f.credentials.clientId, 'wrong'],
      ['ssc-client-unknown', f.credentials.clientSecret],
    ] as const) {
      const res = await request(f.t.app).post(TOKEN_URL).type('form').send({ grant_type: 'client_credentials', client_id: id, client_secret: secret }).expect(401);
      expect(res.body.error).toBe('invalid_client');
    }
  });

  it('returns 401 invalid_client while the source is disabled', async () => {
    await f.t.center.sources.disable(f.source.id);
    const res = await request(f.t.app)
      .post(TOKEN_URL)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret })
      .expect(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('returns 400 unsupported_grant_type for another grant, and invalid_request without one', async () => {
    const send = (body: Record<string, string>) =>
      request(f.t.app).post(TOKEN_URL).type('form').send({ client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret, ...body });
    expect((await send({ grant_type: 'password' }).expect(400)).body.error).toBe('unsupported_grant_type');
    expect((await send({}).expect(400)).body.error).toBe('invalid_request');
  });

  it('returns 400 invalid_request when the client authenticates two ways at once', async () => {
    const res = await request(f.t.app)
      .post(TOKEN_URL)
      .set('Authorization', basic(f.credentials.clientId, f.credentials.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret })
      .expect(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('returns 405 with Allow: POST to GET', async () => {
    const res = await request(f.t.app).get(TOKEN_URL).expect(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('purges expired access tokens', async () => {
    await request(f.t.app)
      .post(TOKEN_URL)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret })
      .expect(200);
    expect((await f.t.center.pull.purge()).accessTokens).toBe(0);
    f.clock.advance(3600_000);
    expect((await f.t.center.pull.purge()).accessTokens).toBe(1);
  });
});
