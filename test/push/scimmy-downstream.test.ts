import { afterEach, describe, expect, it } from 'vitest';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import { URN } from '../../lib/scim/urns.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

/** A demo-sized company: a root, 4 divisions of 3 teams each, 60 people with managers. */
function company(): { orgs: DirectoryOrg[]; users: DirectoryUser[] } {
  const orgs: DirectoryOrg[] = [{ id: 'root', name: 'Acme', order: 0 }];
  for (let d = 0; d < 4; d += 1) {
    orgs.push({ id: `div${d}`, name: `Division ${d}`, parentId: 'root', order: d, code: `D${d}` });
    for (let team = 0; team < 3; team += 1) orgs.push({ id: `div${d}-t${team}`, name: `Team ${d}.${team}`, parentId: `div${d}`, order: team });
  }
  const teams = orgs.filter((org) => org.id.includes('-t'));
  const users: DirectoryUser[] = Array.from({ length: 60 }, (_, index) => {
    const team = teams[index % teams.length]!;
    const orgIds = index % 7 === 0 ? [team.id, team.parentId!] : [team.id];
    return {
      id: `emp${String(index).padStart(3, '0')}`,
      userName: `emp${index}@acme.example`,
      displayName: `Employee ${index}`,
      name: { givenName: 'Employee', familyName: String(index) },
      emails: [{ value: `emp${index}@acme.example`, type: 'work', primary: true }],
      employeeNumber: `E${index}`,
      title: index % 5 === 0 ? 'Lead' : 'Engineer',
      orgIds,
      primaryOrgId: team.id,
      // Managers sort after some of their reports, so some users land before their manager.
      managerId: index >= 12 ? `emp${String(index % 12).padStart(3, '0')}` : undefined,
    };
  });
  return { orgs, users };
}

describe('push to a third-party SCIM server (scimmy + scimmy-routers)', () => {
  let downstream: DemoDownstream;
  afterEach(async () => {
    await downstream?.close();
  });
  // Registered after the downstream's afterEach, so the center closes first (hooks unwind in reverse).
  const t = useTestCenter({ push: FAST_PUSH });

  for (const shape of ['organization', 'group'] as const) {
    it(`lands a demo-sized directory intact, then delivers renames, moves, deactivations and deletes (${shape})`, async () => {
      downstream = await startDemoDownstream({ port: 0, token: 'downstream-secret' });
      const { orgs, users } = company();
      await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
      await t.center.start();
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
      expect((await t.center.push.testConnection(source.id)).ok).toBe(true);

      const run = await t.center.runs.settled((await t.center.runs.start(source.id)).id);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: orgs.length + users.length });
      await assertIntact(shape);

      // Incremental changes, as the host reports them.
      const byId = new Map(users.map((user) => [user.id, user]));
      await t.center.changes.orgUpserted({ ...orgs[1]!, name: 'Division Zero' }); // rename
      await t.center.changes.orgUpserted({ ...orgs[2]!, parentId: 'div1' }); // move a team under another division
      await t.center.changes.userUpserted({ ...byId.get('emp001')!, displayName: 'Renamed Person' }); // rename
      await t.center.changes.userUpserted({ ...byId.get('emp002')!, orgIds: ['div3-t2'], primaryOrgId: 'div3-t2' }); // move
      await t.center.changes.userUpserted({ ...byId.get('emp003')!, active: false }); // deactivate
      await t.center.changes.userDeleted('emp004'); // delete
      // Delete a leaf org, its people moved first (as a host does).
      const moved = users.filter((user) => user.id !== 'emp004' && user.orgIds!.includes('div3-t1'));
      await t.center.changes.apply(moved.map((user) => ({ type: 'userUpserted' as const, user: { ...user, orgIds: ['div3-t0'], primaryOrgId: 'div3-t0' } })));
      await t.center.changes.orgDeleted('div3-t1');
      await t.center.push.drained(source.id);
      await assertIntact(shape);
      expect(downstream.store.list('users').some((user) => user.externalId === 'emp004')).toBe(false);
      const failures = await t.center.logs.deliveries(source.id, { result: 'rejected' });
      expect(failures.total).toBe(0);
    });
  }

  /** Compares the downstream with the mirror: every user, org, membership and parent. */
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
      if (shape === 'organization') {
        expect(remote.parent).toBe(org.parentId ? orgByExternal.get(org.parentId)!.id : undefined);
        expect(remote.order).toBe(org.order);
      } else {
        const members = new Set((remote.members ?? []).map((member: { value: string }) => member.value));
        const expected = new Set(liveUsers.filter((user) => user.orgIds.includes(org.id)).map((user) => userByExternal.get(user.id)!.id));
        expect(members).toEqual(expected);
      }
    }
    for (const user of liveUsers) {
      const remote = userByExternal.get(user.id)!;
      expect(remote).toMatchObject({ userName: user.userName, displayName: user.displayName, active: user.active });
      expect(new Set(remote[URN.userOrgs]?.orgIds ?? [])).toEqual(new Set(user.orgIds.map((id: string) => orgByExternal.get(id)!.id)));
      const manager = user.managerId ? userByExternal.get(user.managerId)?.id : undefined;
      expect(remote[URN.enterpriseUser]?.manager?.value).toBe(manager);
    }
  }
});
