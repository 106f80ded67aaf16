import { describe, expect, it, vi } from 'vitest';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { URN } from '../../lib/scim/urns.js';
import { buildOrg, buildUser, createRun, leaveLinksOfCrashedRun } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { replaceFixture } from '../support/fixture.js';
import { createPushSource, createSiblingCenter, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { createTestCenter, useTestCenter, type TestCenter } from '../support/test-center.js';

describe('push manual sync (full reconciliation)', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });
  // The center is not started: no delivery worker races the runs (manual syncs need no start()).

  /** root > a > a1, root > b; users in a1 and b; seeded so that ids sort against tree order. */
  async function seedTree() {
    const root = buildOrg({ id: 'z-root', name: 'Root' });
    const a = buildOrg({ id: 'y-a', name: 'A', parentId: root.id });
    const a1 = buildOrg({ id: 'x-a1', name: 'A1', parentId: a.id });
    const b = buildOrg({ id: 'w-b', name: 'B', parentId: root.id, order: 1 });
    const ada = buildUser({ id: 'u-ada', userName: 'ada@example.com', orgIds: [a1.id] });
    const bob = buildUser({ id: 'u-bob', userName: 'bob@example.com', orgIds: [b.id, a1.id], primaryOrgId: b.id, managerId: 'u-ada' });
    await t.center.changes.apply([...[root, a, a1, b].map((org) => ({ type: 'orgUpserted' as const, org })), ...[ada, bob].map((user) => ({ type: 'userUpserted' as const, user }))]);
    return { root, a, a1, b, ada, bob };
  }

  async function sync(sourceId: string, options: Parameters<TestCenter['center']['runs']['start']>[1] = {}) {
    const run = await t.center.runs.start(sourceId, options);
    return (await t.center.runs.settled(run.id))!;
  }

  it('creates orgs parents first, then users, with remote ids for parents, orgs and managers', async () => {
    const { root, a, a1, b } = await seedTree();
    const source = await createPushSource(t.center, server);
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', created: 6, failed: 0 });

    const posts = server.writes().filter((request) => request.method === 'POST');
    expect(posts.map((request) => `${request.path} ${request.body.externalId}`)).toEqual([
      `/scim/v2/Organizations ${root.id}`,
      // siblings may go in any order, but always after their parent
      ...posts.slice(1, 3).map((request) => `/scim/v2/Organizations ${request.body.externalId}`),
      `/scim/v2/Organizations ${a1.id}`,
      '/scim/v2/Users u-ada',
      '/scim/v2/Users u-bob',
    ]);
    expect(new Set(posts.slice(1, 3).map((request) => request.body.externalId))).toEqual(new Set([a.id, b.id]));
    const remote = new Map(server.resources('Organizations').map((org) => [org.externalId, org]));
    expect(remote.get(a1.id)).toMatchObject({ schemas: [URN.organization], displayName: 'A1', parent: remote.get(a.id)!.id });
    expect(remote.get(root.id)).not.toHaveProperty('parent');
    const bob = server.resources('Users').find((user) => user.userName === 'bob@example.com')!;
    const ada = server.resources('Users').find((user) => user.userName === 'ada@example.com')!;
    const bobOrgs = bob['urn:scim-sync-center:params:scim:schemas:extension:2.0:UserOrgs'];
    expect(bobOrgs.primaryOrgId).toBe(remote.get(b.id)!.id);
    expect([...bobOrgs.orgIds].sort()).toEqual([remote.get(b.id)!.id, remote.get(a1.id)!.id].sort());
    expect(bob['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager).toEqual({ value: ada.id });
    const items = await t.center.runs.items(run.id, { limit: 100 });
    // Six creates, and bob once more if he was sent before his manager was on the downstream.
    expect(items.total).toBeGreaterThanOrEqual(6);
    expect(items.items[0]).toMatchObject({ kind: 'org', objectId: root.id, operation: 'create', result: 'succeeded', method: 'POST', path: '/scim/v2/Organizations', httpStatus: 201 });
    expect(items.items[0]!.changes).toBeNull(); // a create's attributes are the link's `sent` body
  });

  it('sends nothing the second time when nothing changed', async () => {
    await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    const before = server.writes().length;
    const second = await sync(source.id);
    expect(second).toMatchObject({ status: 'succeeded', created: 0, updated: 0, skipped: 6 });
    expect(server.writes().length).toBe(before);
  });

  it('updates only what changed, with PATCH, clearing removed attributes', async () => {
    const { ada } = await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.changes.userUpserted({ ...ada, displayName: 'Ada L.', name: { givenName: ada.name!.givenName } });
    server.requests.length = 0;
    const run = await sync(source.id);
    expect(run).toMatchObject({ updated: 1, skipped: 5 });
    expect(server.writes()).toHaveLength(1);
    expect(server.writes()[0]).toMatchObject({
      method: 'PATCH',
      body: { schemas: [URN.patchOp], Operations: [{ op: 'replace', path: 'displayName', value: 'Ada L.' }, { op: 'remove', path: 'name.familyName' }] },
    });
    const [item] = (await t.center.runs.items(run.id, { result: 'succeeded' })).items;
    expect(item).toMatchObject({ operation: 'update', method: 'PATCH', changes: { displayName: { old: ada.displayName, new: 'Ada L.' }, 'name.familyName': { old: ada.name!.familyName } } });
  });

  it('uses PUT when the downstream does not declare PATCH', async () => {
    await replaceFixture(server, () => new FakeScimServer({ patchSupported: false }).start());
    const { ada } = await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.changes.userUpserted({ ...ada, title: 'Countess' });
    server.requests.length = 0;
    await sync(source.id);
    expect(server.writes().map((request) => request.method)).toEqual(['PUT']);
    expect(server.writes()[0]!.body).toMatchObject({ userName: 'ada@example.com', title: 'Countess' });
  });

  it('adopts the existing remote user when create answers 409', async () => {
    await seedTree();
    server.store.get('Users')!.set('pre-existing', { id: 'pre-existing', userName: 'ada@example.com', schemas: [] });
    const source = await createPushSource(t.center, server);
    const run = await sync(source.id);
    expect(run.failed).toBe(0);
    expect(server.resources('Users').filter((user) => user.userName === 'ada@example.com')).toHaveLength(1);
    const [link] = (await t.center.push.links(source.id, { kind: 'user', q: 'u-ada' })).links;
    expect(link).toMatchObject({ localId: 'u-ada', remoteId: 'pre-existing', lastStatus: 'synced' });
  });

  it('creates the object again when the linked remote object is gone (404)', async () => {
    const { ada } = await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    const remote = server.resources('Users').find((user) => user.userName === 'ada@example.com')!;
    server.store.get('Users')!.delete(remote.id);
    await t.center.changes.userUpserted({ ...ada, title: 'Engineer' });
    await sync(source.id);
    const again = server.resources('Users').find((user) => user.userName === 'ada@example.com')!;
    expect(again.id).not.toBe(remote.id);
    expect(again.title).toBe('Engineer');
  });

  it('deprovisions per policy: users disabled, orgs deleted leaves first', async () => {
    const { a, a1, ada, bob } = await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.changes.apply([
      { type: 'userDeleted', id: ada.id },
      { type: 'userUpserted', user: { ...bob, orgIds: [bob.primaryOrgId!], managerId: null } },
      { type: 'orgDeleted', id: a1.id },
      { type: 'orgDeleted', id: a.id },
    ]);
    server.requests.length = 0;
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', deleted: 3 });
    const writes = server.writes().map((request) => `${request.method} ${request.path.split('/')[3]}`);
    expect(writes).toEqual(['PATCH Users', 'PATCH Users', 'DELETE Organizations', 'DELETE Organizations']);
    const deletes = server.writes().filter((request) => request.method === 'DELETE').map((request) => request.path.split('/').pop());
    const remoteOf = async (id: string) => (await t.knex(TABLES.links).where({ source_id: source.id, local_id: id }).first())?.remote_id;
    expect(await remoteOf(a1.id)).toBeUndefined();
    expect(deletes).toHaveLength(2);
    expect(server.resources('Users').find((user) => user.userName === 'ada@example.com')!.active).toBe(false);
  });

  it('pauses a run that would delete more than the threshold until an admin confirms', async () => {
    const users = Array.from({ length: 5 }, () => buildUser());
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server, { deletionThreshold: { count: 2 }, deprovision: { users: 'delete', orgs: 'delete' } });
    await sync(source.id);
    await t.center.changes.apply(users.slice(0, 3).map((user) => ({ type: 'userDeleted' as const, id: user.id })));
    server.requests.length = 0;
    const paused = await sync(source.id);
    expect(paused.status).toBe('paused');
    expect(renderMessage(translator('en'), paused.error)).toMatch(/3 deletions exceed the threshold of 2/);
    expect(server.writes()).toHaveLength(0);
    await t.center.push.confirmRun(paused.id, { actor: 'alice' });
    const done = await t.center.runs.settled(paused.id);
    expect(done).toMatchObject({ status: 'succeeded', deleted: 3 });
    expect(server.resources('Users')).toHaveLength(2);
  });

  it('a dry run sends nothing and reports the creates, updates and deletes it would do', async () => {
    const { ada, bob } = await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.changes.apply([
      { type: 'userUpserted', user: { ...ada, displayName: 'Ada L.' } },
      { type: 'userDeleted', id: bob.id },
      { type: 'userUpserted', user: buildUser({ id: 'u-new', userName: 'new@example.com' }) },
    ]);
    server.requests.length = 0;
    const run = await sync(source.id, { dryRun: true });
    expect(run).toMatchObject({ kind: 'dry_run', status: 'succeeded', created: 1, updated: 1, deleted: 1 });
    expect(server.writes()).toHaveLength(0);
    const planned = (await t.center.runs.items(run.id, { result: 'planned' })).items;
    expect(planned.map((item) => `${item.operation} ${item.objectId}`).sort()).toEqual(['create u-new', 'disable u-bob', 'update u-ada']);
    expect(planned.find((item) => item.objectId === 'u-ada')!.changes).toEqual({ displayName: { old: ada.displayName, new: 'Ada L.' } });
    // Nothing was recorded either: a real run still has all three to do.
    expect((await sync(source.id)).created + (await t.center.runs.list(source.id)).runs[0]!.updated).toBeGreaterThan(0);
  });

  it('with verify downstream, deprovisions downstream objects the IdP does not have', async () => {
    await seedTree();
    server.store.get('Users')!.set('stray', { id: 'stray', userName: 'stray@example.com', active: true, schemas: [] });
    const source = await createPushSource(t.center, server, { deprovision: { users: 'delete', orgs: 'leave' } });
    const run = await sync(source.id, { options: { verifyDownstream: true } });
    expect(run).toMatchObject({ status: 'succeeded', deleted: 1 });
    expect(server.resources('Users').map((user) => user.userName).sort()).toEqual(['ada@example.com', 'bob@example.com']);
    const [item] = (await t.center.runs.items(run.id, { limit: 100 })).items.filter((entry) => entry.operation === 'delete');
    expect(item).toMatchObject({ objectId: 'stray', objectName: 'stray@example.com', method: 'DELETE', result: 'succeeded' });
  });

  it('sends org memberships to Groups as chunked PATCH deltas', async () => {
    const group = buildOrg({ id: 'g1', name: 'Team' });
    const users = Array.from({ length: 5 }, (_, index) => buildUser({ id: `m${index}`, userName: `m${index}@example.com`, orgIds: [group.id] }));
    await t.center.changes.apply([{ type: 'orgUpserted', org: group }, ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    await replaceFixture(t, () => createTestCenter({ push: { ...FAST_PUSH, membersPerPatch: 2 } }));
    await t.center.changes.apply([{ type: 'orgUpserted', org: group }, ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    const source = await createPushSource(t.center, server, { orgUrl: server.url('Groups'), orgResource: 'group' });
    await sync(source.id);
    const patches = server.writes().filter((request) => request.method === 'PATCH');
    expect(patches.map((request) => request.body.Operations[0].value.length)).toEqual([2, 2, 1]);
    expect(server.resources('Groups')[0]!.members).toHaveLength(5);
    // A move out of the group is one remove, not a new member list.
    await t.center.changes.userUpserted({ ...users[0]!, orgIds: [] });
    server.requests.length = 0;
    await sync(source.id);
    const memberPatch = server.writes().filter((request) => request.path.includes('/Groups/'));
    expect(memberPatch).toHaveLength(1);
    expect(memberPatch[0]!.body.Operations).toEqual([{ op: 'remove', path: expect.stringMatching(/^members\[value eq ".+"\]$/) }]);
    expect(server.resources('Groups')[0]!.members).toHaveLength(4);
  });

  it('can be cancelled between pages', async () => {
    await replaceFixture(t, () => createTestCenter({ push: { ...FAST_PUSH, pageSize: 2 } }));
    await t.center.changes.apply(Array.from({ length: 10 }, () => ({ type: 'userUpserted' as const, user: buildUser() })));
    const source = await createPushSource(t.center, server);
    let run = await t.center.runs.start(source.id);
    // The create after the third waits until the cancel is stored: without that wait the cancel's
    // write could land after a fast run had already finished every page (and the test flaked).
    let cancel: Promise<unknown> | undefined;
    server.delay = (request) => {
      if (request.method === 'POST' && server.resources('Users').length === 3) cancel ??= t.center.runs.cancel(run.id);
      return request.method === 'POST' ? cancel?.then(() => undefined) : undefined;
    };
    run = (await t.center.runs.settled(run.id))!;
    expect(run.status).toBe('cancelled');
    expect(server.resources('Users').length).toBeLessThan(10);
  });

  it('resumes a run left running by a dead process from its checkpoint, creating nothing twice', async () => {
    const users = Array.from({ length: 6 }, (_, index) => buildUser({ id: `r${index}`, userName: `r${index}@example.com` }));
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server);
    // A first run created three users, then its process died: the link of r2 was never recorded.
    const first = await sync(source.id);
    expect(first.created).toBe(6);
    await leaveLinksOfCrashedRun(t.knex, source.id, { creating: ['r2'], unreached: ['r3', 'r4', 'r5'] });
    for (const id of ['r3', 'r4', 'r5']) {
      const remote = server.resources('Users').find((user) => user.externalId === id)!;
      server.store.get('Users')!.delete(remote.id);
    }
    const { id: runId } = await createRun(t.knex, { sourceId: source.id, status: 'running', at: new Date(0), holder: 'dead-host', checkpoint: { phase: 'users', startSeq: 0, after: 'r1' } });
    server.requests.length = 0;
    expect(await t.center.scheduler.sweep()).toEqual([runId]);
    const resumed = await t.center.runs.settled(runId);
    expect(resumed?.status).toBe('succeeded');
    const creates = server.writes().filter((request) => request.method === 'POST').map((request) => request.body.userName);
    expect(creates.sort()).toEqual(['r3@example.com', 'r4@example.com', 'r5@example.com']);
    expect(server.requests.some((request) => request.method === 'GET' && request.path.includes('filter='))).toBe(true); // r2 was looked up, not created again
    expect(server.resources('Users')).toHaveLength(6);
  });

  it('after a restart mid-run, a new run finishes the job without creating anything twice', async () => {
    await replaceFixture(server, () => new FakeScimServer({ uniqueUserName: false }).start());
    await replaceFixture(t, () => createTestCenter({ push: { ...FAST_PUSH, pageSize: 3 } }));
    const users = Array.from({ length: 12 }, (_, index) => buildUser({ id: `k${String(index).padStart(2, '0')}`, userName: `k${index}@example.com` }));
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server);
    // The 5th create is handled by the downstream but its answer is lost; then the host shuts down.
    let posts = 0;
    server.fault = (request) => (request.method === 'POST' && ++posts === 5 ? 'drop-response' : posts > 5 ? 'hang' : undefined);
    const first = await t.center.runs.start(source.id);
    await vi.waitFor(() => expect(posts, 'the run to get stuck').toBeGreaterThan(5), { timeout: 10_000 });
    await t.center.close();
    expect((await t.knex(TABLES.runs).where({ id: first.id }).first()).status).toBe('cancelled');
    server.fault = () => undefined;
    const again = await createSiblingCenter(t.knex, t.directory);
    try {
      const run = await again.runs.settled((await again.runs.start(source.id)).id);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    } finally {
      await again.close();
    }
    const names = server.resources('Users').map((user) => user.userName);
    expect(names).toHaveLength(12);
    expect(new Set(names).size).toBe(12);
  });

  it('falls back to PUT when the downstream answers PATCH with 405, and remembers it', async () => {
    await replaceFixture(server, () => new FakeScimServer({ patchSupported: true, refusePatch: true }).start());
    const { ada, bob } = await seedTree();
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.changes.apply([
      { type: 'userUpserted', user: { ...ada, title: 'Countess' } },
      { type: 'userUpserted', user: { ...bob, title: 'Builder' } },
    ]);
    server.requests.length = 0;
    const run = await sync(source.id);
    expect(run).toMatchObject({ updated: 2, failed: 0 });
    const methods = server.writes().map((request) => request.method);
    expect(methods.filter((method) => method === 'PATCH').length).toBeLessThanOrEqual(2); // learned after the first refusal(s)
    expect(methods.filter((method) => method === 'PUT')).toHaveLength(2);
    expect(server.resources('Users').map((user) => user.title).sort()).toEqual(['Builder', 'Countess']);
  });

  it('disables a deprovisioned user with PUT when the downstream answers PATCH with 405', async () => {
    await replaceFixture(server, () => new FakeScimServer({ patchSupported: true, refusePatch: true }).start());
    const ada = buildUser({ userName: 'ada@example.com' });
    await t.center.changes.userUpserted(ada);
    const source = await createPushSource(t.center, server);
    await sync(source.id);
    await t.center.changes.userDeleted(ada.id);
    server.requests.length = 0;
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', deleted: 1, failed: 0 });
    expect(server.writes().map((request) => request.method)).toEqual(['PATCH', 'PUT']);
    expect(server.resources('Users').find((user) => user.userName === 'ada@example.com')!.active).toBe(false);
  });

  it('pushes orgs in the compat shape: name, parentId (remote), order', async () => {
    const { root, a } = await seedTree();
    const source = await createPushSource(t.center, server, { orgUrl: server.url('Departments'), orgResource: 'compat' });
    await sync(source.id);
    const departments = new Map(server.resources('Departments').map((org) => [org.externalId, org]));
    expect(departments.get(a.id)).toMatchObject({ schemas: ['urn:scim-sync-center:params:scim:schemas:compat:2.0:Department'], name: 'A', parentId: departments.get(root.id)!.id, order: 0 });
    expect(departments.get(root.id)).not.toHaveProperty('parentId');
  });
});
