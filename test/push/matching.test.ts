import { describe, expect, it } from 'vitest';
import { readMessage, renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import type { MatchingPolicy, OrgResourceShape } from '../../lib/sources/source-types.js';
import { URN } from '../../lib/scim/urns.js';
import { adminAgent } from '../support/admin-agent.js';
import { twentyOrgCompany } from '../support/company.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { replaceFixture, useFixture } from '../support/fixture.js';
import { createPushSource, FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';
import { DIALECT } from '../support/test-database.js';

/**
 * Issue 10 item 2: matching before creating. An object a source has no link for is looked up on
 * the downstream by the source's matching attribute and adopted before any POST, so a second
 * source aimed at an app that already holds the data does not duplicate it.
 */
describe(`matching before creating, against the fake downstream (${DIALECT})`, () => {
  const server = useFixture<FakeScimServer>();
  // Registered after the downstream, so the center closes first. It is not started: no delivery worker races the runs.
  const t = useTestCenter({ push: FAST_PUSH });
  const downstream = (options: ConstructorParameters<typeof FakeScimServer>[0] = {}) => replaceFixture(server, () => new FakeScimServer(options).start());

  async function source(name: string, push: { matching?: Partial<MatchingPolicy>; orgResource?: OrgResourceShape } = {}) {
    const shape = push.orgResource ?? 'organization';
    return createPushSource(t.center, server, { orgUrl: server.url(shape === 'group' ? 'Groups' : 'Organizations'), orgResource: shape, ...push } as never, name);
  }

  async function sync(sourceId: string) {
    return (await t.center.runs.settled((await t.center.runs.start(sourceId)).id))!;
  }

  async function seedCompany() {
    const company = twentyOrgCompany();
    await t.center.changes.apply([...company.orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...company.users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    return company;
  }

  for (const shape of ['organization', 'group'] as const) {
    const endpoint = shape === 'group' ? 'Groups' : 'Organizations';
    it(`leaves a downstream that two sources push to with one copy of each org and user (${shape})`, async () => {
      await downstream();
      const { orgs, users } = await seedCompany();
      const first = await source('App, first source', { orgResource: shape });
      expect(await sync(first.id)).toMatchObject({ status: 'succeeded', failed: 0, created: orgs.length + users.length });
      const before = structuredClone(server.resources('Users'));

      const second = await source('App, second source', { orgResource: shape });
      server.requests.length = 0;
      const run = await sync(second.id);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 0 });
      expect(server.resources(endpoint)).toHaveLength(20);
      expect(server.resources('Users')).toHaveLength(users.length);
      expect(server.requests.filter((request) => request.method === 'POST'), 'nothing created').toEqual([]);
      // The second source adopted the first one's objects: both link every object to the same remote id.
      for (const org of orgs) expect((await t.center.push.link(second.id, 'org', org.id))?.remoteId).toBe((await t.center.push.link(first.id, 'org', org.id))!.remoteId);
      for (const user of users) expect((await t.center.push.link(second.id, 'user', user.id))?.remoteId).toBe((await t.center.push.link(first.id, 'user', user.id))!.remoteId);
      // No user was re-pointed at other orgs.
      const orgIdsOf = (list: Array<Record<string, any>>) => new Map(list.map((user) => [user.id, [...(user[URN.userOrgs]?.orgIds ?? [])].sort()]));
      expect(orgIdsOf(server.resources('Users'))).toEqual(orgIdsOf(before));
      // One look-up per tree level of orgs (3) and one for the 30 users, not one per object.
      const lookUps = server.requests.filter((request) => request.method === 'GET' && request.path.includes('filter='));
      expect(lookUps).toHaveLength(4);
    });
  }

  it('matches users by work e-mail when the source says so, and adopts the downstream account', async () => {
    await downstream();
    server.store.get('Users')!.set('hand-1', { id: 'hand-1', userName: 'jdoe', emails: [{ type: 'work', value: 'JANE@Example.com' }], active: true });
    await t.center.changes.userUpserted(buildUser({ id: 'jane', userName: 'jane.doe@example.com', emails: [{ value: 'jane@example.com', type: 'work', primary: true }] }));
    const app = await source('By e-mail', { matching: { users: 'email' } });
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: 1 });
    expect(server.resources('Users')).toHaveLength(1);
    expect(server.resources('Users')[0]).toMatchObject({ id: 'hand-1', userName: 'jane.doe@example.com', externalId: 'jane' });
    expect(server.requests.map((request) => new URLSearchParams(request.path.split('?')[1]).get('filter'))).toContain('emails[type eq "work" and value eq "jane@example.com"]');
    expect(await t.center.push.link(app.id, 'user', 'jane')).toMatchObject({ remoteId: 'hand-1', lastStatus: 'synced' });
  });

  it('matches users by externalId when the source says so, where userName would create a second account', async () => {
    await downstream();
    server.store.get('Users')!.set('hand-2', { id: 'hand-2', userName: 'old.name@example.com', externalId: 'emp7', active: true });
    await t.center.changes.userUpserted(buildUser({ id: 'emp7', userName: 'new.name@example.com' }));
    const byUserName = await source('By userName');
    await sync(byUserName.id);
    expect(server.resources('Users').map((user) => user.userName).sort(), 'userName matching finds nothing and creates').toEqual(['new.name@example.com', 'old.name@example.com']);

    await downstream();
    server.store.get('Users')!.set('hand-2', { id: 'hand-2', userName: 'old.name@example.com', externalId: 'emp7', active: true });
    const byExternalId = await source('By externalId', { matching: { users: 'externalId' } });
    expect(await sync(byExternalId.id)).toMatchObject({ status: 'succeeded', created: 0, updated: 1 });
    expect(server.resources('Users')).toEqual([expect.objectContaining({ id: 'hand-2', userName: 'new.name@example.com', externalId: 'emp7' })]);
  });

  it('rejects an object two downstream objects match, with an engine message, and creates nothing', async () => {
    await downstream();
    for (const id of ['twin-a', 'twin-b']) server.store.get('Users')!.set(id, { id, userName: `${id}@example.com`, emails: [{ type: 'work', value: 'shared@example.com' }] });
    await t.center.changes.userUpserted(buildUser({ id: 'sam', userName: 'sam@example.com', emails: [{ value: 'shared@example.com', type: 'work' }] }));
    const app = await source('Ambiguous', { matching: { users: 'email' } });
    const run = await sync(app.id);
    expect(run).toMatchObject({ status: 'succeeded_with_failures', failed: 1, created: 0 });
    expect(server.writes(), 'no guess, no duplicate').toEqual([]);
    const [item] = (await t.center.runs.items(run.id, { result: 'failed' })).items;
    expect(item).toMatchObject({ objectId: 'sam', operation: 'create' });
    expect(readMessage(item!.error)).toMatchObject({ key: 'engine.match.ambiguous', params: { count: 2, attribute: 'emails[type eq "work"].value' } });
    expect(renderMessage(translator('en'), item!.error)).toBe(
      '2 objects on the downstream match emails[type eq "work"].value "shared@example.com": "twin-a", "twin-b". Not adopted and not created; remove the extra copy on the downstream, or link one of them by hand',
    );
    expect(renderMessage(translator('zh-CN'), item!.error)).toContain('下游有 2 个对象');
    expect(await t.center.push.link(app.id, 'user', 'sam')).toMatchObject({ remoteId: null, lastStatus: 'rejected' });
    // The run log says it in the reader's language.
    const client = adminAgent(t.app);
    const en = await client.get(`/sources/${app.id}/runs/${run.id}`).set('accept-language', 'en');
    expect(en.text).toContain('2 objects on the downstream match emails[type eq &#34;work&#34;].value');
    const zh = await client.get(`/sources/${app.id}/runs/${run.id}`).set('accept-language', 'zh-CN');
    expect(zh.text).toContain('下游有 2 个对象');
  });

  it('matches orgs by name under the same parent, and never a namesake under another parent', async () => {
    await downstream();
    // A tree made by hand on the downstream, without our externalIds: Acme > Sales, Acme > EMEA > Sales.
    const store = server.store.get('Organizations')!;
    store.set('r', { id: 'r', displayName: 'Acme' });
    store.set('s1', { id: 's1', displayName: 'Sales', parent: 'r' });
    store.set('e', { id: 'e', displayName: 'EMEA', parent: 'r' });
    store.set('s2', { id: 's2', displayName: 'sales', parent: 'e' });
    const root = buildOrg({ id: 'acme', name: 'Acme' });
    const sales = buildOrg({ id: 'sales', name: 'Sales', parentId: 'acme' });
    const apac = buildOrg({ id: 'apac', name: 'APAC', parentId: 'acme' });
    const apacSales = buildOrg({ id: 'apac-sales', name: 'Sales', parentId: 'apac' });
    await t.center.changes.apply([root, sales, apac, apacSales].map((org) => ({ type: 'orgUpserted' as const, org })));
    const app = await source('By name');
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 2 });
    expect((await t.center.push.link(app.id, 'org', 'acme'))?.remoteId).toBe('r');
    expect((await t.center.push.link(app.id, 'org', 'sales'))?.remoteId).toBe('s1');
    const apacRemote = (await t.center.push.link(app.id, 'org', 'apac'))!.remoteId!;
    const apacSalesRemote = (await t.center.push.link(app.id, 'org', 'apac-sales'))!.remoteId!;
    expect([apacRemote, apacSalesRemote]).not.toContain('s2');
    expect(store.get(apacSalesRemote)).toMatchObject({ displayName: 'Sales', parent: apacRemote, externalId: 'apac-sales' });
    expect(store.get('s1')).toMatchObject({ externalId: 'sales' });
  });

  it('matches orgs by externalId only when the source says so', async () => {
    await downstream();
    server.store.get('Organizations')!.set('r', { id: 'r', displayName: 'Acme' });
    await t.center.changes.orgUpserted(buildOrg({ id: 'acme', name: 'Acme' }));
    const app = await source('By externalId', { matching: { orgs: 'externalId' } });
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', created: 1 });
    expect(server.resources('Organizations')).toHaveLength(2);
  });

  it('gives a downstream org to neither of two local siblings of its name', async () => {
    await downstream();
    server.store.get('Organizations')!.set('r', { id: 'r', displayName: 'Acme', externalId: 'acme' });
    server.store.get('Organizations')!.set('t', { id: 't', displayName: 'Team', parent: 'r' });
    await t.center.changes.apply(
      [buildOrg({ id: 'acme', name: 'Acme' }), buildOrg({ id: 'team-1', name: 'Team', parentId: 'acme' }), buildOrg({ id: 'team-2', name: 'Team', parentId: 'acme' })].map((org) => ({ type: 'orgUpserted' as const, org })),
    );
    const app = await source('Siblings');
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 2 });
    expect((await t.center.push.link(app.id, 'org', 'team-1'))?.remoteId).not.toBe('t');
    expect((await t.center.push.link(app.id, 'org', 'team-2'))?.remoteId).not.toBe('t');
  });

  it('asks for a page of objects in a few GETs joined with `or`, and escapes filter values', async () => {
    await downstream();
    const users = Array.from({ length: 120 }, (_, index) => buildUser({ id: `p${index}`, userName: `p${index}@example.com` }));
    // A quote in a value is escaped (RFC 7644 §3.4.2.2: JSON string rules). (scim2-parse-filter, which
    // the fake parses with, reads `\\` wrongly, so the backslash is covered by the unit test of `quote`.)
    users[7] = buildUser({ id: 'p7', userName: 'o"brien+7@example.com' });
    server.store.get('Users')!.set('hand-7', { id: 'hand-7', userName: 'O"Brien+7@example.com' });
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const app = await source('Batched');
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 119, updated: 1 });
    const lookUps = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/scim/v2/Users?'));
    expect(lookUps).toHaveLength(3); // 120 users, 50 per look-up
    expect(new URLSearchParams(lookUps[0]!.path.split('?')[1]).get('filter')).toMatch(/^userName eq "p0@example\.com" or userName eq "p1@example\.com" or /);
    expect(await t.center.push.link(app.id, 'user', 'p7')).toMatchObject({ remoteId: 'hand-7' });
  });

  it('falls back to one look-up per object on a downstream that refuses `or`, and remembers it', async () => {
    await downstream({ orFilters: false });
    server.store.get('Users')!.set('hand', { id: 'hand', userName: 'p3@example.com' });
    const users = Array.from({ length: 8 }, (_, index) => buildUser({ id: `p${index}`, userName: `p${index}@example.com` }));
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const app = await source('No or');
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 7, updated: 1 });
    expect(await t.center.push.link(app.id, 'user', 'p3')).toMatchObject({ remoteId: 'hand' });
    const refused = server.requests.filter((request) => request.status === 400);
    expect(refused).toHaveLength(1);
    // The next run's look-ups go one by one from the start.
    await t.center.changes.apply([buildUser({ id: 'q1' }), buildUser({ id: 'q2' })].map((user) => ({ type: 'userUpserted' as const, user })));
    await sync(app.id);
    // (The reconciling run's own reads of linked users learn the same by themselves: only look-ups count here.)
    const lookUpsRefused = server.requests.filter((request) => request.status === 400 && decodeURIComponent(request.path.replace(/\+/g, ' ')).includes('userName eq'));
    expect(lookUpsRefused).toHaveLength(1);
  });

  it('keeps each look-up under the request-line limit, names in any script', async () => {
    await downstream();
    const root = buildOrg({ id: 'root', name: '总部' });
    const children = Array.from({ length: 40 }, (_, index) => buildOrg({ id: `c${index}`, parentId: 'root', name: `华东区域销售与市场运营支持中心第${index}分部门（临时项目组）` }));
    await t.center.changes.apply([root, ...children].map((org) => ({ type: 'orgUpserted' as const, org })));
    const app = await source('Long names');
    expect(await sync(app.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 41 });
    const lookUps = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/scim/v2/Organizations?'));
    expect(lookUps.length).toBeGreaterThan(2);
    for (const request of lookUps) expect(request.path.length).toBeLessThan(4_300);
  });
});
