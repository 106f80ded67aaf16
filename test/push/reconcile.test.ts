import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { URN } from '../../lib/scim/urns.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { replaceFixture } from '../support/fixture.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter, type TestCenter } from '../support/test-center.js';

describe('push manual sync against the downstream’s real state', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  /** root > a > a1, root > b; 8 users spread over a1 and b, some with managers. */
  async function seed() {
    const root = buildOrg({ id: 'o-root', name: 'Root' });
    const a = buildOrg({ id: 'o-a', name: 'A', parentId: root.id });
    const a1 = buildOrg({ id: 'o-a1', name: 'A1', parentId: a.id });
    const b = buildOrg({ id: 'o-b', name: 'B', parentId: root.id, order: 1 });
    const users = Array.from({ length: 8 }, (_, index) =>
      buildUser({
        id: `u${index}`,
        userName: `u${index}@example.com`,
        displayName: `User ${index}`,
        title: 'Engineer',
        emails: [{ value: `u${index}@example.com`, type: 'work', primary: true }],
        orgIds: index % 2 === 0 ? [a1.id] : [b.id, a1.id],
        primaryOrgId: index % 2 === 0 ? a1.id : b.id,
        managerId: index > 0 ? 'u0' : undefined,
      }),
    );
    await t.center.changes.apply([...[root, a, a1, b].map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    return { orgs: [root, a, a1, b], users };
  }

  async function sync(sourceId: string, options: Parameters<TestCenter['center']['runs']['start']>[1] = {}) {
    return (await t.center.runs.settled((await t.center.runs.start(sourceId, options)).id))!;
  }

  function wipe(endpoints: string[]) {
    for (const endpoint of endpoints) server.store.get(endpoint)!.clear();
  }

  /** The downstream holds every live object with its remote references (parents, orgs, managers, members). */
  async function expectIntact(shape: 'organization' | 'group') {
    const liveUsers = (await t.knex('sync_users').whereNull('deleted_at')).map((row) => JSON.parse(row.data));
    const liveOrgs = (await t.knex('sync_orgs').whereNull('deleted_at')).map((row) => JSON.parse(row.data));
    const remoteOrgs = server.resources(shape === 'group' ? 'Groups' : 'Organizations');
    const remoteUsers = server.resources('Users');
    expect(remoteOrgs).toHaveLength(liveOrgs.length);
    expect(remoteUsers).toHaveLength(liveUsers.length);
    const org = new Map(remoteOrgs.map((entry) => [entry.externalId, entry]));
    const user = new Map(remoteUsers.map((entry) => [entry.externalId, entry]));
    for (const local of liveOrgs) {
      const remote = org.get(local.id)!;
      expect(remote.displayName).toBe(local.name);
      if (shape === 'organization') expect(remote.parent).toBe(local.parentId ? org.get(local.parentId)!.id : undefined);
      else {
        const members = new Set((remote.members ?? []).map((member: { value: string }) => member.value));
        expect(members).toEqual(new Set(liveUsers.filter((entry) => entry.orgIds.includes(local.id)).map((entry) => user.get(entry.id)!.id)));
      }
    }
    for (const local of liveUsers) {
      const remote = user.get(local.id)!;
      expect(remote).toMatchObject({ userName: local.userName, displayName: local.displayName, title: local.title, active: local.active });
      expect(new Set(remote[URN.userOrgs]?.orgIds ?? [])).toEqual(new Set(local.orgIds.map((id: string) => org.get(id)!.id)));
      expect(remote[URN.enterpriseUser]?.manager?.value).toBe(local.managerId ? user.get(local.managerId)!.id : undefined);
    }
  }

  for (const shape of ['organization', 'group'] as const) {
    it(`restores every user, org and membership of a wiped downstream in one manual sync (${shape})`, async () => {
      await seed();
      const endpoint = shape === 'group' ? 'Groups' : 'Organizations';
      const source = await createPushSource(t.center, server, { orgUrl: server.url(endpoint), orgResource: shape });
      expect(await sync(source.id)).toMatchObject({ status: 'succeeded', failed: 0 });
      await expectIntact(shape);

      wipe(['Users', endpoint]);
      const run = await sync(source.id);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 12 });
      await expectIntact(shape);
      // Converged: the next manual sync reads everything and writes nothing.
      server.requests.length = 0;
      expect(await sync(source.id)).toMatchObject({ status: 'succeeded', created: 0, updated: 0, failed: 0 });
      expect(server.writes()).toHaveLength(0);
    });
  }

  it('restores an attribute edited on the downstream and logs it old → new', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    const u3 = server.resources('Users').find((entry) => entry.externalId === 'u3')!;
    u3.title = 'Chief Everything';
    delete u3.displayName;
    u3[URN.userOrgs].orgIds = [u3[URN.userOrgs].orgIds[0]];
    const b = server.resources('Organizations').find((entry) => entry.externalId === 'o-b')!;
    b.displayName = 'Renamed downstream';
    server.requests.length = 0;

    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', updated: 2, failed: 0 });
    await expectIntact('organization');
    expect(server.writes().map((request) => `${request.method} ${request.path.split('/')[3]}`).sort()).toEqual(['PATCH Organizations', 'PATCH Users']);
    const items = (await t.center.runs.items(run.id, { result: 'succeeded', limit: 100 })).items;
    const user = items.find((item) => item.objectId === 'u3')!;
    expect(user.changes).toMatchObject({
      title: { old: 'Chief Everything', new: 'Engineer' },
      displayName: { new: 'User 3' },
      [`${URN.userOrgs}:orgIds`]: { old: [expect.any(String)], new: expect.arrayContaining([expect.any(String)]) },
    });
    expect(user.changes!.displayName).not.toHaveProperty('old');
    expect(items.find((item) => item.objectId === 'o-b')!.changes).toEqual({ displayName: { old: 'Renamed downstream', new: 'B' } });
  });

  it('writes nothing for a downstream that holds the same values in another form (case, order, strings)', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    for (const remote of server.resources('Users')) {
      remote.USERNAME = String(remote.userName).toUpperCase();
      delete remote.userName;
      remote.emails = remote.emails.map((email: Record<string, unknown>) => ({ ...email, value: String(email.value).toUpperCase(), type: 'Work', display: 'x' }));
      remote.active = 'true';
      remote[URN.userOrgs].orgIds = [...remote[URN.userOrgs].orgIds].reverse();
      remote.meta = { resourceType: 'User', location: 'somewhere' };
    }
    server.requests.length = 0;
    expect(await sync(source.id)).toMatchObject({ status: 'succeeded', updated: 0, created: 0, failed: 0 });
    expect(server.writes()).toHaveLength(0);
  });

  it('reads the downstream with filtered listings of only the compared attributes', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    server.requests.length = 0;
    await sync(source.id);
    const reads = server.requests.filter((request) => request.method === 'GET' && request.path.includes('filter='));
    const userRead = new URL(reads.find((request) => request.path.startsWith('/scim/v2/Users'))!.path, 'http://x');
    expect(userRead.searchParams.get('filter')).toMatch(/^id eq "[^"]+"( or id eq "[^"]+"){7}$/);
    expect(userRead.searchParams.get('attributes')!.split(',')).toEqual(expect.arrayContaining(['userName', 'title', `${URN.enterpriseUser}:manager`]));
    expect(server.requests.filter((request) => request.method === 'GET' && /\/Users\/[^?]+$/.test(request.path))).toHaveLength(0);
  });

  it('reads one object at a time from a downstream that refuses or ignores the id filter', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    const u5 = server.resources('Users').find((entry) => entry.externalId === 'u5')!;
    server.store.get('Users')!.delete(u5.id);
    u5.id = 'moved-away';
    const u6 = server.resources('Users').find((entry) => entry.externalId === 'u6')!;
    u6.title = 'Edited';
    // Users: the `or` filter is refused; orgs: it is ignored (the whole collection comes back).
    server.fault = (request) => {
      if (request.method !== 'GET' || !request.path.includes('+or+')) return undefined;
      if (request.path.startsWith('/scim/v2/Users')) return { status: 400, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'no or' } };
      return { status: 200, body: { totalResults: 4, Resources: server.resources('Organizations') } };
    };
    server.requests.length = 0;
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 1, updated: 1 });
    await expectIntact('organization');
    const gets = server.requests.filter((request) => request.method === 'GET' && /\/(Users|Organizations)\/[^?]+$/.test(request.path));
    expect(gets.filter((request) => request.path.includes('/Users/'))).toHaveLength(8);
    // The root is read alone (a one-id filter has no `or`); its three descendants one by one once the filter was seen ignored.
    expect(gets.filter((request) => request.path.includes('/Organizations/'))).toHaveLength(3);
  });

  it('reads one object at a time from a downstream whose id filter silently matches nothing', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    server.resources('Users').find((entry) => entry.externalId === 'u2')!.title = 'Edited';
    server.fault = (request) => (request.method === 'GET' && request.path.includes('+or+') ? { status: 200, body: { totalResults: 0, Resources: [] } } : undefined);
    server.requests.length = 0;
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: 1 });
    expect(server.writes()).toHaveLength(1);
    await expectIntact('organization');
  });

  it('trusts the links only when asked to, and then repairs nothing', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    wipe(['Users', 'Organizations']);
    server.requests.length = 0;
    const trusting = await sync(source.id, { options: { trustLinks: true } });
    expect(trusting).toMatchObject({ status: 'succeeded', created: 0, options: { trustLinks: true } });
    // Only the run's look at the downstream's shape (/ResourceTypes, /Schemas): no object is read.
    expect(server.requests.filter((request) => !/\/(ResourceTypes|Schemas)$/.test(request.path))).toHaveLength(0);
    expect(await sync(source.id)).toMatchObject({ status: 'succeeded', created: 12, failed: 0 });
  });

  it('a dry run reads the downstream and plans the repairs without sending them', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    const u1 = server.resources('Users').find((entry) => entry.externalId === 'u1')!;
    server.store.get('Users')!.delete(u1.id);
    server.resources('Users').find((entry) => entry.externalId === 'u2')!.title = 'Edited';
    server.requests.length = 0;
    const run = await sync(source.id, { dryRun: true });
    expect(run).toMatchObject({ status: 'succeeded', created: 1, updated: 1 });
    expect(server.writes()).toHaveLength(0);
    const planned = (await t.center.runs.items(run.id, { result: 'planned' })).items;
    expect(planned.map((item) => `${item.operation} ${item.objectId}`).sort()).toEqual(['create u1', 'update u2']);
    expect(planned.find((item) => item.objectId === 'u2')!.changes).toEqual({ title: { old: 'Edited', new: 'Engineer' } });
  });

  it('incremental delivery keeps trusting the links: an unchanged object is not read', async () => {
    const { users } = await seed();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.start();
    server.requests.length = 0;
    await t.center.changes.userUpserted({ ...users[4]!, title: 'Lead' });
    await t.center.push.drained(source.id);
    expect(server.requests.filter((request) => request.path.includes('filter=id'))).toHaveLength(0);
    expect(server.writes().map((request) => request.method)).toEqual(['PATCH']);
  });
});

