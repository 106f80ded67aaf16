import { describe, expect, it, vi } from 'vitest';
import { URN } from '../../../lib/scim/urns.js';
import { replaceFixture } from '../../support/fixture.js';
import { createPullFixture, SCIM, usePullFixture } from './scim-fixture.js';
import request from 'supertest';

describe('SCIM writes', () => {
  const f = usePullFixture();

  it.each([
    ['post', '/Users'],
    ['put', '/Users/alice'],
    ['patch', '/Users/alice'],
    ['delete', '/Users/alice'],
    ['post', '/Organizations'],
    ['delete', '/Organizations/root'],
    ['patch', '/Groups/eng'],
    ['put', '/Groups/eng'],
  ] as const)('answers %s %s with 405, Allow: GET and a SCIM error', async (method, path) => {
    const res = await request(f.t.app)[method](`${SCIM}${path}`).set('Authorization', `Bearer ${f.credentials.token}`).set('Content-Type', 'application/scim+json').send('{}');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '405' });
  });

  it.each([
    ['post', '/Users', '{not json'],
    ['put', '/Users/alice', '{not json'],
    ['patch', '/Groups/eng', ''],
    ['post', '/Organizations', '[1,'],
  ] as const)('answers %s %s with a missing or malformed body with 405, the method check first', async (method, path, body) => {
    const res = await request(f.t.app)[method](`${SCIM}${path}`).set('Authorization', `Bearer ${f.credentials.token}`).set('Content-Type', 'application/scim+json').send(body);
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '405' });
  });

  it('still answers a malformed .search body with 400 invalidSyntax', async () => {
    const res = await f.post('/Users/.search', '{not json').expect(400);
    expect(res.body).toMatchObject({ scimType: 'invalidSyntax' });
  });
});

describe('SCIM request limits', () => {
  const f = usePullFixture();

  it('returns 429 with Retry-After and a SCIM error once a source exceeds its rate, and lets it through later', async () => {
    await replaceFixture(f, () => createPullFixture({ overrides: { pullRateLimit: { requestsPerMinute: 3 } } }));
    for (let i = 0; i < 3; i += 1) await f.get('/ServiceProviderConfig').expect(200);
    const res = await f.get('/ServiceProviderConfig').expect(429);
    expect(res.headers['retry-after']).toBe('20');
    expect(res.body).toMatchObject({ schemas: [URN.error], status: '429' });
    f.clock.advance(20_000);
    await f.get('/ServiceProviderConfig').expect(200);
  });

  it('limits each source on its own', async () => {
    await replaceFixture(f, () => createPullFixture({ overrides: { pullRateLimit: { requestsPerMinute: 1 } } }));
    const other = await f.t.center.sources.create({ name: 'Other', mode: 'pull' });
    await f.t.center.sources.enable(other.source.id);
    await f.get('/Users').expect(200);
    await f.get('/Users').expect(429);
    await request(f.t.app).get(`${SCIM}/Users`).set('Authorization', `Bearer ${other.credentials!.token}`).expect(200);
  });

  describe('bodies', () => {
    it('returns 400 invalidSyntax for malformed JSON', async () => {
      const res = await f.post('/Users/.search', '{"filter": ').expect(400);
      expect(res.body).toMatchObject({ schemas: [URN.error], scimType: 'invalidSyntax' });
    });

    it('returns 400 invalidSyntax for a wrong media type', async () => {
      const res = await f.post('/Users/.search', 'filter=userName', 'application/x-www-form-urlencoded').expect(400);
      expect(res.body.scimType).toBe('invalidSyntax');
    });

    it('returns 400 invalidSyntax for a body that is not an object', async () => {
      expect((await f.post('/Users/.search', '[1,2]').expect(400)).body.scimType).toBe('invalidSyntax');
    });

    it('returns 413 with a SCIM error for a body over the limit', async () => {
      const res = await f.post('/Users/.search', { filter: `userName eq "${'x'.repeat(40_000)}"` }).expect(413);
      expect(res.body).toMatchObject({ schemas: [URN.error], status: '413' });
    });
  });

  it('answers an unexpected failure with a generic 500 SCIM error and no stack trace', async () => {
    const errors: unknown[] = [];
    const g = await createPullFixture({ overrides: { logger: { info() {}, warn() {}, error: (...args: unknown[]) => errors.push(args) } } });
    try {
      const spy = vi.spyOn(g.t.center.knex.client, 'query').mockRejectedValue(new Error('disk on fire at /secret/path.ts:12'));
      const res = await g.get('/Users');
      spy.mockRestore();
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ schemas: [URN.error], status: '500' });
      expect(JSON.stringify(res.body)).not.toMatch(/disk on fire|secret|\.ts:/);
      expect(errors).toHaveLength(1);
    } finally {
      await g.close();
    }
  });
});

describe('the pull log', () => {
  const f = usePullFixture();

  it('records one row per request with method, path, filter, result count, status and duration', async () => {
    await f.get(`/Users?filter=${encodeURIComponent('userName sw "a"')}`).expect(200);
    await f.get('/Users/nobody').expect(404);
    await f.post('/Groups/.search', { filter: 'displayName pr', count: 2 }).expect(200);
    await f.t.center.pull.flushLog();
    const { entries, total } = await f.t.center.logs.pulls(f.source.id);
    expect(total).toBe(3);
    expect(entries.map(({ method, path, filter, resultCount, status, clientId, at }) => ({ method, path, filter, resultCount, status, clientId, at }))).toEqual([
      { method: 'POST', path: '/scim/v2/Groups/.search', filter: 'displayName pr', resultCount: 2, status: 200, clientId: null, at: '2026-03-01T08:00:00.000Z' },
      { method: 'GET', path: '/scim/v2/Users/nobody', filter: null, resultCount: 0, status: 404, clientId: null, at: '2026-03-01T08:00:00.000Z' },
      { method: 'GET', path: '/scim/v2/Users', filter: 'userName sw "a"', resultCount: 1, status: 200, clientId: null, at: '2026-03-01T08:00:00.000Z' },
    ]);
    expect(entries.every((entry) => entry.durationMs >= 0)).toBe(true);
  });

  it('records the OAuth client id for requests made with an access token', async () => {
    const token = await request(f.t.app)
      .post(`${SCIM.replace('/scim/v2', '')}/oauth/token`)
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: f.credentials.clientId, client_secret: f.credentials.clientSecret });
    await request(f.t.app).get(`${SCIM}/Groups`).set('Authorization', `Bearer ${token.body.access_token}`).expect(200);
    await f.t.center.pull.flushLog();
    const { entries } = await f.t.center.logs.pulls(f.source.id);
    expect(entries[0]).toMatchObject({ clientId: f.credentials.clientId, resultCount: 4 });
  });

  it('purges rows older than logRetentionDays', async () => {
    await f.get('/Users').expect(200);
    f.clock.advanceDays(31);
    await f.get('/Users').expect(200);
    const report = await f.t.center.pull.purge();
    expect(report.logEntries).toBe(1);
    expect((await f.t.center.logs.pulls(f.source.id)).total).toBe(1);
  });
});
