import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n/index.js';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { LeaseStore } from '../../lib/persistence/leases.js';
import { deliveryLeaseName } from '../../lib/push/delivery/delivery-worker.js';
import type { OnDemandResult, OnDemandStep } from '../../lib/push/on-demand/on-demand-types.js';
import type { SourceScope } from '../../lib/sources/source-types.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { appliedRun, createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';
import { DIALECT } from '../support/test-database.js';

const en = translator('en');
const step = (result: OnDemandResult, name: OnDemandStep['name']) => result.steps.find((candidate) => candidate.name === name)!;
const said = (stepOf: OnDemandStep) => renderMessage(en, stepOf.note);

/** Issue 11 item 3: one user provisioned now, step by step, against the fake downstream. */
describe(`center.push.provisionNow (${DIALECT})`, () => {
  const server = useFakeDownstream();
  // Not started: no delivery worker sends the same changes meanwhile.
  const t = useTestCenter({ push: FAST_PUSH });

  const root = buildOrg({ id: 'hq', name: 'HQ' });
  const sales = buildOrg({ id: 'sales', name: 'Sales', parentId: 'hq' });
  const eng = buildOrg({ id: 'eng', name: 'Engineering', parentId: 'hq' });

  async function seed() {
    const ada = buildUser({ id: 'ada', userName: 'ada@example.com', displayName: 'Ada Lovelace', title: 'Engineer', orgIds: ['eng'] });
    const bob = buildUser({ id: 'bob', userName: 'bob@example.com', displayName: 'Bob Seller', title: 'Account manager', orgIds: ['sales'] });
    await t.center.changes.apply([...[root, sales, eng].map((org) => ({ type: 'orgUpserted' as const, org })), ...[ada, bob].map((user) => ({ type: 'userUpserted' as const, user }))]);
    return { ada, bob };
  }

  async function scoped(scope: SourceScope, push: Record<string, unknown> = {}) {
    const source = await createPushSource(t.center, server, push);
    await t.center.sources.update(source.id, { push: { scope } });
    expect((await t.center.sources.get(source.id)).push?.scope).toMatchObject(scope);
    // A saved scope change starts a run that applies it (when the source is enabled): let it end
    // first. Found by who started it, so a run not yet created is waited for, not missed.
    await appliedRun(t.center, source.id);
    return source;
  }

  it('creates the user with its org and the org’s parent first, and records each request', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    const result = await t.center.push.provisionNow(source.id, 'ada', { actor: 'alice' });
    expect(result).toMatchObject({ outcome: 'provisioned', userId: 'ada', userName: 'ada@example.com', actor: 'alice' });
    expect(result.steps.map((entry) => [entry.name, entry.status, entry.operation])).toEqual([
      ['scope', 'succeeded', 'in_scope'],
      ['orgs', 'succeeded', 'created'],
      ['match', 'succeeded', 'none'],
      ['user', 'succeeded', 'create'],
      ['memberships', 'skipped', 'not_groups'],
    ]);
    // Parents first: HQ, then Engineering (Sales is not the user's).
    expect(step(result, 'orgs').objects.map((object) => [object.name, object.operation, object.method, object.httpStatus])).toEqual([
      ['HQ', 'create', 'POST', 201],
      ['Engineering', 'create', 'POST', 201],
    ]);
    expect(server.resources('Organizations').map((org) => org.displayName ?? org.name).sort()).toEqual(['Engineering', 'HQ']);
    const match = step(result, 'match');
    expect(match.requests).toHaveLength(1);
    expect(match.requests[0]).toMatchObject({ method: 'GET', status: 200 });
    expect(new URLSearchParams(match.requests[0]!.path.split('?')[1]).get('filter')).toBe('userName eq "ada@example.com"');
    expect(said(match)).toBe('no user on the downstream has the same userName');
    const user = step(result, 'user');
    expect(user.requests).toEqual([expect.objectContaining({ method: 'POST', status: 201, path: new URL(server.url('Users')).pathname })]);
    expect(server.resources('Users')).toEqual([expect.objectContaining({ userName: 'ada@example.com', externalId: 'ada' })]);
    expect(await t.center.push.link(source.id, 'user', 'ada')).toMatchObject({ remoteId: server.resources('Users')[0]!.id, lastStatus: 'synced' });
    // The incremental log has the rows a delivery writes: two org creates and the user's create.
    const { entries } = await t.center.logs.deliveries(source.id);
    expect(entries.map((entry) => [entry.kind, entry.objectId, entry.operation, entry.result, entry.method, entry.httpStatus]).sort()).toEqual([
      ['org', 'eng', 'create', 'succeeded', 'POST', 201],
      ['org', 'hq', 'create', 'succeeded', 'POST', 201],
      ['user', 'ada', 'create', 'succeeded', 'POST', 201],
    ]);
    // Audited with the result, which the console reads back by its id.
    const [audit] = await t.center.audit.list({ action: 'push.provision_now' });
    expect(audit).toMatchObject({ actor: 'alice', sourceId: source.id, detail: { userId: 'ada', outcome: 'provisioned', id: result.id } });
    expect(await t.center.push.provisionResult(source.id, result.id)).toEqual(result);
  });

  it('updates a linked user with the diff, then skips it as unchanged with the reason', async () => {
    const { ada } = await seed();
    const source = await createPushSource(t.center, server);
    await t.center.push.provisionNow(source.id, 'ada');
    await t.center.changes.userUpserted({ ...ada, title: 'Principal engineer' });
    server.requests.length = 0;
    const updated = await t.center.push.provisionNow(source.id, 'ada');
    expect(updated.outcome).toBe('provisioned');
    expect(step(updated, 'orgs')).toMatchObject({ status: 'skipped', operation: 'present', requests: [] });
    expect(step(updated, 'match')).toMatchObject({ status: 'skipped', operation: 'linked', requests: [] });
    const user = step(updated, 'user');
    expect(user).toMatchObject({ status: 'succeeded', operation: 'update', changes: { title: { old: 'Engineer', new: 'Principal engineer' } } });
    expect(user.requests).toEqual([expect.objectContaining({ method: 'PATCH', status: 200 })]);
    expect(server.resources('Users')[0]).toMatchObject({ title: 'Principal engineer' });

    server.requests.length = 0;
    const again = await t.center.push.provisionNow(source.id, 'ada');
    expect(again.outcome).toBe('unchanged');
    expect(step(again, 'user')).toMatchObject({ status: 'skipped', operation: 'unchanged', requests: [] });
    expect(said(step(again, 'user'))).toBe('unchanged: the body is the one last sent (same hash)');
    expect(server.writes()).toEqual([]);
    const { entries } = await t.center.logs.deliveries(source.id, { result: 'skipped' });
    expect(entries).toEqual([expect.objectContaining({ objectId: 'ada', operation: 'skip' })]);
    expect(renderMessage(en, entries[0]!.error)).toBe('unchanged: the body is the one last sent (same hash)');
  });

  it('stops out of scope by org subtree, sends nothing, and says what the next delivery would do to a linked user', async () => {
    await seed();
    const source = await scoped({ orgIds: ['sales'] });
    server.requests.length = 0;
    const result = await t.center.push.provisionNow(source.id, 'ada');
    expect(result.outcome).toBe('out_of_scope');
    expect(result.steps.map((entry) => entry.operation)).toEqual(['out_of_scope', 'not_reached', 'not_reached', 'not_reached', 'not_reached']);
    expect(said(step(result, 'scope'))).toBe('out of scope: in none of the org subtrees the source pushes. Nothing was sent');
    expect(server.requests).toEqual([]);
    const { entries } = await t.center.logs.deliveries(source.id);
    expect(entries).toEqual([expect.objectContaining({ objectId: 'ada', result: 'skipped', operation: 'skip' })]);

    // Bob is in scope (the run that applied the scope sent him already); linked Ada is told the policy (disable) without anything being sent.
    expect((await t.center.push.provisionNow(source.id, 'bob')).outcome).toBe('unchanged');
    await t.center.push.relink(source.id, 'user', 'ada', 'remote-ada');
    server.requests.length = 0;
    const linked = await t.center.push.provisionNow(source.id, 'ada');
    expect(said(step(linked, 'scope'))).toBe(
      'out of scope: in none of the org subtrees the source pushes. It is linked to remote-ada on the downstream: the next delivery applies the deprovisioning policy (disable). Nothing was sent now',
    );
    expect(server.requests).toEqual([]);
    expect(renderMessage(translator('zh-CN'), step(linked, 'scope').note)).toContain('（停用）');
  });

  it('stops out of scope by the user filter and names it', async () => {
    await seed();
    const source = await scoped({ orgIds: [], userFilter: 'title co "Engineer"' });
    const bob = await t.center.push.provisionNow(source.id, 'bob');
    expect(bob.outcome).toBe('out_of_scope');
    expect(said(step(bob, 'scope'))).toBe('out of scope: the user does not match the source’s user filter title co "Engineer". Nothing was sent');
    // In scope, and sent already by the run that applied the scope: nothing to change.
    const ada = await t.center.push.provisionNow(source.id, 'ada');
    expect(ada.outcome).toBe('unchanged');
    expect(step(ada, 'scope')).toMatchObject({ status: 'succeeded', operation: 'in_scope' });
  });

  it('adopts an existing remote user found by the matching attribute instead of creating it', async () => {
    await seed();
    server.store.get('Users')!.set('hand-1', { id: 'hand-1', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com', active: true });
    const source = await createPushSource(t.center, server, { orgUrl: '' });
    const result = await t.center.push.provisionNow(source.id, 'ada');
    expect(step(result, 'orgs')).toMatchObject({ status: 'skipped', operation: 'not_pushed' });
    expect(step(result, 'match')).toMatchObject({ status: 'succeeded', operation: 'found' });
    expect(said(step(result, 'match'))).toBe('found on the downstream by userName: hand-1');
    const user = step(result, 'user');
    expect(user).toMatchObject({ status: 'succeeded', operation: 'update' });
    expect(user.requests.map((request) => request.method)).toEqual(['PATCH']);
    expect(said(user)).toBe('matched on the downstream by the source’s matching attribute; adopted');
    expect(server.resources('Users')).toEqual([expect.objectContaining({ id: 'hand-1', externalId: 'ada' })]);
    expect(await t.center.push.link(source.id, 'user', 'ada')).toMatchObject({ remoteId: 'hand-1' });
  });

  it('adds the user to its groups when orgs are Groups', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { orgUrl: server.url('Groups'), orgResource: 'group' });
    const result = await t.center.push.provisionNow(source.id, 'ada');
    expect(step(result, 'orgs').objects.map((object) => object.name)).toEqual(['HQ', 'Engineering']);
    const members = step(result, 'memberships');
    expect(members).toMatchObject({ status: 'succeeded', operation: 'updated' });
    expect(members.requests).toEqual([expect.objectContaining({ method: 'PATCH', status: expect.any(Number) })]);
    expect(members.objects).toEqual([expect.objectContaining({ id: 'eng', name: 'Engineering', result: 'succeeded' })]);
    const remoteAda = (await t.center.push.link(source.id, 'user', 'ada'))!.remoteId;
    const group = server.resources('Groups').find((candidate) => candidate.displayName === 'Engineering')!;
    expect(group.members.map((member: { value: string }) => member.value)).toEqual([remoteAda]);
    // Again: nothing left to send for the memberships either.
    const again = await t.center.push.provisionNow(source.id, 'ada');
    expect(again.outcome).toBe('unchanged');
    expect(step(again, 'memberships')).toMatchObject({ status: 'skipped', operation: 'unchanged', requests: [] });
  });

  it('refuses a disabled source, an unknown user, and a source whose delivery keeps its lease', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await expect(t.center.push.provisionNow(source.id, 'nobody')).rejects.toMatchObject({ code: 'SSC_NOT_FOUND' });
    const leases = new LeaseStore(t.knex, () => new Date());
    expect(await leases.acquire(deliveryLeaseName(source.id), 'someone-else:delivery', 60_000)).toBe(true);
    await expect(t.center.push.provisionNow(source.id, 'ada', { waitMs: 0 })).rejects.toMatchObject({ reason: 'delivery_busy' });
    expect(server.writes()).toEqual([]);
    await leases.release(deliveryLeaseName(source.id), 'someone-else:delivery');
    await t.center.sources.disable(source.id);
    await expect(t.center.push.provisionNow(source.id, 'ada')).rejects.toMatchObject({ reason: 'source_disabled' });
  });

  it('finds candidates by name, userName or e-mail, paged, with their link and scope', async () => {
    await seed();
    await t.center.changes.userUpserted(buildUser({ id: 'ann', userName: 'ann', displayName: 'Ann Other', emails: [{ value: 'ann.other@corp.example', type: 'work', primary: true }], orgIds: ['eng'] }));
    const source = await scoped({ orgIds: ['eng'] });
    await t.center.push.provisionNow(source.id, 'ada');
    expect((await t.center.push.provisionCandidates(source.id, 'LOVELACE')).candidates.map((candidate) => candidate.id)).toEqual(['ada']);
    expect((await t.center.push.provisionCandidates(source.id, 'corp.example')).candidates.map((candidate) => candidate.id)).toEqual(['ann']);
    const bob = (await t.center.push.provisionCandidates(source.id, 'bob@')).candidates;
    expect(bob).toEqual([expect.objectContaining({ id: 'bob', inScope: false, remoteId: null, email: expect.stringContaining('@') })]);
    const first = await t.center.push.provisionCandidates(source.id, 'example', { limit: 1 });
    expect(first.candidates.map((candidate) => candidate.id)).toEqual(['ada']);
    expect(first.candidates[0]).toMatchObject({ inScope: true, remoteId: expect.any(String) });
    const second = await t.center.push.provisionCandidates(source.id, 'example', { limit: 2, after: first.next! });
    expect(second.candidates.map((candidate) => candidate.id)).toEqual(['ann', 'bob']);
    expect(second.next).toBeNull();
    expect((await t.center.push.provisionCandidates(source.id, '   ')).candidates).toEqual([]);
  });

  it('stops at a failed create, logs it as a delivery would, and leaves the next steps not reached', async () => {
    await seed();
    const source = await createPushSource(t.center, server, { orgUrl: '' });
    server.fault = (request) => (request.method === 'POST' && request.path.endsWith('/Users') ? { status: 500, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '500', detail: 'database is busy' } } : undefined);
    const result = await t.center.push.provisionNow(source.id, 'ada');
    expect(result.outcome).toBe('failed');
    expect(step(result, 'user')).toMatchObject({ status: 'failed', operation: 'create', requests: [expect.objectContaining({ method: 'POST', status: 500 })] });
    expect(said(step(result, 'user'))).toContain('database is busy');
    expect(step(result, 'memberships')).toMatchObject({ status: 'skipped', operation: 'not_reached' });
    const { entries } = await t.center.logs.deliveries(source.id);
    expect(entries).toEqual([expect.objectContaining({ objectId: 'ada', operation: 'create', result: 'retrying', httpStatus: 500 })]);
    expect(await t.center.push.link(source.id, 'user', 'ada')).toMatchObject({ remoteId: null, lastStatus: 'failed' });
  });

  it('fails the first step that needs the downstream when it cannot be reached, with the reason', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    await server.down();
    const result = await t.center.push.provisionNow(source.id, 'ada');
    expect(result.outcome).toBe('failed');
    expect(result.steps.map((entry) => [entry.name, entry.status, entry.operation])).toEqual([
      ['scope', 'succeeded', 'in_scope'],
      ['orgs', 'failed', 'failed'],
      ['match', 'skipped', 'not_reached'],
      ['user', 'skipped', 'not_reached'],
      ['memberships', 'skipped', 'not_reached'],
    ]);
    expect(said(step(result, 'orgs'))).not.toBe('');
    expect((await t.center.audit.list({ action: 'push.provision_now' }))[0]).toMatchObject({ detail: { outcome: 'failed' } });
  });

  it('tries a quarantined source all the same, says so, and leaves the quarantine as it is', async () => {
    await seed();
    const source = await createPushSource(t.center, server);
    server.fault = () => ({ status: 401 });
    await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    expect((await t.center.sources.get(source.id)).quarantine).not.toBeNull();
    server.fault = () => undefined;
    const result = await t.center.push.provisionNow(source.id, 'ada');
    expect(result.outcome).toBe('provisioned');
    expect(renderMessage(en, result.note)).toBe('the source is quarantined: this single attempt was made all the same, and its health is left as it is');
    expect((await t.center.sources.get(source.id)).quarantine).not.toBeNull();
  });
});

describe(`center.push.provisionNow beside a running delivery worker (${DIALECT})`, () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('takes turns with the worker on the source’s lease: the user lands once, whoever sends it first', async () => {
    await t.center.start();
    const source = await createPushSource(t.center, server, { orgUrl: '' });
    await t.center.changes.userUpserted(buildUser({ id: 'cy', userName: 'cy@example.com' }));
    const result = await t.center.push.provisionNow(source.id, 'cy');
    expect(['provisioned', 'unchanged']).toContain(result.outcome);
    await t.center.push.drained(source.id);
    expect(server.resources('Users')).toEqual([expect.objectContaining({ userName: 'cy@example.com' })]);
    expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    const after = await t.center.push.provisionNow(source.id, 'cy');
    expect(after.outcome).toBe('unchanged');
  });
});
