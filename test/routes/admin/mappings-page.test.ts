import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_USER_MAPPINGS } from '../../../lib/mappings/user-mapping.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser } from '../../support/factories.js';
import { FakeScimServer } from '../../support/fake-scim-server.js';
import { useFixture } from '../../support/fixture.js';
import { createPushSource, FAST_PUSH } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

/** The table as the form posts it. */
function tableForm(rows: Array<{ target: string; expression: string; apply?: string; clear?: boolean }>, action: string, extra: Record<string, string> = {}): Record<string, string> {
  const form: Record<string, string> = { rows: String(rows.length), action, ...extra };
  rows.forEach((row, index) => {
    form[`target_${index}`] = row.target;
    form[`expression_${index}`] = row.expression;
    form[`apply_${index}`] = row.apply ?? 'always';
    if (row.clear) form[`clear_${index}`] = 'on';
  });
  return form;
}

const TABLE = [
  { target: 'externalId', expression: '[id]' },
  { target: 'userName', expression: '[userName]' },
  { target: 'displayName', expression: 'Pinyin([displayName], " ")' },
];

describe('the Mappings page of a push source', () => {
  const server = useFixture(() => new FakeScimServer({ resourceTypes: true }).start());
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;
  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  it('shows the default table, linked from the source page, in both languages', async () => {
    const source = await createPushSource(test.center, server);
    const show = await client.get(`/sources/${source.id}`).set('accept-language', 'en');
    expect(show.text).toContain(`/sources/${source.id}/mappings"`);
    const en = await client.get(`/sources/${source.id}/mappings`).set('accept-language', 'en');
    expect(en.status).toBe(200);
    expect(en.text).toContain('This source uses the default table.');
    expect(en.text.match(/name="target_\d+"/g)).toHaveLength(DEFAULT_USER_MAPPINGS.length);
    expect(en.text).toContain('value="Coalesce([externalId], [id])"');
    expect(en.text).toContain('<code>Pinyin</code>');
    const zh = await client.get(`/sources/${source.id}/mappings`).set('accept-language', 'zh-CN');
    expect(zh.text).toContain('此数据源使用默认映射表。');
    expect(zh.text).toContain('仅创建时');
  });

  it('adds and removes rows without saving, saves with PRG, and restores the defaults', async () => {
    const source = await createPushSource(test.center, server);
    const added = await client.post(`/sources/${source.id}/mappings`, tableForm(TABLE, 'add'));
    expect(added.status).toBe(200);
    expect(added.text.match(/name="target_\d+"/g)).toHaveLength(4);
    expect(added.text).toContain('value="Pinyin([displayName], &#34; &#34;)"');
    const removed = await client.post(`/sources/${source.id}/mappings`, tableForm([...TABLE, { target: 'title', expression: '[title]' }], 'remove:3'));
    expect(removed.text.match(/name="target_\d+"/g)).toHaveLength(3);
    expect((await test.center.sources.get(source.id)).push!.userMappings).toBeUndefined();

    const saved = await client.post(`/sources/${source.id}/mappings`, tableForm([...TABLE, { target: 'title', expression: '"New"', apply: 'create', clear: true }], 'save'));
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toMatch(/\/mappings\?done=mappingsSaved$/);
    expect((await test.center.sources.get(source.id)).push!.userMappings).toEqual([
      ...TABLE.map((row) => ({ ...row, apply: 'always', clearWhenEmpty: false })),
      { target: 'title', expression: '"New"', apply: 'create', clearWhenEmpty: true },
    ]);
    const audit = await test.knex('sync_audit_log').where({ action: 'source.update', actor: 'alice' });
    expect(audit.some((entry) => JSON.parse(entry.detail).changed.includes('push.userMappings'))).toBe(true);
    const page = await client.get(`/sources/${source.id}/mappings?done=mappingsSaved`).set('accept-language', 'en');
    expect(page.text).toContain('Mappings saved.');
    expect(page.text).toContain('This source uses its own table.');

    const restored = await client.post(`/sources/${source.id}/mappings/restore`, {});
    expect(restored.status).toBe(303);
    expect((await test.center.sources.get(source.id)).push!.userMappings).toBeUndefined();
  });

  it('re-renders a bad table with the message at the row, with its column, and keeps the values', async () => {
    const source = await createPushSource(test.center, server);
    const bad = [...TABLE, { target: 'title', expression: 'Left([title] 3)' }, { target: 'nick name', expression: '"x"' }];
    for (const [lang, column, target] of [
      ['en', 'Column 14: expected', 'is not an attribute a mapping can write'],
      ['zh-CN', '第 14 列：应为', '不是映射可以写入的属性'],
    ] as const) {
      const res = await client.post(`/sources/${source.id}/mappings`, tableForm(bad, 'save'), lang);
      expect(res.status).toBe(422);
      const row3 = /<tr data-row="3"[\s\S]*?<\/tr>/.exec(res.text)![0];
      expect(row3).toContain(column);
      expect(row3).toContain('value="Left([title] 3)"');
      expect(row3).toContain('aria-invalid="true"');
      expect(/<tr data-row="4"[\s\S]*?<\/tr>/.exec(res.text)![0]).toContain(target);
    }
    expect((await test.center.sources.get(source.id)).push!.userMappings).toBeUndefined();
  });

  it('previews the body and the PATCH for a user found by name, for the saved table and for the table being edited', async () => {
    await test.center.changes.apply([{ type: 'userUpserted', user: buildUser({ id: 'zs', userName: 'zs@example.com', displayName: '张三' }) }]);
    const source = await createPushSource(test.center, server, { orgUrl: '' });
    const found = await client.get(`/sources/${source.id}/mappings?q=${encodeURIComponent('张')}`).set('accept-language', 'en');
    expect(found.text).toContain(`/mappings?user=zs"`);

    const before = await client.get(`/sources/${source.id}/mappings?user=zs`).set('accept-language', 'en');
    expect(/data-preview="([a-z]+)"/.exec(before.text)?.[1]).toBe('create');
    expect(before.text).toContain('Would create');
    expect(before.text).toContain('&#34;displayName&#34;: &#34;张三&#34;');

    expect((await test.center.runs.settled((await test.center.runs.start(source.id)).id))!.status).toBe('succeeded');
    const unchanged = await client.get(`/sources/${source.id}/mappings?user=zs`).set('accept-language', 'en');
    expect(/data-preview="([a-z]+)"/.exec(unchanged.text)?.[1]).toBe('unchanged');

    const edited = await client.post(`/sources/${source.id}/mappings`, tableForm(TABLE, 'preview', { user: 'zs' }), 'en');
    expect(edited.status).toBe(200);
    expect(/data-preview="([a-z]+)"/.exec(edited.text)?.[1]).toBe('update');
    expect(edited.text).toContain('table as edited');
    const patch = /<pre class="code wrap" data-patch>([\s\S]*?)<\/pre>/.exec(edited.text)![1]!.replace(/&#34;/g, '"');
    expect(JSON.parse(patch)).toEqual(expect.arrayContaining([{ op: 'replace', path: 'displayName', value: 'zhang san' }, { op: 'remove', path: 'active' }]));
    // Nothing was sent or saved by the preview.
    expect(server.resources('Users')[0]).toMatchObject({ displayName: '张三' });
    expect((await test.center.sources.get(source.id)).push!.userMappings).toBeUndefined();
  });

  it('offers the downstream’s own attributes when it publishes /Schemas', async () => {
    const source = await createPushSource(test.center, server);
    const page = await client.get(`/sources/${source.id}/mappings`).set('accept-language', 'en');
    const datalist = /<datalist id="mapping-targets">([\s\S]*?)<\/datalist>/.exec(page.text)![1]!;
    expect(datalist).toContain('<option value="userName">');
    expect(page.text).toMatch(/Target suggestions come from the downstream|publishes no \/Schemas/);
  });
});
