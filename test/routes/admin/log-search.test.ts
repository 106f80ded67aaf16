import { beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryLogInput } from '../../../lib/runs/incremental-log.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser } from '../../support/factories.js';
import { useTestCenter } from '../../support/test-center.js';

const AT = new Date('2026-12-02T07:00:00.000Z');
const entries = (html: string) => (html.match(/class="log-entry"/g) ?? []).length;

describe('GET /sources/:id/log?q= (search the incremental sync log by object)', () => {
  const test = useTestCenter({ timezone: 'Asia/Shanghai', clock: () => AT });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app);
  });

  const pushSource = async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    // The log keeps the display name; the userName is only in the mirror.
    await test.center.changes.userUpserted(buildUser({ id: 'u-ann', userName: 'Ann.Lee@Example.com', displayName: '李安 Ann' }));
    const delivery = (overrides: Partial<DeliveryLogInput>): DeliveryLogInput => ({ sourceId: source.id, kind: 'user', objectId: 'u-x', operation: 'update', result: 'succeeded', ...overrides });
    await test.center.logs.recordDeliveries([
      delivery({ objectId: 'u-ann', objectName: '李安 Ann', operation: 'create' }),
      delivery({ objectId: 'u-ann', objectName: '李安 Ann', result: 'failed', error: 'invalid value for emails' }),
      delivery({ objectId: 'u-bob', objectName: 'Bob Müller' }),
      delivery({ kind: 'org', objectId: 'o-sales', objectName: 'Sales_EMEA', operation: 'create' }),
      delivery({ kind: 'org', objectId: 'o-salesx', objectName: 'SalesXEMEA' }),
    ]);
    return source;
  };

  it('finds an object by a part of its name, ignoring case (also beyond ASCII), and takes LIKE wildcards literally', async () => {
    const source = await pushSource();
    expect(entries((await client.get(`/sources/${source.id}/log?q=ann`)).text)).toBe(2);
    expect(entries((await client.get(`/sources/${source.id}/log?q=${encodeURIComponent('MÜLLER')}`)).text)).toBe(1);
    expect(entries((await client.get(`/sources/${source.id}/log?q=${encodeURIComponent('李安')}`)).text)).toBe(2);
    const underscore = await client.get(`/sources/${source.id}/log?q=${encodeURIComponent('sales_')}`);
    expect(entries(underscore.text)).toBe(1);
    expect(underscore.text).toContain('Sales_EMEA');
    expect(entries((await client.get(`/sources/${source.id}/log?q=${encodeURIComponent('%')}`)).text)).toBe(0);
  });

  it('finds a user by userName (case-insensitive, through the mirror) and any object by its exact id', async () => {
    const source = await pushSource();
    const byUserName = await client.get(`/sources/${source.id}/log?q=${encodeURIComponent('ann.lee@example.COM')}`);
    expect(entries(byUserName.text)).toBe(2);
    expect(entries((await client.get(`/sources/${source.id}/log?q=o-sales`)).text)).toBe(1);
    // An id is matched whole, never as a part.
    expect(entries((await client.get(`/sources/${source.id}/log?q=u-bo`)).text)).toBe(0);
  });

  it('combines the search with the other filters and keeps them in the form, the pager and the export links (en)', async () => {
    const source = await pushSource();
    const res = await client.get(`/sources/${source.id}/log?q=ann&result=failed`).set('accept-language', 'en');
    expect(entries(res.text)).toBe(1);
    expect(res.text).toContain('invalid value for emails');
    expect(res.text).toContain('<label for="filter-q">Object <span class="muted label-hint">Name, userName or ID</span></label>');
    expect(res.text).toContain('value="ann"');
    expect(res.text).toContain(`/sources/${source.id}/log.csv?q=ann&amp;result=failed`);
    expect(res.text).toContain(`/sources/${source.id}/log.json?q=ann&amp;result=failed`);
    expect(res.text).toContain('Times are in Asia/Shanghai.');
    // Every time names its zone.
    expect(res.text).toContain('<time datetime="2026-12-02T07:00:00.000Z">Dec 2, 2026, 03:00:00 PM GMT+8</time>');
    const none = await client.get(`/sources/${source.id}/log?q=nobody`).set('accept-language', 'en');
    expect(none.text).toContain('No entries match these filters.');
  });

  it('says the same in Chinese', async () => {
    const source = await pushSource();
    const res = await client.get(`/sources/${source.id}/log?q=ANN`).set('accept-language', 'zh-CN');
    expect(entries(res.text)).toBe(2);
    expect(res.text).toContain('名称、用户名或 ID');
    expect(res.text).toContain('导出 CSV');
    expect(res.text).toContain('时间均为 Asia/Shanghai 时区。');
    expect(res.text).toContain('2026年12月2日 GMT+8 15:00:00');
    const none = await client.get(`/sources/${source.id}/log?q=nobody`).set('accept-language', 'zh-CN');
    expect(none.text).toContain('没有符合筛选条件的记录。');
  });

  it('pages the search results, each page link keeping the search', async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    await test.center.logs.recordDeliveries(
      Array.from({ length: 40 }, (_, index) => ({ sourceId: source.id, kind: 'user' as const, objectId: `u${index}`, objectName: index % 4 === 0 ? `Zed ${index}` : `Other ${index}`, operation: 'update', result: 'succeeded' })),
    );
    const first = await client.get(`/sources/${source.id}/log?q=zed`).set('accept-language', 'en');
    expect(entries(first.text)).toBe(10);
    expect(first.text).toContain('Page 1 of 1 · 10 entries');
    const all = await client.get(`/sources/${source.id}/log?q=e`).set('accept-language', 'en');
    expect(all.text).toContain('Page 1 of 2 · 40 entries');
    expect(all.text).toContain(`/sources/${source.id}/log?q=e&amp;page=2`);
  });

  it("searches a pull source's requests by path, filter or client id", async () => {
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await test.center.logs.recordPulls([
      { sourceId: source.id, clientId: 'wiki-client', method: 'GET', path: '/scim/v2/Users?filter=userName%20eq%20%22ann%22', filter: 'userName eq "Ann.Lee@example.com"', status: 200, resultCount: 1, durationMs: 4 },
      { sourceId: source.id, clientId: 'other', method: 'GET', path: '/scim/v2/Groups', status: 200, resultCount: 3, durationMs: 4 },
      { sourceId: source.id, clientId: 'other', method: 'GET', path: '/scim/v2/Users/u-bob', status: 404, durationMs: 2 },
    ]);
    expect(entries((await client.get(`/sources/${source.id}/log?q=${encodeURIComponent('ANN.LEE')}`)).text)).toBe(1);
    expect(entries((await client.get(`/sources/${source.id}/log?q=groups`)).text)).toBe(1);
    expect(entries((await client.get(`/sources/${source.id}/log?q=wiki-client`)).text)).toBe(1);
    expect(entries((await client.get(`/sources/${source.id}/log?q=u-bob&result=error`)).text)).toBe(1);
    const en = await client.get(`/sources/${source.id}/log`).set('accept-language', 'en');
    expect(en.text).toContain('Path, filter or client ID');
    const zh = await client.get(`/sources/${source.id}/log`).set('accept-language', 'zh-CN');
    expect(zh.text).toContain('路径、过滤条件或客户端 ID');
  });
});
