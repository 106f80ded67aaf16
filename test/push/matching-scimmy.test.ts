import { afterEach, describe, expect, it } from 'vitest';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import type { CreateSourceInput } from '../../lib/sources/source-types.js';
import { URN } from '../../lib/scim/urns.js';
import { twentyOrgCompany } from '../support/company.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';
import { DIALECT } from '../support/test-database.js';

/**
 * Issue 10 item 2 against a third-party SCIM server (the demo downstream: scimmy + scimmy-routers),
 * where it was seen: a second push source took the demo downstream from 20 orgs to 63.
 */
describe(`matching before creating, against scimmy (${DIALECT})`, () => {
  let downstream: DemoDownstream;
  afterEach(async () => {
    await downstream?.close();
  });
  // Registered after the downstream's afterEach, so the center closes first. Not started: no worker races the runs.
  const t = useTestCenter({ push: FAST_PUSH });

  async function source(name: string, shape: 'organization' | 'group', push: Partial<NonNullable<CreateSourceInput['push']>> = {}) {
    const { source: created } = await t.center.sources.create({
      name,
      mode: 'push',
      push: {
        auth: 'bearer',
        token: 'downstream-secret',
        userUrl: `${downstream.scimUrl}/Users`,
        orgUrl: `${downstream.scimUrl}/${shape === 'group' ? 'Groups' : 'Organizations'}`,
        orgResource: shape,
        ...push,
      },
    });
    return t.center.sources.enable(created.id);
  }

  async function sync(sourceId: string) {
    return (await t.center.runs.settled((await t.center.runs.start(sourceId)).id))!;
  }

  for (const shape of ['organization', 'group'] as const) {
    it(`two sources on the demo downstream leave it with 20 orgs, not 40 (${shape})`, async () => {
      downstream = await startDemoDownstream({ port: 0, token: 'downstream-secret' });
      const { orgs, users } = twentyOrgCompany();
      await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
      const kind = shape === 'group' ? 'groups' : 'orgs';

      const first = await source('Demo app', shape);
      expect(await sync(first.id)).toMatchObject({ status: 'succeeded', failed: 0, created: orgs.length + users.length });
      expect(downstream.store.list(kind)).toHaveLength(20);
      const before = new Map(downstream.store.list('users').map((user) => [user.id, [...(user[URN.userOrgs]?.orgIds ?? [])].sort()]));
      const membersOf = () => new Map(downstream.store.list('groups').map((group) => [group.id, new Set((group.members ?? []).map((member: { value: string }) => member.value))]));
      const membersBefore = membersOf();

      const second = await source('Demo app, again', shape);
      expect(await sync(second.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 0 });
      expect(downstream.store.list(kind)).toHaveLength(20);
      expect(downstream.store.list('users')).toHaveLength(users.length);
      const after = new Map(downstream.store.list('users').map((user) => [user.id, [...(user[URN.userOrgs]?.orgIds ?? [])].sort()]));
      expect(after, 'no user re-pointed at copies').toEqual(before);
      for (const org of orgs) expect((await t.center.push.link(second.id, 'org', org.id))?.remoteId).toBe((await t.center.push.link(first.id, 'org', org.id))!.remoteId);
      if (shape === 'organization') {
        const byExternal = new Map(downstream.store.list('orgs').map((org) => [org.externalId, org]));
        for (const org of orgs) expect(byExternal.get(org.id)?.parent).toBe(org.parentId ? byExternal.get(org.parentId)!.id : undefined);
      } else {
        // The same members as the first source left, each once.
        expect(membersOf()).toEqual(membersBefore);
        for (const group of downstream.store.list('groups')) expect(new Set((group.members ?? []).map((member: { value: string }) => member.value)).size).toBe((group.members ?? []).length);
      }
    });
  }

  it('adopts a scimmy user found by work e-mail, and one found by externalId', async () => {
    downstream = await startDemoDownstream({ port: 0, token: 'downstream-secret' });
    const byMail = downstream.store.save('users', undefined, { userName: 'jdoe', emails: [{ type: 'work', value: 'jane@example.com' }] });
    const byExternalId = downstream.store.save('users', undefined, { userName: 'legacy-7', externalId: 'emp7' });
    await t.center.changes.apply([
      { type: 'userUpserted', user: { id: 'jane', userName: 'jane.doe@example.com', emails: [{ value: 'jane@example.com', type: 'work', primary: true }] } },
    ]);
    const mail = await source('By e-mail', 'organization', { matching: { users: 'email', orgs: 'externalIdThenName' } });
    expect(await sync(mail.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: 1 });
    expect(downstream.store.get('users', byMail.id)).toMatchObject({ userName: 'jane.doe@example.com', externalId: 'jane' });

    await t.center.changes.apply([{ type: 'userUpserted', user: { id: 'emp7', userName: 'emp7@example.com' } }]);
    const external = await source('By externalId', 'organization', { matching: { users: 'externalId', orgs: 'externalId' } });
    expect(await sync(external.id)).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(downstream.store.get('users', byExternalId.id)).toMatchObject({ userName: 'emp7@example.com', externalId: 'emp7' });
    expect(downstream.store.list('users')).toHaveLength(2);
  });
});
