import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { adminAgent, encodeForm } from '../../support/admin-agent.js';
import { ADMIN_HEADER, createTestCenter, MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console security', () => {
  const test = useTestCenter();

  const createPull = async (name = 'Wiki') => (await test.center.sources.create({ name, mode: 'pull' })).source;

  describe('authorization', () => {
    it('sends a non-admin GET to the host login with a way back', async () => {
      const res = await request(test.app).get(`${MOUNT}/new?x=1`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/login?returnTo=${encodeURIComponent(`${MOUNT}/new?x=1`)}`);
    });

    it('refuses a non-admin POST with 403 and changes nothing', async () => {
      const source = await createPull();
      const res = await request(test.app).post(`${MOUNT}/sources/${source.id}/enable`).type('form').send('');
      expect(res.status).toBe(403);
      expect((await test.center.sources.get(source.id)).enabled).toBe(false);
    });

    it('shows a 403 page to non-admins when the host has no login page', async () => {
      const noLogin = await createTestCenter({ admin: { isAdmin: () => false } });
      try {
        const res = await request(noLogin.app).get(`${MOUNT}/`).set('accept-language', 'en');
        expect(res.status).toBe(403);
        expect(res.text).toContain('Only administrators can use the sync center.');
      } finally {
        await noLogin.close();
      }
    });

    it('asks the host hook on every page, the progress endpoint included', async () => {
      const source = await createPull();
      for (const path of ['/', `/sources/${source.id}`, `/sources/${source.id}/log`, `/sources/${source.id}/sync`, `/sources/${source.id}/runs/1/progress`]) {
        const res = await request(test.app).get(`${MOUNT}${path}`);
        expect(res.status, path).toBe(303);
      }
    });
  });

  describe('unreadable forms', () => {
    it('answers an unknown charset or Content-Encoding with its 4xx page, logging neither an error nor the body', async () => {
      const logged: unknown[][] = [];
      const record = (...args: unknown[]) => void logged.push(args);
      const quiet = await createTestCenter({ logger: { info: record, warn: record, error: record } });
      try {
        const { agent, csrf } = adminAgent(quiet.app);
        const form = `_csrf=${await csrf()}&name=Wiki&token=SECRET-IN-FORM`;
        const charset = await agent.post(`${MOUNT}/new`).set(ADMIN_HEADER, 'alice').set('accept-language', 'en').set('content-type', 'application/x-www-form-urlencoded; charset=koi8-r').send(form);
        expect(charset.status).toBe(415);
        expect(charset.text).toContain('The form could not be read');
        const encoding = await agent.post(`${MOUNT}/new`).set(ADMIN_HEADER, 'alice').set('content-type', 'application/x-www-form-urlencoded').set('content-encoding', 'br2').send(form);
        expect(encoding.status).toBe(415);
        expect(logged).toEqual([]);
        expect(await quiet.center.sources.list()).toEqual([]);
      } finally {
        await quiet.close();
      }
    });
  });

  describe('CSRF', () => {
    it('refuses a POST without a token with 403 and changes nothing', async () => {
      const source = await createPull();
      const { agent } = adminAgent(test.app);
      await agent.get(`${MOUNT}/`).set(ADMIN_HEADER, 'alice');
      const res = await agent.post(`${MOUNT}/sources/${source.id}/enable`).set(ADMIN_HEADER, 'alice').type('form').send('');
      expect(res.status).toBe(403);
      expect(res.text).not.toMatch(/at .*\.ts:\d+/);
      expect((await test.center.sources.get(source.id)).enabled).toBe(false);
    });

    it('refuses a wrong token with 403 and changes nothing', async () => {
      const source = await createPull();
      const { agent, csrf } = adminAgent(test.app);
      const token = await csrf();
      const forged = `${token.slice(0, -4)}beef`;
      const res = await agent.post(`${MOUNT}/sources/${source.id}/delete`).set(ADMIN_HEADER, 'alice').type('form').send(encodeForm({ _csrf: forged }));
      expect(res.status).toBe(403);
      expect(await test.center.sources.find(source.id)).toBeDefined();
    });

    it("refuses one admin's token in another admin's request", async () => {
      const source = await createPull();
      const { agent, csrf } = adminAgent(test.app, 'alice');
      const token = await csrf();
      const res = await agent.post(`${MOUNT}/sources/${source.id}/enable`).set(ADMIN_HEADER, 'mallory').type('form').send(encodeForm({ _csrf: token }));
      expect(res.status).toBe(403);
      expect((await test.center.sources.get(source.id)).enabled).toBe(false);
    });

    it('refuses a token without its cookie', async () => {
      const source = await createPull();
      const { csrf } = adminAgent(test.app);
      const token = await csrf();
      const res = await request(test.app).post(`${MOUNT}/sources/${source.id}/enable`).set(ADMIN_HEADER, 'alice').type('form').send(encodeForm({ _csrf: token }));
      expect(res.status).toBe(403);
    });

    it('accepts the token of the page and scopes the cookie to the mount path', async () => {
      const source = await createPull();
      const client = adminAgent(test.app);
      const page = await client.get('/');
      expect((page.headers['set-cookie'] as unknown as string[] | undefined)?.join(';')).toMatch(new RegExp(`ssc_csrf=[^;]+; Path=${MOUNT}; HttpOnly; SameSite=Strict`));
      const res = await client.post(`/sources/${source.id}/enable`, {});
      expect(res.status).toBe(303);
      expect((await test.center.sources.get(source.id)).enabled).toBe(true);
    });
  });

  describe('pages', () => {
    it('send a strict Content-Security-Policy and no-store', async () => {
      const res = await adminAgent(test.app).get('/');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('have no inline script or style, and every link starts at the mount point', async () => {
      const source = await createPull();
      const client = adminAgent(test.app);
      for (const path of ['/', '/new', `/sources/${source.id}`, `/sources/${source.id}/log`, `/sources/${source.id}/sync`, `/sources/${source.id}/edit`]) {
        const html = (await client.get(path)).text;
        expect(html, path).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i);
        for (const [, url] of html.matchAll(/(?:href|action|src)="([^"#]+)"/g)) expect(url!.startsWith(MOUNT), `${path}: ${url}`).toBe(true);
      }
    });

    it('escape data from the database', async () => {
      await test.center.sources.create({ name: '<img src=x onerror=alert(1)>', description: '"><script>alert(2)</script>', mode: 'pull' });
      const html = (await adminAgent(test.app).get('/')).text;
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<script>alert(2)');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    });

    it('answer an unknown source with a 404 page and no stack trace', async () => {
      const res = await adminAgent(test.app).get('/sources/nope');
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('NotFoundError');
      expect(res.text).not.toMatch(/\.ts:\d+/);
    });

    it('serve the stylesheet and script from the mount point', async () => {
      const css = await request(test.app).get(`${MOUNT}/assets/console.css`);
      const js = await request(test.app).get(`${MOUNT}/assets/console.js`);
      expect(css.status).toBe(200);
      expect(js.status).toBe(200);
    });

    it('do not need the host to parse bodies or cookies', async () => {
      // test.app mounts only the center: no express.urlencoded, no cookie-parser on the host.
      const client = adminAgent(test.app);
      const res = await client.post('/new', { protocol: 'scim', go: 'next' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/\/new\/[0-9a-f]+\/basics$/);
    });
  });
});
