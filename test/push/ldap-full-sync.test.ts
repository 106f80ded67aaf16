import { Attribute, Change } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { demoLikeCompany } from '../lib/connectors/ldap/tree-driver.js';
import { createLdapSource, expectedMembers, expectedPaths, groupMembers, NO_WRITES, orgPath, readTree, useSlapd, writesDuring, type Company } from '../support/ldap-tree.js';
import { english } from '../support/messages.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { HAS_SLAPD } from '../support/slapd.js';
import { useTestCenter, type TestCenter } from '../support/test-center.js';

const en = translator('en');

describe.skipIf(!HAS_SLAPD)('LDAP destination: manual sync through the engine (OpenLDAP)', () => {
  const slapd = useSlapd();
  // Not started: no delivery worker races the runs (manual syncs need no start()).
  const t = useTestCenter({ push: FAST_PUSH });

  async function seed(people = 30): Promise<Company> {
    const company = demoLikeCompany(people);
    await t.center.changes.apply([...company.orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...company.users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    return company;
  }

  async function sync(sourceId: string, options: Parameters<TestCenter['center']['runs']['start']>[1] = {}) {
    return (await t.center.runs.settled((await t.center.runs.start(sourceId, options)).id))!;
  }

  const paths = async () => (await readTree(slapd)).map((entry) => entry.path);
  const uuids = async () => new Map((await readTree(slapd)).map((entry) => [entry.path, entry.attributes.entryuuid![0]!]));

  it('writes the directory as a tree: OUs parents first, users under their primary org, groups with their direct members', async () => {
    const company = await seed();
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' });
    let run!: Awaited<ReturnType<typeof sync>>;
    const writes = await writesDuring(slapd, async () => (run = await sync(source.id)));
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: company.orgs.length + company.users.length });
    // Counted by the server: an OU and its group per org, an entry per user, one member write per group that has members.
    const withMembers = Object.values(expectedMembers(company)).filter((members) => members.length > 0).length;
    expect(writes).toEqual({ add: 2 * company.orgs.length + company.users.length, modify: withMembers, modrdn: 0, delete: 0 });

    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    const tree = await readTree(slapd);
    expect(groupMembers(tree)).toEqual(expectedMembers(company));
    const zhang = tree.find((entry) => entry.path.endsWith(`uid=${company.users[0]!.userName}`))!;
    expect(zhang.path).toBe(`${orgPath(company, 'team0')} / uid=emp0@acme.example`);
    expect(zhang.attributes).toMatchObject({ cn: ['张三'], sn: ['张'], givenname: ['三'], mail: ['emp0@mail.acme.example'], title: ['工程师'], employeenumber: ['E0001'] });

    // Parents first: every org's create is logged after its parent's.
    const { items } = await t.center.runs.items(run.id, { kind: 'org', limit: 100 });
    const created = items.filter((item) => item.operation === 'create').map((item) => item.objectId);
    expect(created).toHaveLength(company.orgs.length);
    for (const org of company.orgs) if (org.parentId) expect(created.indexOf(org.parentId), `${org.parentId} before ${org.id}`).toBeLessThan(created.indexOf(org.id));

    // The links are the entries' entryUUIDs.
    const { links } = await t.center.push.links(source.id, { kind: 'user', q: 'emp0', limit: 10 });
    expect(links.find((link) => link.localId === 'emp0')?.remoteId).toBe(zhang.attributes.entryuuid![0]);
  });

  it('sends nothing the second time when nothing changed', async () => {
    const company = await seed();
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' });
    await sync(source.id);
    const before = await uuids();
    let second!: Awaited<ReturnType<typeof sync>>;
    expect(await writesDuring(slapd, async () => (second = await sync(source.id)))).toEqual(NO_WRITES);
    expect(second).toMatchObject({ status: 'succeeded', created: 0, updated: 0, deleted: 0, failed: 0, skipped: company.orgs.length + company.users.length });
    expect(await uuids()).toEqual(before);
  });

  it('restores a wiped tree with one manual sync', async () => {
    const company = await seed();
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' });
    await sync(source.id);
    await slapd.wipe();
    expect(await paths()).toEqual([]);
    const restored = await sync(source.id);
    expect(restored).toMatchObject({ status: 'succeeded', failed: 0, created: company.orgs.length + company.users.length });
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
  });

  it('restores a group’s members edited behind its back, and a group deleted behind its back', async () => {
    const company = await seed(8);
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' });
    await sync(source.id);
    const tree = await readTree(slapd);
    const emptied = tree.find((entry) => entry.path === `${orgPath(company, 'team3')} / cn=Team 3`)!;
    const deleted = tree.find((entry) => entry.path === `${orgPath(company, 'team4')} / cn=Team 4`)!;
    const admin = await slapd.admin();
    await admin.modify(emptied.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'member', values: [''] }) }));
    await admin.del(deleted.dn);
    await admin.unbind();

    const repaired = await sync(source.id);
    expect(repaired).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: 2 });
    const items = (await t.center.runs.items(repaired.id, { result: 'succeeded', limit: 50 })).items;
    expect(items.map((item) => `${item.objectId} ${item.method}`).sort()).toEqual(['team3 members', 'team4 members']);
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    expect(groupMembers(await readTree(slapd))).toEqual(expectedMembers(company));
  });

  it('restores an attribute edited and an entry moved behind its back', async () => {
    const company = await seed(8);
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' });
    await sync(source.id);
    const tree = await readTree(slapd);
    const edited = tree.find((entry) => entry.path.endsWith('uid=emp3@acme.example'))!;
    const moved = tree.find((entry) => entry.path.endsWith('uid=emp4@acme.example'))!;
    const admin = await slapd.admin();
    await admin.modify(edited.dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Edited downstream'] }) }));
    await admin.modifyDN(moved.dn, `uid=emp4@acme.example,${slapd.suffix}`);
    await admin.unbind();

    const repaired = await sync(source.id);
    expect(repaired).toMatchObject({ status: 'succeeded', failed: 0, created: 0, updated: 2 });
    const after = await readTree(slapd);
    expect(after.find((entry) => entry.attributes.entryuuid![0] === edited.attributes.entryuuid![0])!.attributes.displayname).toEqual(['Employee 3']);
    expect(after.find((entry) => entry.attributes.entryuuid![0] === moved.attributes.entryuuid![0])!.path).toBe(moved.path);
    expect(after.map((entry) => entry.path)).toEqual(expectedPaths(company, { groups: true }));
  });

  it('a dry run lists the LDIF it would apply, attribute by attribute, and writes nothing', async () => {
    const company = await seed(4);
    const source = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' });
    let dry!: Awaited<ReturnType<typeof sync>>;
    expect(await writesDuring(slapd, async () => (dry = await sync(source.id, { dryRun: true })))).toEqual(NO_WRITES);
    expect(dry).toMatchObject({ status: 'succeeded', failed: 0, created: company.orgs.length + company.users.length });
    expect(await paths()).toEqual([]);
    const planned = (await t.center.runs.items(dry.id, { result: 'planned', limit: 100 })).items;
    expect(planned).toHaveLength(company.orgs.length + company.users.length);
    // Each planned object says what it would apply, as LDIF.
    for (const item of planned) expect(english(item.error), `${item.kind} ${item.objectId}`).toMatch(/^Would apply:\n(version: 1\n+)?(# dn: .*\n)?dn::? .*\nchangetype: add\n/);
    const ldif = planned.map((item) => english(item.error)).join('\n');
    // An org's create adds its OU and its group.
    expect(ldif.match(/^changetype: add$/gm)).toHaveLength(2 * company.orgs.length + company.users.length);
    expect(ldif).toContain('objectClass: organizationalUnit');
    expect(ldif).toContain('objectClass: groupOfNames');
    expect(ldif).toContain('uid: emp1@acme.example');
    expect(ldif).toContain(`cn:: ${Buffer.from('张三').toString('base64')}`);
    expect(ldif).not.toContain(slapd.rootPassword);

    // After a real sync, a dry run of one change lists only that change (the groups hold their members already).
    await sync(source.id);
    await t.center.changes.userUpserted({ ...company.users[1]!, title: 'Lead' });
    const before = await uuids();
    let change!: Awaited<ReturnType<typeof sync>>;
    expect(await writesDuring(slapd, async () => (change = await sync(source.id, { dryRun: true })))).toEqual(NO_WRITES);
    expect(change).toMatchObject({ status: 'succeeded', updated: 1, created: 0 });
    const changed = (await t.center.runs.items(change.id, { result: 'planned', limit: 100 })).items;
    expect(changed.map((item) => [item.objectId, item.operation])).toEqual([['emp1', 'update']]);
    expect(changed[0]!.changes).toEqual({ title: { new: 'Lead' } });
    const incremental = english(changed[0]!.error);
    expect(incremental).toContain('changetype: modify\nreplace: title\ntitle: Lead\n-');
    expect(incremental).not.toContain('changetype: add');
    expect((await readTree(slapd)).find((entry) => entry.path.endsWith('uid=emp1@acme.example'))!.attributes.title).toBeUndefined();
    expect(await uuids()).toEqual(before);
  });

  it('a second source on the same tree adopts the entries by uid: no duplicates', async () => {
    const company = await seed();
    const first = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' }, {}, 'First LDAP');
    await sync(first.id);
    const before = await uuids();
    const second = await createLdapSource(t.center, slapd, { groups: 'groupOfNames' }, {}, 'Second LDAP');
    let run!: Awaited<ReturnType<typeof sync>>;
    const writes = await writesDuring(slapd, async () => (run = await sync(second.id)));
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 0 });
    // Adopted entries get their attributes written once (what they held was unknown); nothing is added, moved or deleted.
    expect(writes).toMatchObject({ add: 0, modrdn: 0, delete: 0 });
    expect(await uuids()).toEqual(before);
    expect(await paths()).toEqual(expectedPaths(company, { groups: true }));
    const linksOf = async (sourceId: string) => new Map((await t.center.push.links(sourceId, { limit: 500 })).links.map((link) => [`${link.kind}:${link.localId}`, link.remoteId]));
    const [a, b] = [await linksOf(first.id), await linksOf(second.id)];
    expect(b.size).toBe(company.orgs.length + company.users.length);
    expect(b).toEqual(a);
  });

  it('holds a mass delete above the deletion threshold until an admin confirms it', async () => {
    const company = await seed(10);
    const source = await createLdapSource(t.center, slapd, {}, { deletionThreshold: { count: 2 }, deprovision: { users: 'delete', orgs: 'delete' } });
    await sync(source.id);
    const gone = company.users.slice(0, 5);
    await t.center.changes.apply(gone.map((user) => ({ type: 'userDeleted' as const, id: user.id })));

    const paused = await sync(source.id);
    expect(paused.status).toBe('paused');
    expect(renderMessage(en, paused.error)).toBe('5 deletions exceed the threshold of 2; confirm or cancel them');
    const held = (await t.center.runs.items(paused.id, { result: 'planned', limit: 50 })).items;
    expect(held.map((item) => [item.objectId, item.operation]).sort()).toEqual(gone.map((user) => [user.id, 'delete']).sort());
    expect(await paths()).toEqual(expectedPaths(company));

    await t.center.push.confirmRun(paused.id, { actor: 'alice' });
    expect(await t.center.runs.settled(paused.id)).toMatchObject({ status: 'succeeded', deleted: 5 });
    expect(await paths()).toEqual(expectedPaths({ ...company, users: company.users.slice(5) }));
  });
});
