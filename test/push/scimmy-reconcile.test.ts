import { afterEach, describe, expect, it } from 'vitest';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import { URN } from '../../lib/scim/urns.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

/** A root, 3 teams, 45 people (more than scimmy's 20 a page) with managers; some in two teams. */
function company(): { orgs: DirectoryOrg[]; users: DirectoryUser[] } {
  const orgs: DirectoryOrg[] = [{ id: 'root', name: 'Acme', order: 0 }];
  for (let team = 0; team < 3; team += 1) orgs.push({ id: `t${team}`, name: `Team ${team}`, parentId: 'root', order: team });
  const users: DirectoryUser[] = Array.from({ length: 45 }, (_, index) => ({
    id: `emp${String(index).padStart(3, '0')}`,
    userName: `emp${index}@acme.example`,
    displayName: `Employee ${index}`,
    name: { givenName: 'Employee', familyName: String(index) },
    emails: [{ value: `emp${index}@acme.example`, type: 'work', primary: true }],
    title: index % 5 === 0 ? 'Lead' : 'Engineer',
    orgIds: index % 7 === 0 ? [`t${index % 3}`, `t${(index + 1) % 3}`] : [`t${index % 3}`],
    primaryOrgId: `t${index % 3}`,
    managerId: index >= 5 ? `emp${String(index % 5).padStart(3, '0')}` : undefined,
  }));
  return { orgs, users };
}

describe('push manual sync against a third-party SCIM server (scimmy) that lost or changed data', () => {
  let downstream: DemoDownstream;
  afterEach(async () => {
    await downstream?.close();
  });
  const t = useTestCenter({ push: FAST_PUSH });

  async function setUp(shape: 'organization' | 'group') {
    downstream = await startDemoDownstream({ port: 0, token: 'downstream-secret' });
    const { orgs, users } = company();
    await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    const { source } = await t.center.sources.create({
      name: 'Demo app',
      mode: 'push',
      push: {
        auth: 'bearer',
        token: 'downstream-secret',
        userUrl: `${downstream.scimUrl}/Users`,
        orgUrl: `${downstream.scimUrl}/${shape === 'group' ? 'Groups' : 'Organizations'}`,
        orgResource: shape,
        deprovision: { users: 'delete', orgs: 'delete' },
      },
    });
    await t.center.sources.enable(source.id);
    const first = await sync(source.id);
    expect(first).toMatchObject({ status: 'succeeded', failed: 0, created: orgs.length + users.length });
    await assertIntact(shape);
    return { sourceId: source.id, objects: orgs.length + users.length };
  }

  async function sync(sourceId: string, options: Record<string, unknown> = {}) {
    return (await t.center.runs.settled((await t.center.runs.start(sourceId, { options })).id))!;
  }

  for (const shape of ['organization', 'group'] as const) {
    it(`restores a wiped downstream in one manual sync, memberships included (${shape})`, async () => {
      const { sourceId, objects } = await setUp(shape);
      downstream.store.users.clear();
      downstream.store.groups.clear();
      downstream.store.orgs.clear();
      expect(await sync(sourceId)).toMatchObject({ status: 'succeeded', failed: 0, created: objects });
      await assertIntact(shape);
      expect(await sync(sourceId)).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: 0 });
    });
  }

  it('restores attributes and memberships edited on the downstream, logging old → new', async () => {
    const { sourceId } = await setUp('group');
    const users = downstream.store.list('users');
    const edited = users.find((user) => user.externalId === 'emp010')!;
    downstream.store.save('users', edited.id, { ...edited, title: 'Edited downstream', name: { givenName: 'Someone', familyName: '10' } });
    // One group lost a member, another gained one it should not have.
    const [team0, team1] = ['t0', 't1'].map((id) => downstream.store.list('groups').find((group) => group.externalId === id)!);
    const lost = team0!.members[0].value as string;
    downstream.store.save('groups', team0!.id, { ...team0, members: team0!.members.slice(1) });
    const intruder = users.find((user) => user.externalId === 'emp002')!; // in t2 only
    downstream.store.save('groups', team1!.id, { ...team1, members: [...team1!.members, { value: intruder.id }] });

    const run = await sync(sourceId);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    await assertIntact('group');
    expect(downstream.store.list('groups').find((group) => group.id === team0!.id)!.members.map((member: { value: string }) => member.value)).toContain(lost);
    const items = (await t.center.runs.items(run.id, { result: 'succeeded', limit: 100 })).items;
    expect(items.find((item) => item.objectId === 'emp010')!.changes).toEqual({
      title: { old: 'Edited downstream', new: 'Lead' },
      'name.givenName': { old: 'Someone', new: 'Employee' },
    });
  });

  it('verify downstream lists scimmy to its end (where it starts again from the top) and finds the user the IdP does not have', async () => {
    const { sourceId } = await setUp('organization');
    downstream.store.save('users', undefined, { userName: 'stray@acme.example', active: true });
    const run = await sync(sourceId, { verifyDownstream: true });
    expect(run).toMatchObject({ status: 'succeeded', deleted: 1, failed: 0 });
    expect(downstream.store.list('users').some((user) => user.userName === 'stray@acme.example')).toBe(false);
  });

  /** Compares the downstream with the mirror: every user, org, membership, parent and manager. */
  async function assertIntact(shape: 'organization' | 'group') {
    const liveUsers = (await t.knex('sync_users').whereNull('deleted_at')).map((row) => JSON.parse(row.data));
    const liveOrgs = (await t.knex('sync_orgs').whereNull('deleted_at')).map((row) => JSON.parse(row.data));
    const remoteOrgs = shape === 'group' ? downstream.store.list('groups') : downstream.store.list('orgs');
    const remoteUsers = downstream.store.list('users');
    expect(remoteOrgs).toHaveLength(liveOrgs.length);
    expect(remoteUsers).toHaveLength(liveUsers.length);
    const orgByExternal = new Map(remoteOrgs.map((org) => [org.externalId, org]));
    const userByExternal = new Map(remoteUsers.map((user) => [user.externalId, user]));
    for (const org of liveOrgs) {
      const remote = orgByExternal.get(org.id)!;
      expect(remote.displayName).toBe(org.name);
      if (shape === 'organization') expect(remote.parent).toBe(org.parentId ? orgByExternal.get(org.parentId)!.id : undefined);
      else {
        const members = new Set((remote.members ?? []).map((member: { value: string }) => member.value));
        expect(members).toEqual(new Set(liveUsers.filter((user) => user.orgIds.includes(org.id)).map((user) => userByExternal.get(user.id)!.id)));
      }
    }
    for (const user of liveUsers) {
      const remote = userByExternal.get(user.id)!;
      expect(remote).toMatchObject({ userName: user.userName, displayName: user.displayName, title: user.title, name: user.name, active: user.active });
      expect(new Set(remote[URN.userOrgs]?.orgIds ?? [])).toEqual(new Set(user.orgIds.map((id: string) => orgByExternal.get(id)!.id)));
      expect(remote[URN.enterpriseUser]?.manager?.value).toBe(user.managerId ? userByExternal.get(user.managerId)!.id : undefined);
    }
  }
});
