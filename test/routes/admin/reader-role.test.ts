import type express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent, csrfTokenOf, encodeForm } from '../../support/admin-agent.js';
import { consoleRoutes } from '../../support/console-routes.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';
import { startWizard } from '../../support/wizard-driver.js';

const READER_HEADER = 'x-test-reader';

/** A reader's browser: the reader header, our cookies, and the CSRF token of a page it was shown. */
function readerAgent(app: express.Express, name = 'rita') {
  const agent = request.agent(app);
  const get = (path: string) => agent.get(`${MOUNT}${path}`).set(READER_HEADER, name).set('accept-language', 'en');
  const send = async (method: string, path: string, form: Record<string, string> = {}) => {
    const _csrf = csrfTokenOf((await get('/')).text);
    const pending = agent[method.toLowerCase() as 'post'](`${MOUNT}${path}`).set(READER_HEADER, name).set('accept-language', 'en');
    return pending.type('form').send(encodeForm({ _csrf, ...form }));
  };
  return { get, send };
}

describe('the reader role (admin.canView)', () => {
  const server = useFakeDownstream();
  const test = useTestCenter(() => ({
    push: FAST_PUSH,
    admin: {
      isAdmin: (req) => Boolean((req as express.Request).get(ADMIN_HEADER)),
      canView: (req) => Boolean((req as express.Request).get(READER_HEADER)),
      actor: (req) => String((req as express.Request).get(ADMIN_HEADER) ?? (req as express.Request).get(READER_HEADER)),
      loginUrl: '/login',
    },
  }));

  /** A push source with links and a run, a pull source, and a wizard draft of an admin's. */
  let fixture: { push: string; pull: string; runId: number; localId: string; draft: string; resultId: string };
  beforeEach(async () => {
    await test.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'o-sales', name: 'Sales' }) },
      { type: 'userUpserted', user: buildUser({ id: 'u1', userName: 'ada@example.com', orgIds: ['o-sales'] }) },
    ]);
    const push = await createPushSource(test.center, server);
    const run = await test.center.runs.start(push.id);
    await test.center.runs.settled(run.id);
    const { source: pull } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    const wizard = await startWizard(adminAgent(test.app, 'alice'), { name: 'Draft' });
    const provisioned = await test.center.push.provisionNow(push.id, 'u1', { actor: 'alice' });
    fixture = { push: push.id, pull: pull.id, runId: run.id, localId: 'u1', draft: wizard.id, resultId: provisioned.id };
  });

  /** A route's path with its parameters filled from the fixture (for the push source, or `sourceId`). */
  const fill = (path: string, sourceId = fixture.push) =>
    path
      .replace(':id', sourceId)
      .replace(':runId', String(fixture.runId))
      .replace(':kind', 'user')
      .replace(':localId', fixture.localId)
      .replace(':action', 'unlink')
      .replace(':format', 'csv')
      .replace(':draft', fixture.draft)
      .replace(':step', 'basics')
      .replace(':resultId', fixture.resultId);

  it('sees every page, of both modes, with no form that changes anything', async () => {
    const reader = readerAgent(test.app);
    const pages = consoleRoutes(test.center.router).filter((route) => route.method === 'GET');
    expect(pages.length).toBeGreaterThan(10);
    for (const route of pages) {
      for (const sourceId of route.path.includes(':id') ? [fixture.push, fixture.pull] : [fixture.push]) {
        const path = fill(route.path, sourceId);
        // The links, mappings, on-demand and held-deletions pages exist for push sources only; the run is the push source's.
        if (sourceId === fixture.pull && (route.path.includes('/links') || route.path.includes('/deletions') || route.path.includes('/mappings') || route.path.includes('/on-demand') || route.path.includes(':runId'))) continue;
        const res = await reader.get(path);
        if (route.handlers.includes('forAdmins')) {
          // Pages that are only a form (the wizard, edit, delete, unlink): the reader is told why not.
          expect(res.status, path).toBe(403);
          expect(res.text, path).toContain('Read-only access');
          continue;
        }
        expect(res.status, path).toBe(200);
        if (!res.type.includes('html')) continue;
        const posts = [...res.text.matchAll(/<form[^>]*method="post"[^>]*action="([^"]+)"/g)].map((match) => match[1]);
        expect(posts.filter((action) => action !== `${MOUNT}/locale`), path).toEqual([]);
        expect(res.text, path).not.toMatch(/href="[^"]*\/(new|edit|delete)"/);
      }
    }
  });

  it('is refused every request that could change something, by the server, with a clear page', async () => {
    const reader = readerAgent(test.app);
    const writes = consoleRoutes(test.center.router).filter((route) => !['GET', 'HEAD'].includes(route.method) && route.path !== '/locale');
    expect(writes.length).toBeGreaterThan(15);
    const before = { audit: (await test.center.audit.list()).length, sources: await test.center.sources.list() };
    for (const route of writes) {
      const path = fill(route.path);
      const res = await reader.send(route.method, path, { name: 'Changed', enableNow: '1', remoteId: 'r-1', go: 'next' });
      expect(res.status, `${route.method} ${path}`).toBe(403);
      expect(res.text, path).toContain('You can view the sync center but not change it.');
    }
    expect((await test.center.audit.list()).length).toBe(before.audit);
    expect(await test.center.sources.list()).toEqual(before.sources);
  });

  it('may switch the language, which changes only their own cookie', async () => {
    const reader = readerAgent(test.app);
    const res = await reader.send('POST', '/locale', { lang: 'zh-CN', returnTo: `${MOUNT}/audit` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${MOUNT}/audit`);
  });

  it('reads the audit log, filtered by actor, action and source, and exports it', async () => {
    const reader = readerAgent(test.app);
    const page = await reader.get(`/audit?actor=alice&source=${fixture.pull}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Created the source');
    const csv = await reader.get(`/audit.csv?action=source.create`);
    expect(csv.status).toBe(200);
    expect(csv.text.split('\n')[0]).toContain('actor');
    expect(csv.text).toContain('source.create');
    expect(csv.text).not.toContain('source.enable');
  });

  it('shows the reader their name and a read-only mark; admins see neither the mark nor a login redirect', async () => {
    const reader = await readerAgent(test.app).get('/');
    expect(reader.text).toContain('<span class="account-name"');
    expect(reader.text).toContain('rita');
    expect(reader.text).toContain('Read only');
    expect(reader.text).toContain(`<a class="link-button" href="${MOUNT}/sources/${fixture.push}">View</a>`);
    const admin = await adminAgent(test.app, 'alice').get('/').set('accept-language', 'en');
    expect(admin.text).not.toContain('Read only');
    expect(admin.text).toContain(`href="${MOUNT}/new"`);
    // The same pattern that finds no form on a reader's page finds the admin's.
    expect(admin.text).toMatch(/<form[^>]*method="post"[^>]*action="[^"]*\/disable"/);
    const nobody = await request(test.app).get(`${MOUNT}/`);
    expect(nobody.status).toBe(303);
    expect(nobody.headers.location).toBe(`/login?returnTo=${encodeURIComponent(`${MOUNT}/`)}`);
  });
});
