import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

describe('console: a push source’s scope page', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(async () => {
    client = adminAgent(test.app, 'alice');
    await test.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'sales', name: 'Sales' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'rnd', name: 'R&D' }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-sam', userName: 'sam@example.com', displayName: 'Sam Sales', orgIds: ['sales'] }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-rita', userName: 'rita@example.com', displayName: 'Rita Research', orgIds: ['rnd'] }) },
    ]);
  });

  it('re-renders a bad filter with the RFC reason next to it and the values kept, in both languages', async () => {
    const source = await createPushSource(test.center, server);
    for (const [lang, words] of [['en', 'This is not a valid SCIM filter'], ['zh-CN', '这不是有效的 SCIM 筛选条件']] as const) {
      const res = await client.post(`/sources/${source.id}/scope`, { 'push.scope.orgIds': ['sales'], 'push.scope.orgs': 'withAncestors', 'push.scope.userFilter': 'title co', go: 'save' }, lang);
      expect(res.status).toBe(422);
      expect(res.text).toContain(words);
      expect(res.text).toMatch(/id="f-push-scope-userFilter-error"/);
      expect(res.text).toContain('value="title co"');
      expect(res.text).toMatch(/value="sales"[^>]*checked/);
      expect(res.text).toMatch(/value="withAncestors" checked/);
    }
    expect((await test.center.sources.get(source.id)).push!.scope).toBeUndefined();
  });

  it('previews the proposed scope without saving it, then saves it', async () => {
    const source = await createPushSource(test.center, server);
    const run = await test.center.runs.start(source.id);
    await test.center.runs.settled(run.id);
    const preview = await client.post(`/sources/${source.id}/scope`, { 'push.scope.orgIds': ['sales'], 'push.scope.orgs': 'subtrees', 'push.scope.userFilter': '', go: 'preview' }, 'en');
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('What saving this scope would do');
    expect(preview.text).toContain('Would leave: 1');
    expect(preview.text).toContain('Rita Research');
    expect(preview.text).toContain('The policy disables them');
    expect(preview.text).toMatch(/value="sales"[^>]*checked/);
    expect((await test.center.sources.get(source.id)).push!.scope).toBeUndefined();
    const saved = await client.post(`/sources/${source.id}/scope`, { 'push.scope.orgIds': ['sales'], 'push.scope.orgs': 'subtrees', 'push.scope.userFilter': 'active eq true', go: 'save' });
    expect(saved.status).toBe(303);
    expect((await test.center.sources.get(source.id)).push!.scope).toEqual({ orgIds: ['sales'], userFilter: 'active eq true', orgs: 'subtrees' });
    const page = await client.get(`/sources/${source.id}`).set('accept-language', 'en');
    expect(page.text).toContain('Subtrees: Sales');
    expect(page.text).toContain('User filter: active eq true');
  });

  it('saves a pull source’s user filter next to its subtree picker, and refuses a bad one inline', async () => {
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull', pull: { scopeOrgIds: [] } });
    const bad = await client.post(`/sources/${source.id}/parameters`, { 'pull.scope': '1', 'pull.userFilter': 'title xx "a"' }, 'en');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('This is not a valid SCIM filter');
    expect(bad.text).toContain('value="title xx &#34;a&#34;"');
    const good = await client.post(`/sources/${source.id}/parameters`, { 'pull.scope': '1', 'pull.scopeOrgIds': ['sales'], 'pull.userFilter': 'active eq true' });
    expect(good.status).toBe(303);
    expect((await test.center.sources.get(source.id)).pull).toMatchObject({ scopeOrgIds: ['sales'], userFilter: 'active eq true' });
  });
});
