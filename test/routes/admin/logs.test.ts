import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { useTestCenter } from '../../support/test-center.js';

describe('GET /sources/:id/log (incremental sync log)', () => {
  const test = useTestCenter({ timezone: 'UTC' });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app);
  });

  const entries = (html: string) => (html.match(/class="log-entry"/g) ?? []).length;

  it('shows an honest empty state when the engine has written nothing', async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    const res = await client.get(`/sources/${source.id}/log`).set('accept-language', 'en');
    expect(res.text).toContain('No deliveries yet.');
    expect(entries(res.text)).toBe(0);
  });

  it("lists a push source's deliveries newest first, filtered by result and object type, with details", async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    await test.center.logs.recordDeliveries([
      { sourceId: source.id, kind: 'org', objectId: 'o1', objectName: 'Sales', operation: 'create', result: 'succeeded', httpStatus: 201, durationMs: 20 },
      { sourceId: source.id, kind: 'user', objectId: 'u1', objectName: 'ann@example.com', operation: 'update', result: 'failed', httpStatus: 400, error: 'invalid value for emails', durationMs: 35, attempt: 3 },
    ]);
    const all = await client.get(`/sources/${source.id}/log`).set('accept-language', 'en');
    expect(entries(all.text)).toBe(2);
    expect(all.text.indexOf('ann@example.com')).toBeLessThan(all.text.indexOf('Sales'));
    expect(all.text).toContain('invalid value for emails');
    const failed = await client.get(`/sources/${source.id}/log?result=failed`);
    expect(entries(failed.text)).toBe(1);
    const orgs = await client.get(`/sources/${source.id}/log?kind=org`);
    expect(entries(orgs.text)).toBe(1);
    expect(orgs.text).toContain('Sales');
    const future = await client.get(`/sources/${source.id}/log?from=2999-01-01T00:00`).set('accept-language', 'en');
    expect(entries(future.text)).toBe(0);
    expect(future.text).toContain('No entries match these filters.');
    expect(future.text).toContain('value="2999-01-01T00:00"');
  });

  it("lists a pull source's SCIM requests, filtered by ok/error, and pages them", async () => {
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    for (let index = 0; index < 30; index += 1) {
      await test.center.logs.recordPull({ sourceId: source.id, method: 'GET', path: `/scim/v2/Users?page=${index}`, status: index === 0 ? 401 : 200, resultCount: 1, durationMs: 5 });
    }
    const first = await client.get(`/sources/${source.id}/log`).set('accept-language', 'en');
    expect(entries(first.text)).toBe(25);
    expect(first.text).toContain('Page 1 of 2 · 30 entries');
    const second = await client.get(`/sources/${source.id}/log?page=2`);
    expect(entries(second.text)).toBe(5);
    const errors = await client.get(`/sources/${source.id}/log?result=error`);
    expect(entries(errors.text)).toBe(1);
    expect(errors.text).toContain('401');
  });
});
