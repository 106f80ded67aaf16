import { beforeEach, describe, expect, it } from 'vitest';
import { RunStore, type RunItemInput } from '../../../lib/runs/run-store.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser, createRun } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

const AT = '2026-12-02T07:00:00.000Z';
const entries = (html: string) => (html.match(/class="log-entry"/g) ?? []).length;
const objectIdsOf = (html: string) => [...html.matchAll(/<dd>[^<]*<code>([^<]+)<\/code><\/dd>/g)].map((match) => match[1]);

describe("GET /sources/:id/runs/:runId (a run's per-object log)", () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH, timezone: 'Asia/Shanghai' });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app);
  });

  const en = (path: string) => client.get(path).set('accept-language', 'en');
  const zh = (path: string) => client.get(path).set('accept-language', 'zh-CN');

  it('a dry run shows its differences, says how many unchanged objects it hides, and shows them on request', async () => {
    const people = Array.from({ length: 30 }, (_, index) => buildUser({ id: `u${index}`, userName: `user${index}@example.com`, displayName: `User ${index}` }));
    await test.center.changes.apply(people.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(test.center, server);
    await test.center.runs.settled((await test.center.runs.start(source.id)).id);
    await test.center.changes.apply([
      { type: 'userUpserted', user: { ...people[3]!, displayName: 'Ada Lovelace' } },
      { type: 'userUpserted', user: buildUser({ id: 'u-new', userName: 'new@example.com', displayName: 'Newcomer' }) },
    ]);
    const run = (await test.center.runs.settled((await test.center.runs.start(source.id, { dryRun: true })).id))!;
    const unchanged = run.skipped;
    expect(unchanged).toBeGreaterThanOrEqual(29);

    const url = `/sources/${source.id}/runs/${run.id}`;
    const page = await en(url);
    expect(entries(page.text)).toBe(2);
    expect(page.text).toContain('Ada Lovelace');
    expect(page.text).toContain('Newcomer');
    expect(page.text).toContain(`${unchanged} unchanged objects are hidden.`);
    expect(page.text).toContain(`href="/tenant-a/sync${url}?unchanged=1">Show them</a>`);
    expect(page.text).toContain('name="unchanged" value="1" >');
    const shown = await en(`${url}?unchanged=1`);
    expect(shown.text).toContain(`Page 1 of ${Math.ceil((unchanged + 2) / 25)} · ${unchanged + 2} entries`);
    expect(shown.text).not.toContain('unchanged objects are hidden');
    expect(shown.text).toContain('name="unchanged" value="1" checked>');
    // Choosing the Skipped result asks for the unchanged objects too.
    expect(entries((await en(`${url}?result=skipped`)).text)).toBe(Math.min(25, unchanged));
    // The search narrows the count of the hidden ones as well.
    expect((await en(`${url}?q=user%201`)).text).toContain('11 unchanged objects are hidden.');
    expect((await zh(url)).text).toContain(`已隐藏 ${unchanged} 个未变化的对象。`);
    // The export is the list shown: differences only, unless asked for the unchanged too.
    expect(JSON.parse((await en(`/sources/${source.id}/runs/${run.id}/items.json`)).text)).toHaveLength(2);
    expect(JSON.parse((await en(`/sources/${source.id}/runs/${run.id}/items.json?unchanged=1`)).text)).toHaveLength(unchanged + 2);
  });

  /** A finished manual run with items written by the RunStore, as the engine writes them. */
  const seededRun = async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    await test.center.changes.userUpserted(buildUser({ id: 'u-ann', userName: 'Ann.Lee@Example.com', displayName: '李安' }));
    const run = await createRun(test.knex, { sourceId: source.id, status: 'succeeded', at: AT });
    const item = (overrides: Partial<RunItemInput>): RunItemInput => ({ kind: 'user', objectId: 'u-x', operation: 'update', result: 'succeeded', ...overrides });
    await new RunStore(test.knex, () => new Date(AT)).addItems(run.id, [
      item({ objectId: 'u-ann', objectName: '李安', result: 'failed', httpStatus: 400, error: '@bad value' }),
      item({ objectId: 'u-bob', objectName: 'Bob Stone', operation: 'create' }),
      item({ kind: 'org', objectId: 'o-1', objectName: 'Stone Age Dept' }),
      item({ objectId: 'u-cy', objectName: 'Cy', operation: 'skip', result: 'skipped' }),
    ]);
    return { source, run };
  };

  it('searches by name, userName and id, with the result and object type filters, in both languages', async () => {
    const { source, run } = await seededRun();
    const url = `/sources/${source.id}/runs/${run.id}`;
    // Not a dry run: unchanged objects are listed.
    expect(entries((await en(url)).text)).toBe(4);
    expect(objectIdsOf((await en(`${url}?q=STONE`)).text)).toEqual(['u-bob', 'o-1']);
    expect(objectIdsOf((await en(`${url}?q=stone&kind=org`)).text)).toEqual(['o-1']);
    expect(objectIdsOf((await en(`${url}?q=ann.lee%40example.com`)).text)).toEqual(['u-ann']);
    expect(objectIdsOf((await en(`${url}?q=u-cy`)).text)).toEqual(['u-cy']);
    const page = await en(`${url}?q=stone&result=succeeded`);
    expect(page.text).toContain('value="stone"');
    expect(page.text).toContain(`${url}/items.csv?q=stone&amp;result=succeeded`);
    expect(page.text).toContain('Times are in Asia/Shanghai.');
    expect(page.text).not.toContain('name="unchanged"');
    expect((await en(`${url}?q=nobody`)).text).toContain('No entries match these filters.');
    const chinese = await zh(`${url}?q=${encodeURIComponent('李')}`);
    expect(objectIdsOf(chinese.text)).toEqual(['u-ann']);
    expect(chinese.text).toContain('名称、用户名或 ID');
    expect(chinese.text).toContain('2026年12月2日 GMT+8 15:00:00');
    expect((await zh(`${url}?q=nobody`)).text).toContain('没有符合筛选条件的记录。');
  });

  it("exports the run's filtered items as CSV and JSON, formulas defused", async () => {
    const { source, run } = await seededRun();
    const csv = await en(`/sources/${source.id}/runs/${run.id}/items.csv?result=failed`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="run-${run.id}-items.csv"`);
    const lines = csv.text.replace(/^\ufeff/, '').trimEnd().split('\r\n');
    expect(lines).toEqual([
      'at,atLocal,kind,objectId,objectName,operation,result,method,path,httpStatus,durationMs,error,changes',
      `${AT},"Dec 2, 2026, 03:00:00 PM GMT+8",user,u-ann,李安,update,failed,,,400,,'@bad value,`,
    ]);
    const json = JSON.parse((await en(`/sources/${source.id}/runs/${run.id}/items.json?kind=user`)).text) as Array<Record<string, unknown>>;
    expect(json.map((item) => item.objectId)).toEqual(['u-ann', 'u-bob', 'u-cy']);
    expect(json[0]).toMatchObject({ at: AT, atLocal: 'Dec 2, 2026, 03:00:00 PM GMT+8', error: '@bad value', httpStatus: 400 });
    // Another source's run is not found here.
    const { source: other } = await test.center.sources.create({ name: 'Other', mode: 'pull' });
    expect((await en(`/sources/${other.id}/runs/${run.id}/items.csv`)).status).toBe(404);
  });
});