describe('verify downstream paging', () => {
  const server = useFakeDownstream({ pageCap: 50, totalIsPageSize: true });
  const t = useTestCenter({ push: FAST_PUSH });

  it('finds every object of a server that reports the page size as totalResults and caps pages at 50', async () => {
    const users = Array.from({ length: 120 }, (_, index) => buildUser({ id: `p${String(index).padStart(3, '0')}`, userName: `p${index}@example.com` }));
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server, { orgUrl: undefined, deprovision: { users: 'delete', orgs: 'leave' } });
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    // The extra user lands last in the listing, on the third page.
    server.store.get('Users')!.set('stray', { id: 'stray', userName: 'stray@example.com', active: true, schemas: [URN.user] });
    server.requests.length = 0;
    const run = (await t.center.runs.settled((await t.center.runs.start(source.id, { options: { verifyDownstream: true } })).id))!;
    expect(run).toMatchObject({ status: 'succeeded', deleted: 1, failed: 0 });
    expect(server.resources('Users').some((user) => user.id === 'stray')).toBe(false);
    const listing = server.requests.filter((request) => request.method === 'GET' && request.path.includes('startIndex') && !request.path.includes('filter='));
    expect(listing.map((request) => new URL(request.path, 'http://x').searchParams.get('startIndex'))).toEqual(['1', '51', '101']);
  });

  it('says in the run log when a server ignores startIndex, so the listing could not be verified to its end', async () => {
    await replaceFixture(server, () => new FakeScimServer().start());
    const users = Array.from({ length: 30 }, (_, index) => buildUser({ id: `q${String(index).padStart(2, '0')}`, userName: `q${index}@example.com` }));
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server, { orgUrl: undefined, deprovision: { users: 'leave', orgs: 'leave' } });
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    for (let index = 0; index < 120; index += 1) server.store.get('Users')!.set(`x${index}`, { id: `x${index}`, userName: `x${index}@example.com`, schemas: [URN.user] });
    server.fault = (request) => {
      const url = new URL(request.path, 'http://x');
      if (request.method !== 'GET' || url.searchParams.has('filter') || !url.searchParams.has('startIndex')) return undefined;
      return { status: 200, body: { totalResults: 150, Resources: server.resources('Users').slice(0, 100) } };
    };
    const run = (await t.center.runs.settled((await t.center.runs.start(source.id, { options: { verifyDownstream: true } })).id))!;
    expect(run).toMatchObject({ status: 'succeeded_with_failures', failed: 1 });
    const [item] = (await t.center.runs.items(run.id, { result: 'failed' })).items;
    expect(item).toMatchObject({ kind: 'user', operation: 'skip', method: 'GET' });
    expect(renderMessage(translator('en'), item!.error)).toMatch(/answered with objects it had already listed \(it ignores startIndex\): downstream objects after the first 100 were not verified/);
  });

  it('stops a listing at its bound and says where it stopped', async () => {
    await replaceFixture(server, () => new FakeScimServer().start());
    const { DownstreamPager } = await import('../../lib/push/full-sync/downstream-pager.js');
    const users = Array.from({ length: 7 }, (_, index) => ({ id: `b${index}`, userName: `b${index}`, schemas: [URN.user] }));
    for (const user of users) server.store.get('Users')!.set(user.id, user);
    const { ScimClient } = await import('../../lib/push/client/scim-client.js');
    const client = new ScimClient({ settings: { auth: 'bearer', userUrl: server.url('Users') } as never, secrets: { token: server.options.token }, allowHttp: true, allowPrivate: true, requestTimeoutMs: 1000, connectTimeoutMs: 1000, connections: 1 });
    try {
      const pager = new DownstreamPager(client, server.url('Users'), {}, 2, 5);
      const seen: string[] = [];
      for await (const page of pager.pages()) seen.push(...page.resources.map((resource) => String(resource.id)));
      expect(seen).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
      expect(pager.end()).toMatchObject({ complete: false, listed: 5, bound: 5 });
    } finally {
      await client.close();
    }
  });
});
