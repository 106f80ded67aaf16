import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { appliedRun as appliedRunOf, createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter, type TestCenter } from '../support/test-center.js';

describe('push scope (subtrees and a user filter)', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  /** top ─ sales ─ emea, top ─ rnd; a user in each, one in both rnd and emea. */
  async function seed() {
    const orgs = [buildOrg({ id: 'top', name: 'Top' }), buildOrg({ id: 'sales', name: 'Sales', parentId: 'top' }), buildOrg({ id: 'emea', name: 'EMEA', parentId: 'sales' }), buildOrg({ id: 'rnd', name: 'R&D', parentId: 'top' })];
    const users = [
      buildUser({ id: 'u-top', userName: 'top@example.com', orgIds: ['top'], title: 'CEO' }),
      buildUser({ id: 'u-sales', userName: 'sales@example.com', orgIds: ['sales'], title: 'Account Engineer' }),
      buildUser({ id: 'u-emea', userName: 'emea@example.com', orgIds: ['emea'], title: 'Sales Rep' }),
      buildUser({ id: 'u-rnd', userName: 'rnd@example.com', orgIds: ['rnd'], title: 'Engineer' }),
      buildUser({ id: 'u-both', userName: 'both@example.com', orgIds: ['rnd', 'emea'], title: 'Engineer' }),
    ];
    await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
  }

  async function sync(sourceId: string, options: Parameters<TestCenter['center']['runs']['start']>[1] = {}) {
    const run = await t.center.runs.start(sourceId, options);
    return (await t.center.runs.settled(run.id))!;
  }

  const appliedRun = (sourceId: string, after = 0) => appliedRunOf(t.center, sourceId, after);

  const remoteUsers = () => server.resources('Users').map((user) => `${user.externalId}${user.active === false ? ' (inactive)' : ''}`).sort();
  const remoteOrgs = () => server.resources('Organizations').map((org) => org.externalId).sort();

  it('sends only a subtree, its top as a root, and its users (a user of two orgs by either)', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { scope: { orgIds: ['sales'] } });
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, total: 5 });
    expect(remoteOrgs()).toEqual(['emea', 'sales']);
    expect(server.resources('Organizations').find((org) => org.externalId === 'sales')).not.toHaveProperty('parent');
    expect(remoteUsers()).toEqual(['u-both', 'u-emea', 'u-sales']);
  });

  it('sends the ancestors of a subtree too when the source says withAncestors', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { scope: { orgIds: ['emea'], orgs: 'withAncestors' } });
    await sync(source.id);
    expect(remoteOrgs()).toEqual(['emea', 'sales', 'top']);
    const remote = new Map(server.resources('Organizations').map((org) => [org.externalId, org]));
    expect(remote.get('emea')!.parent).toBe(remote.get('sales')!.id);
    expect(remoteUsers()).toEqual(['u-both', 'u-emea']);
  });

  it('sends only the users a SCIM filter matches, compiled to SQL', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { scope: { orgIds: [], userFilter: 'title co "Engineer"' } });
    await sync(source.id);
    expect(remoteUsers()).toEqual(['u-both', 'u-rnd', 'u-sales']);
    expect(remoteOrgs()).toEqual(['emea', 'rnd', 'sales', 'top']);
  });

  it('refuses a filter the SCIM server would refuse, with the RFC reason, and unknown org ids', async () => {
    const source = await createPushSource(t.center, server);
    const refused = await t.center.sources.update(source.id, { push: { scope: { orgIds: [], userFilter: 'title co' } } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([expect.objectContaining({ field: 'push.scope.userFilter', code: 'invalid_filter', params: { detail: expect.any(String) } })]);
    const unknown = await t.center.sources.update(source.id, { push: { scope: { orgIds: ['nope'] } } }).catch((error: unknown) => error);
    expect((unknown as ValidationError).issues).toEqual([expect.objectContaining({ field: 'push.scope.orgIds', code: 'unknown_org' })]);
    expect((await t.center.sources.get(source.id)).push!.scope).toBeUndefined();
  });

  it('applies a saved scope change by itself: entering users are created, leaving ones deprovisioned, unchanged ones not rewritten', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { scope: { orgIds: ['sales'] } });
    const first = await sync(source.id);
    server.requests.length = 0;
    await t.center.sources.update(source.id, { push: { scope: { orgIds: ['rnd'] } } }, { actor: 'alice' });
    const applied = await appliedRun(source.id, first.id);
    expect(applied).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(applied.options).toMatchObject({ trustLinks: true });
    // u-both is in rnd as well: it stays, untouched. sales and emea (orgs) are deleted by the default policy.
    expect(remoteUsers()).toEqual(['u-both', 'u-emea (inactive)', 'u-rnd', 'u-sales (inactive)']);
    expect(remoteOrgs()).toEqual(['rnd']);
    // Nobody is recreated; u-both's orgs follow the scope (rnd is there now, emea is not), in one PATCH.
    const bothId = server.resources('Users').find((user) => user.externalId === 'u-both')!.id;
    expect(server.writes().filter((request) => request.method === 'POST').map((request) => request.body.externalId)).toEqual(['rnd', 'u-rnd']);
    expect(server.writes().filter((request) => request.path.endsWith(bothId)).map((request) => request.method)).toEqual(['PATCH']);
    const audit = await t.center.audit.list({ sourceId: source.id });
    expect(audit.find((entry) => entry.action === 'source.update')).toMatchObject({ actor: 'alice', detail: { changed: expect.arrayContaining(['push.scope']), scope: { before: { orgIds: ['sales'] }, after: { orgIds: ['rnd'] } } } });
  });

  it('pauses a scope change over the deletion threshold, like deletions from the host', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { deletionThreshold: { count: 1 } });
    const first = await sync(source.id);
    await t.center.sources.update(source.id, { push: { scope: { orgIds: ['rnd'] } } });
    const applied = await appliedRun(source.id, first.id);
    expect(applied.status).toBe('paused');
    expect(remoteUsers()).toEqual(['u-both', 'u-emea', 'u-rnd', 'u-sales', 'u-top']);
    const planned = (await t.center.runs.items(applied.id, { limit: 50 })).items.filter((item) => item.result === 'planned');
    expect(planned.map((item) => item.objectId).sort()).toEqual(['emea', 'sales', 'top', 'u-emea', 'u-sales', 'u-top']);
  });

  it('previews a scope edit before it is saved: who enters, who leaves, what the policy does, whether it pauses', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { scope: { orgIds: ['sales'] }, deletionThreshold: { count: 2 } });
    await sync(source.id);
    const preview = await t.center.push.previewScope(source.id, { orgIds: ['rnd'] });
    expect(preview.users).toMatchObject({ enter: { count: 1, sample: [{ id: 'u-rnd' }] }, leave: { count: 2 }, action: 'disable', deletes: 2, inScope: 2 });
    expect(preview.users.leave.sample.map((user) => user.id)).toEqual(['u-emea', 'u-sales']);
    expect(preview.orgs).toMatchObject({ enter: { count: 1, sample: [{ id: 'rnd', name: 'R&D' }] }, leave: { count: 2 }, action: 'delete', deletes: 2 });
    expect(preview.pause).toMatchObject({ key: 'engine.hold.deletionsExceed', params: { count: 4, threshold: 2 } });
    expect((await t.center.sources.get(source.id)).push!.scope).toEqual({ orgIds: ['sales'], userFilter: null, orgs: 'subtrees' });
    const bad = await t.center.push.previewScope(source.id, { orgIds: [], userFilter: 'title eq' }).catch((error: unknown) => error);
    expect((bad as ValidationError).issues[0]).toMatchObject({ field: 'push.scope.userFilter', code: 'invalid_filter' });
  });

  it('a dry run shows who would leave', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    const first = await sync(source.id);
    await t.center.knex('sync_sources').where({ id: source.id }).update({ settings: JSON.stringify({ ...JSON.parse((await t.center.knex('sync_sources').where({ id: source.id }).first()).settings), scope: { orgIds: ['emea'] } }) });
    server.requests.length = 0;
    const dry = await sync(source.id, { dryRun: true });
    expect(dry.id).toBeGreaterThan(first.id);
    const items = (await t.center.runs.items(dry.id, { limit: 50 })).items;
    expect(items.filter((item) => item.operation === 'disable').map((item) => item.objectId).sort()).toEqual(['u-rnd', 'u-sales', 'u-top']);
    expect(items.filter((item) => item.operation === 'delete').map((item) => item.objectId).sort()).toEqual(['rnd', 'sales', 'top']);
    expect(server.writes()).toEqual([]);
  });
});

