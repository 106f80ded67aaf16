import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { createTestCenter, type TestCenter } from '../../support/test-center.js';

describe('GET /audit (audit log)', () => {
  let test: TestCenter;
  let client: ReturnType<typeof adminAgent>;

  beforeEach(async () => {
    test = await createTestCenter({ timezone: 'UTC' });
    client = adminAgent(test.app);
  });

  afterEach(async () => {
    await test.close();
  });

  const rows = (html: string) => (html.match(/<tr>\s*<td data-label/g) ?? []).length;

  /** Two sources by two actors: four entries (create, create, enable, update). */
  const seed = async () => {
    const { source: wiki } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' }, { actor: 'alice' });
    const { source: crm } = await test.center.sources.create({ name: 'CRM', mode: 'pull' }, { actor: 'bob' });
    await test.center.sources.enable(wiki.id, { actor: 'alice' });
    await test.center.sources.update(crm.id, { description: 'Customers' }, { actor: 'bob' });
    return { wiki, crm };
  };

  it('lists what admins and the API did, newest first, with translated actions and source links', async () => {
    const { wiki } = await seed();
    const res = await client.get('/audit').set('accept-language', 'en');
    expect(res.status).toBe(200);
    expect(rows(res.text)).toBe(4);
    const table = res.text.slice(res.text.indexOf('<tbody>'));
    expect(table.indexOf('Edited the source')).toBeLessThan(table.indexOf('Enabled the source'));
    expect(res.text).toContain(`/sources/${wiki.id}"`);
    const zh = await client.get('/audit').set('accept-language', 'zh-CN');
    expect(zh.text).toContain('审计日志');
    expect(zh.text).toContain('启用数据源');
  });

  it('filters by actor, action and source, keeping the filters in the form and the export links', async () => {
    const { wiki } = await seed();
    expect(rows((await client.get('/audit?actor=bob')).text)).toBe(2);
    expect(rows((await client.get('/audit?action=source.create')).text)).toBe(2);
    const bySource = await client.get(`/audit?source=${wiki.id}&actor=alice`);
    expect(rows(bySource.text)).toBe(2);
    expect(bySource.text).toContain('value="alice"');
    expect(bySource.text).toContain(`/audit.csv?actor=alice&amp;source=${wiki.id}`);
    const none = await client.get('/audit?actor=nobody').set('accept-language', 'en');
    expect(none.text).toContain('No entries match these filters.');
  });

  it('exports the filtered log as CSV (formula cells defused) and as JSON', async () => {
    const { crm } = await seed();
    const csv = await client.get('/audit.csv?actor=bob');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="audit-log.csv"');
    const lines = csv.text.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('at,atLocal,actor,action,sourceId,detail');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',bob,source.update,');
    const json = await client.get(`/audit.json?source=${crm.id}`);
    const entries = JSON.parse(json.text) as Array<Record<string, unknown>>;
    expect(entries.map((entry) => entry.action)).toEqual(['source.update', 'source.create']);
    expect(JSON.parse(String(entries[0]!.detail))).toEqual({ changed: ['description'] });
  });

  it('defuses cells a spreadsheet would run as a formula', async () => {
    await test.center.sources.create({ name: 'Evil', mode: 'pull' }, { actor: '=HYPERLINK("http://evil.example")' });
    const csv = await client.get('/audit.csv');
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('streams an export longer than one read page', async () => {
    const { source } = await test.center.sources.create({ name: 'Big', mode: 'pull' });
    for (let index = 0; index < 550; index += 1) {
      await test.center.sources.enable(source.id, { actor: 'even' });
      await test.center.sources.disable(source.id, { actor: 'odd' });
    }
    const json = await client.get('/audit.json');
    expect((JSON.parse(json.text) as unknown[]).length).toBe(1_101);
  });
});
