import { describe, expect, it, vi } from 'vitest';
import type { DirectoryChange } from '../../lib/mirror/change-writer.js';
import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import type { LdapSettings } from '../../lib/sources/ldap-destination.js';
import type { Source } from '../../lib/sources/source-types.js';
import { demoLikeCompany } from '../lib/connectors/ldap/tree-driver.js';
import { useFixture } from '../support/fixture.js';
import { createLdapSource, expectedMembers, expectedPaths, groupMembers, orgPath, readTree, useSlapd, userPath, writesDuring, type Company } from '../support/ldap-tree.js';
import { createSiblingCenter, FAST_PUSH } from '../support/push-helpers.js';
import { HAS_SLAPD } from '../support/slapd.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

/**
 * Every kind of directory change, delivered by the started center's worker (the incremental
 * path), against a real slapd. The tree is compared with the mirror as paths of RDN values, and
 * entryUUIDs show that a rename or a move kept the entry (a modifyDN, not delete-and-create).
 */
describe.skipIf(!HAS_SLAPD)('LDAP destination: incremental delivery through the engine (OpenLDAP)', () => {
  const slapd = useSlapd();
  const t = useFixture(async () => {
    const center = await createTestCenter({ push: FAST_PUSH });
    await center.center.start();
    return center;
  });

  let company: Company;
  /** A started center with a destination that holds `company` (delivered incrementally, creates only). */
  async function delivered(ldap: Partial<LdapSettings> = {}, push: Parameters<typeof createLdapSource>[3] = {}): Promise<Source> {
    company = demoLikeCompany(30);
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames', ...ldap }, push);
    await apply([...company.orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...company.users.map((user) => ({ type: 'userUpserted' as const, user }))], source);
    return source;
  }

  /** Applies the changes to the mirror and to `company`, and waits until the source has delivered them. */
  async function apply(changes: DirectoryChange[], source: Source): Promise<void> {
    track(changes);
    await t.center.changes.apply(changes);
    await t.center.push.drained(source.id);
  }

  /** What the tree should become: the changes applied to `company` only. */
  function track(changes: DirectoryChange[]): void {
    for (const change of changes) {
      if (change.type === 'orgUpserted') company.orgs = [...company.orgs.filter((org) => org.id !== change.org.id), change.org];
      if (change.type === 'userUpserted') company.users = [...company.users.filter((user) => user.id !== change.user.id), change.user];
      if (change.type === 'orgDeleted') company.orgs = company.orgs.filter((org) => org.id !== change.id);
      if (change.type === 'userDeleted') company.users = company.users.filter((user) => user.id !== change.id);
    }
  }

  const org = (id: string): DirectoryOrg => company.orgs.find((candidate) => candidate.id === id)!;
  const user = (id: string): DirectoryUser => company.users.find((candidate) => candidate.id === id)!;
  const paths = async () => (await readTree(slapd)).map((entry) => entry.path);
  const uuidAt = async (path: string) => (await readTree(slapd)).find((entry) => entry.path === path)?.attributes.entryuuid?.[0];
  const failures = async (source: Source) => (await t.center.logs.deliveries(source.id, { result: 'failed' })).entries.concat((await t.center.logs.deliveries(source.id, { result: 'rejected' })).entries);

  it('creates the tree as changes arrive: orgs before their users, groups with their direct members', async () => {
    const source = await delivered();
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
    expect(await failures(source)).toEqual([]);

    // A new team and its first member in one batch: the OU exists before the user is added under it.
    await apply(
      [
        { type: 'userUpserted', user: { id: 'new1', userName: 'new1@acme.example', displayName: 'New One', orgIds: ['team-new'], primaryOrgId: 'team-new', emails: [{ value: 'new1@mail.acme.example', primary: true }] } },
        { type: 'orgUpserted', org: { id: 'team-new', name: 'Team New', parentId: 'div3', order: 99 } },
      ],
      source,
    );
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect(groupMembers(await readTree(slapd))[`${orgPath(company, 'team-new')} / cn=Team New`]).toEqual([`${orgPath(company, 'team-new')} / uid=new1@acme.example`]);
    expect(await failures(source)).toEqual([]);
  });

  it('after a restart, writes only what changed, also at and below an org whose name the server escapes its own way', async () => {
    const source = await delivered();
    // A new instance knows the entries by entryUUID only and finds their DNs in the server's own
    // escaping: "研发部, 北京" comes back as `ou=研发部\2C 北京`, the center builds `ou=研发部\, 北京`.
    await t.center.close();
    const again = await createSiblingCenter(t.knex, t.directory, { push: FAST_PUSH });
    try {
      await again.start();
      const before = await readTree(slapd);
      // A new sort order is not part of the org's entry (in place: nothing to move or rename); the title is one modify.
      const writes = await writesDuring(slapd, async () => {
        await again.changes.orgUpserted({ ...org('div0'), order: 42 });
        await again.changes.userUpserted({ ...user('emp0'), title: 'Lead' });
        await again.push.drained(source.id);
      });
      expect(writes).toEqual({ add: 0, modify: 1, modrdn: 0, delete: 0 });
      const after = await readTree(slapd);
      expect(after.map((entry) => entry.dn)).toEqual(before.map((entry) => entry.dn));
      expect(after.find((entry) => entry.path === userPath(company, user('emp0')))!.attributes.title).toEqual(['Lead']);
    } finally {
      await again.close();
    }
  });

  it('renames a user and an org with modifyDN: same entryUUIDs, the org’s users follow', async () => {
    const source = await delivered();
    const userBefore = await uuidAt(userPath(company, user('emp5')));
    const orgBefore = await uuidAt(orgPath(company, 'team5'));
    const memberPath = userPath(company, user('emp20'));
    expect(memberPath.startsWith(orgPath(company, 'team5'))).toBe(true);
    const memberBefore = await uuidAt(memberPath);

    const writes = await writesDuring(slapd, () =>
      apply(
        [
          { type: 'userUpserted', user: { ...user('emp5'), userName: 'renamed5@acme.example' } },
          { type: 'orgUpserted', org: { ...org('team5'), name: 'Team Five' } },
        ],
        source,
      ),
    );
    // The user, the OU and the OU's group are renamed; nothing is added or deleted.
    expect(writes).toMatchObject({ add: 0, modrdn: 3, delete: 0 });
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect(await uuidAt(userPath(company, user('emp5')))).toBe(userBefore);
    expect(await uuidAt(orgPath(company, 'team5'))).toBe(orgBefore);
    expect(await uuidAt(userPath(company, user('emp20')))).toBe(memberBefore);
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
    expect(await failures(source)).toEqual([]);
  });

  it('moves a user to another org with modifyDN, and moves it between the orgs’ groups', async () => {
    const source = await delivered();
    const before = await uuidAt(userPath(company, user('emp1')));
    const writes = await writesDuring(slapd, () => apply([{ type: 'userUpserted', user: { ...user('emp1'), orgIds: ['team9'], primaryOrgId: 'team9' } }], source));
    expect(writes).toMatchObject({ add: 0, modrdn: 1, delete: 0 });
    expect(userPath(company, user('emp1'))).toBe(`${orgPath(company, 'team9')} / uid=emp1@acme.example`);
    expect(await uuidAt(userPath(company, user('emp1')))).toBe(before);
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
    expect(await failures(source)).toEqual([]);
  });

  it('moves an org with its subtree as one modifyDN: nothing below is moved, re-created or delivered on its own', async () => {
    const source = await delivered();
    const from = orgPath(company, 'div1');
    const below = (await readTree(slapd)).filter((entry) => entry.path === from || entry.path.startsWith(`${from} / `));
    expect(below.length).toBeGreaterThan(10);
    const lastEntry = (await t.center.logs.deliveries(source.id, { limit: 1 })).entries[0]!.id;

    const writes = await writesDuring(slapd, () => apply([{ type: 'orgUpserted', org: { ...org('div1'), parentId: 'div2' } }], source));
    // One modifyDN moves the OU with everything below it, as the server counts it.
    expect(writes).toMatchObject({ add: 0, modrdn: 1, delete: 0 });
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    const moved = new Map((await readTree(slapd)).map((entry) => [entry.attributes.entryuuid![0], entry.path]));
    const to = orgPath(company, 'div1');
    expect(to).toBe(`${orgPath(company, 'div2')} / ou=Division 1`);
    for (const entry of below) expect(moved.get(entry.attributes.entryuuid![0]), entry.path).toBe(`${to}${entry.path.slice(from.length)}`);
    // The org is the one object delivered (OpenLDAP's groups get their member DNs rewritten by the same write).
    const since = (await t.center.logs.deliveries(source.id, { limit: 100 })).entries.filter((entry) => entry.id > lastEntry);
    expect(since.map((entry) => `${entry.kind}:${entry.objectId}:${entry.result}`)).toEqual(['org:div1:succeeded']);
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
  });

  it('deprovisions a deactivated user per policy: moved to ou=Disabled by default, and back when active again', async () => {
    const source = await delivered();
    const before = await uuidAt(userPath(company, user('emp2')));
    await apply([{ type: 'userUpserted', user: { ...user('emp2'), active: false } }], source);
    expect(await uuidAt(`ou=Disabled / uid=${user('emp2').userName}`)).toBe(before);
    expect(await paths()).toEqual(expectedPaths(company, { groups: true, disabledPath: 'ou=Disabled' }));

    await apply([{ type: 'userUpserted', user: { ...user('emp2'), active: true } }], source);
    expect(await uuidAt(userPath(company, user('emp2')))).toBe(before);
    expect(await failures(source)).toEqual([]);
  });

  it('deprovisions a deactivated user by an attribute when the policy says so, in place', async () => {
    const source = await delivered({ disable: { mode: 'attribute', attribute: 'employeeType', value: 'disabled' } });
    await apply([{ type: 'userUpserted', user: { ...user('emp3'), active: false } }], source);
    const entry = (await readTree(slapd)).find((candidate) => candidate.path === userPath(company, { ...user('emp3'), active: true }))!;
    expect(entry.attributes.employeetype).toEqual(['disabled']);
    await apply([{ type: 'userUpserted', user: { ...user('emp3'), active: true } }], source);
    expect((await readTree(slapd)).find((candidate) => candidate.dn === entry.dn)!.attributes.employeetype).toBeUndefined();
  });

  it('deletes leaves first: the users, then the orgs deepest first', async () => {
    const source = await delivered({}, { deprovision: { users: 'delete', orgs: 'delete' }, deletionThreshold: null });
    // Division 2 with its teams and every user in them, all in one batch, parents listed first.
    const teams = company.orgs.filter((candidate) => candidate.parentId === 'div2').map((candidate) => candidate.id);
    const users = company.users.filter((candidate) => teams.includes(candidate.primaryOrgId!)).map((candidate) => candidate.id);
    const lastEntry = (await t.center.logs.deliveries(source.id, { limit: 1 })).entries[0]!.id;
    const writes = await writesDuring(slapd, () =>
      apply(
        [
          { type: 'orgDeleted', id: 'div2' },
          ...teams.map((id) => ({ type: 'orgDeleted' as const, id })),
          ...users.map((id) => ({ type: 'userDeleted' as const, id })),
        ],
        source,
      ),
    );
    // Every user, every OU and its group: one delete each, none refused (a refused one would be a non-leaf).
    expect(writes).toMatchObject({ add: 0, modrdn: 0, delete: users.length + 2 * (teams.length + 1) });
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    const since = (await t.center.logs.deliveries(source.id, { limit: 200 })).entries.filter((entry) => entry.id > lastEntry).reverse();
    expect(since.every((entry) => entry.result === 'succeeded' && entry.operation === 'delete')).toBe(true);
    const order = since.map((entry) => `${entry.kind}:${entry.objectId}`);
    expect(order.slice(0, users.length).sort()).toEqual(users.map((id) => `user:${id}`).sort());
    expect(order.slice(users.length, -1).sort()).toEqual(teams.map((id) => `org:${id}`).sort());
    expect(order.at(-1)).toBe('org:div2');
  });

  it('loses nothing while the server is down: the changes wait and arrive once it is back', async () => {
    const source = await delivered();
    await slapd.kill();
    const changes: DirectoryChange[] = [
      { type: 'userUpserted', user: { id: 'down1', userName: 'down1@acme.example', displayName: 'Down One', orgIds: ['team4'], primaryOrgId: 'team4' } },
      { type: 'userUpserted', user: { ...user('emp6'), title: 'Changed while down' } },
      { type: 'userUpserted', user: { ...user('emp7'), orgIds: ['team8'], primaryOrgId: 'team8' } },
      { type: 'orgUpserted', org: { ...org('team10'), name: 'Team Ten' } },
    ];
    await t.center.changes.apply(changes);
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).worker?.failures ?? 0, 'failed attempts').toBeGreaterThanOrEqual(2), { timeout: 15_000 });
    // Nothing is lost: each change is behind the cursor or waits in its object's own retry.
    const waiting = await t.center.push.status(source.id);
    expect(waiting.retrying + (await t.center.mirror.currentSequence()) - waiting.cursor, 'changes waiting').toBeGreaterThanOrEqual(changes.length);
    await expect(readTree(slapd), 'the server is down').rejects.toThrow();

    await slapd.restart();
    track(changes);
    await t.center.push.drained(source.id);
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect((await readTree(slapd)).find((entry) => entry.path === userPath(company, user('emp6')))!.attributes.title).toEqual(['Changed while down']);
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
    expect(await t.center.push.links(source.id, { status: 'failed' })).toMatchObject({ total: 0 });
  });
});