describe('push scope in incremental delivery', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('creates a user entering the filter, deprovisions one leaving it, and sends nothing for one never in it', async () => {
    await t.center.start();
    const source = await createPushSource(t.center, server, { scope: { orgIds: [], userFilter: 'title co "Engineer"' } });
    const ada = buildUser({ id: 'u-ada', userName: 'ada@example.com', title: 'Intern' });
    await t.center.changes.userUpserted(ada);
    await t.center.push.drained(source.id);
    expect(server.resources('Users')).toEqual([]);
    await t.center.changes.userUpserted({ ...ada, title: 'Engineer' });
    await t.center.push.drained(source.id);
    expect(server.resources('Users').map((user) => [user.externalId, user.active])).toEqual([['u-ada', true]]);
    await t.center.changes.userUpserted({ ...ada, title: 'Manager' });
    await t.center.push.drained(source.id);
    expect(server.resources('Users').map((user) => [user.externalId, user.active])).toEqual([['u-ada', false]]);
    const entries = (await t.center.logs.deliveries(source.id)).entries;
    expect(entries.map((entry) => entry.operation)).toEqual(expect.arrayContaining(['create', 'disable']));
  });

  it('leaves more users than the deletion threshold allows to the run that applies the drift, which pauses', async () => {
    await t.center.start();
    const users = ['a', 'b', 'c'].map((id) => buildUser({ id: `u-${id}`, userName: `${id}@example.com`, title: 'Engineer' }));
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(t.center, server, { scope: { orgIds: [], userFilter: 'title co "Engineer"' }, deletionThreshold: { count: 1 } });
    const first = await t.center.runs.start(source.id);
    await t.center.runs.settled(first.id);
    expect(server.resources('Users')).toHaveLength(3);
    // Three users leave the filter at once: more than the threshold of one.
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user: { ...user, title: 'Manager' } })));
    await t.center.push.drained(source.id);
    expect((await appliedRunOf(t.center, source.id, first.id)).status).toBe('paused');
    expect(server.resources('Users').map((user) => user.active)).toEqual([true, true, true]);
  });

  it('takes the subtree and users of an org moved out of scope with it', async () => {
    await t.center.start();
    await t.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'top' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'sales', parentId: 'top' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'emea', parentId: 'sales' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'other' }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-emea', orgIds: ['emea'] }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-top', orgIds: ['top'] }) },
    ]);
    const source = await createPushSource(t.center, server, { scope: { orgIds: ['top'] } });
    const first = await t.center.runs.start(source.id);
    await t.center.runs.settled(first.id);
    expect(server.resources('Organizations').map((org) => org.externalId).sort()).toEqual(['emea', 'sales', 'top']);
    await t.center.changes.orgUpserted(buildOrg({ id: 'sales', parentId: 'other' }));
    await vi.waitFor(async () => {
      expect(server.resources('Organizations').map((org) => org.externalId).sort()).toEqual(['top']);
      expect(server.resources('Users').map((user) => `${user.externalId} ${user.active}`).sort()).toEqual(['u-emea false', 'u-top true']);
    });
  });
});
