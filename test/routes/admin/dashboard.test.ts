import { beforeEach, describe, expect, it } from 'vitest';
import { TABLES } from '../../../lib/persistence/tables.js';
import { adminAgent } from '../../support/admin-agent.js';
import { createRun } from '../../support/factories.js';
import { MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console: the sources dashboard and live progress', () => {
  const test = useTestCenter();
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  const page = (path: string, lang = 'en') => client.get(path).set('accept-language', lang);
  const rowsOf = (html: string) => [...html.matchAll(/<tr data-source="([^"]+)" data-state="([^"]+)"/g)].map(([, name, state]) => `${name}:${state}`);
  const push = { userUrl: 'https://crm.example.com/scim/v2/Users', token: 'a-token' };

  const seed = async () => {
    const crm = (await test.center.sources.create({ name: 'CRM', description: 'Customer relations', mode: 'push', push })).source;
    await test.center.sources.enable(crm.id);
    const hr = (await test.center.sources.create({ name: 'HR suite', mode: 'push', push })).source;
    await test.center.sources.enable(hr.id);
    await test.knex(TABLES.sources).where({ id: hr.id }).update({ quarantined_at: new Date().toISOString(), quarantine_reason: 'HTTP 401' });
    const wiki = (await test.center.sources.create({ name: 'Wiki', description: 'Team pages for customers', mode: 'pull' })).source;
    return { crm, hr, wiki };
  };

  describe('GET /', () => {
    it('lists every source with its state, and narrows the list by text, mode and state', async () => {
      await seed();
      expect(rowsOf((await page('/')).text)).toEqual(['CRM:attention', 'HR suite:quarantined', 'Wiki:disabled']);
      // The text matches names and descriptions, ignoring case.
      expect(rowsOf((await page('/?q=CUSTOMER')).text)).toEqual(['CRM:attention', 'Wiki:disabled']);
      expect(rowsOf((await page('/?q=customer&mode=pull')).text)).toEqual(['Wiki:disabled']);
      expect(rowsOf((await page('/?state=quarantined')).text)).toEqual(['HR suite:quarantined']);
      expect(rowsOf((await page('/?state=attention&mode=push')).text)).toEqual(['CRM:attention']);
    });

    it('keeps the filters in the form, says when nothing matches, and ignores values it does not know', async () => {
      await seed();
      const none = await page('/?q=nothing%20here&mode=push&state=healthy');
      expect(none.status).toBe(200);
      expect(rowsOf(none.text)).toEqual([]);
      expect(none.text).toContain('No source matches these filters.');
      expect(none.text).toContain('value="nothing here"');
      expect(none.text).toMatch(/<option value="push" selected>/);
      expect(none.text).toMatch(/<option value="healthy" selected>/);
      expect(none.text).toContain(`href="${MOUNT}/">Reset</a>`);
      expect(none.text).not.toContain('No downstream sync yet');
      expect(rowsOf((await page('/?mode=ftp&state=bogus')).text)).toHaveLength(3);
    });

    it('shows the columns of the health table in Chinese', async () => {
      await seed();
      const res = await page('/', 'zh-CN');
      for (const label of ['全量同步', '增量同步', '已关联', '失败（24 小时）', '需要关注', '已隔离', '从未同步']) expect(res.text).toContain(label);
    });
  });

  describe('GET /sources/:id', () => {
    it('has a health card with the 7-day chart as accessible inline SVG and its numbers as a table', async () => {
      const { crm } = await seed();
      const hour = new Date().toISOString().slice(0, 13);
      await test.knex(TABLES.sourceHours).insert({ source_id: crm.id, hour, delivered: 40, failed: 2, last_delivered_at: new Date().toISOString() });
      for (const [lang, title, desc] of [
        ['en', 'Last 7 days', 'Incremental deliveries and failed attempts per hour'],
        ['zh-CN', '最近 7 天', '最近 7 天每小时的增量推送数与失败尝试数'],
      ] as const) {
        const res = await page(`/sources/${crm.id}`, lang);
        expect(res.text).toContain('<section class="card health-card"');
        expect(res.text).toMatch(/<svg [^>]*role="img" aria-labelledby="history-svg-title history-svg-desc"/);
        expect(res.text).toContain(`<title id="history-svg-title">${title}</title>`);
        expect(res.text).toContain(desc);
        expect(res.text.match(/class="bar-delivered"/g)).toHaveLength(1);
        expect(res.text.match(/class="bar-failed"/g)).toHaveLength(1);
        expect(res.text).toContain('<details>');
      }
    });
  });

  describe('live progress', () => {
    it('shows phase and percentage of an active run, refreshes without JavaScript, and answers the same as JSON', async () => {
      const { crm } = await seed();
      const run = await createRun(test.knex, { sourceId: crm.id, status: 'running', at: new Date(), checkpoint: { phase: 'users', startSeq: 0 } });
      await test.knex(TABLES.runs).where({ id: run.id }).update({ total: 200, processed: 50 });

      const sync = await page(`/sources/${crm.id}/sync`);
      expect(sync.text).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');
      expect(sync.text).toContain(`data-progress-url="${MOUNT}/sources/${crm.id}/runs/${run.id}/progress"`);
      expect(sync.text).toContain('<dd data-text="phase">Users</dd>');
      expect(sync.text).toContain('<span class="percent" data-text="percent">25%</span>');

      const json = await page(`/sources/${crm.id}/runs/${run.id}/progress`, 'zh-CN');
      expect(json.headers['cache-control']).toBe('no-store');
      expect(json.body).toMatchObject({ id: run.id, active: true, phase: 'users', percent: 25, processed: 50, total: 200, text: { phase: '用户', percent: '25%', of: '50 / 200' } });

      // Finished: no panel, no refresh.
      await test.knex(TABLES.runs).where({ id: run.id }).update({ status: 'succeeded', finished_at: new Date().toISOString(), processed: 200 });
      const done = await page(`/sources/${crm.id}/sync`);
      expect(done.text).not.toContain('http-equiv="refresh"');
      expect(done.text).not.toContain('data-live-progress');
    });

    it('leaves a run that waits for an admin without the panel or a refresh', async () => {
      const { crm } = await seed();
      await createRun(test.knex, { sourceId: crm.id, status: 'paused', at: new Date() });
      const sync = await page(`/sources/${crm.id}/sync`);
      expect(sync.text).toContain('data-paused-run');
      expect(sync.text).not.toContain('http-equiv="refresh"');
      expect(sync.text).not.toContain('data-live-progress');
    });
  });
});
