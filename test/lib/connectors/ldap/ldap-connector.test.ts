import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorObject } from '../../../../lib/push/connector.js';
import { LdapConnector } from '../../../../lib/connectors/ldap/ldap-connector.js';
import { validateLdapSettings } from '../../../../lib/connectors/ldap/ldap-settings.js';
import type { LdapSettings } from '../../../../lib/sources/ldap-destination.js';
import { normalizeUser } from '../../../../lib/mirror/normalize.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../../../support/slapd.js';
import { demoLikeCompany, TreeDriver } from './tree-driver.js';

/** Every DN under the suffix, lower-cased, sorted. */
async function treeOf(slapd: Slapd, filter = '(objectClass=*)'): Promise<string[]> {
  const client = await slapd.admin();
  try {
    const { searchEntries } = await client.search(slapd.suffix, { scope: 'sub', filter, attributes: ['1.1'] });
    return searchEntries.map((entry) => entry.dn.toLowerCase()).filter((dn) => dn !== slapd.suffix).sort();
  } finally {
    await client.unbind();
  }
}

async function entry(slapd: Slapd, dn: string, attributes: string[] = ['*', 'entryUUID']): Promise<Record<string, unknown> | undefined> {
  const client = await slapd.admin();
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
    return searchEntries[0];
  } catch {
    return undefined;
  } finally {
    await client.unbind();
  }
}

describe.skipIf(!HAS_SLAPD)('LdapConnector against OpenLDAP', () => {
  let slapd: Slapd;
  let connector: LdapConnector;
  let driver: TreeDriver;

  function settingsFor(overrides: Record<string, unknown> = {}): LdapSettings {
    return validateLdapSettings({ url: slapd.url, tls: 'startTls', ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, ...overrides }, { allowPlain: false });
  }
  function open(overrides: Record<string, unknown> = {}, options: { dryRun?: boolean } = {}): LdapConnector {
    return new LdapConnector(settingsFor(overrides), { bindPassword: slapd.rootPassword }, options);
  }

  beforeEach(async () => {
    slapd = await startSlapd();
    connector = open();
    driver = new TreeDriver(connector);
  });
  afterEach(async () => {
    await connector?.close();
    await slapd?.stop();
  });

  it('writes the demo-like tree in tree order: OUs for orgs, inetOrgPerson users under their primary org', async () => {
    const company = demoLikeCompany(30);
    await driver.writeTree(company.orgs, company.users);

    expect(await treeOf(slapd, '(objectClass=organizationalUnit)')).toHaveLength(20);
    expect(await treeOf(slapd, '(objectClass=inetOrgPerson)')).toHaveLength(30);
    // Two teams called "Platform" under different divisions; the comma in a name stays data.
    const zhang = await entry(slapd, 'uid=emp0@acme.example,ou=Platform,ou=研发部\\, 北京,ou=Acme,dc=example,dc=test');
    expect(zhang).toMatchObject({ cn: '张三', sn: '张', givenName: '三', mail: 'emp0@mail.acme.example', telephoneNumber: '+86 10 1234 5678', title: '工程师', employeeNumber: 'E0001', displayName: '张三' });
    expect(await entry(slapd, 'ou=Platform,ou=Division 1,ou=Acme,dc=example,dc=test')).toBeDefined();
    // The link is the entry's entryUUID, with the DN as a hint.
    expect(driver.link({ kind: 'user', data: normalizeUser(company.users[0]!) })).toEqual({ id: zhang!.entryUUID, location: expect.stringMatching(/^uid=emp0@acme\.example,/) });
    // The new entries' entryUUIDs came back with the adds (RFC 4527 post-read): no search followed.
    expect(connector.counts).toMatchObject({ add: 50, modifyDN: 0, delete: 0, search: 0 });
  });

  it('renames and moves users and whole org subtrees with modifyDN, never delete-and-create', async () => {
    const company = demoLikeCompany(30);
    await driver.writeTree(company.orgs, company.users);
    const user = driver.users.get('emp1')!;
    const uuidBefore = (await entry(slapd, driver.link({ kind: 'user', data: user }).location!))!.entryUUID;
    const adds = connector.counts.add;

    // An attribute change sends only that attribute.
    await driver.upsert({ kind: 'user', data: { ...user, title: 'Lead' } });
    expect(connector.counts).toMatchObject({ modify: 1, modifyDN: 0 });

    // A rename (the userName is the RDN) and a move to another team: one modifyDN.
    await driver.upsert({ kind: 'user', data: { ...driver.users.get('emp1')!, userName: 'renamed@acme.example', orgIds: ['team9'], primaryOrgId: 'team9' } });
    expect(connector.counts.modifyDN).toBe(1);
    const moved = await entry(slapd, 'uid=renamed@acme.example,ou=Team 9,ou=Division 1,ou=Acme,dc=example,dc=test');
    expect(moved).toMatchObject({ uid: 'renamed@acme.example', title: 'Lead', entryUUID: uuidBefore });

    // Moving Division 1 under Division 2 moves its teams and their users with one modifyDN.
    const division = driver.orgs.get('div1')!;
    const below = (await treeOf(slapd)).filter((dn) => dn.endsWith('ou=division 1,ou=acme,dc=example,dc=test'));
    await driver.upsert({ kind: 'org', data: { ...division, parentId: 'div2', name: 'Division One' } });
    expect(connector.counts.modifyDN).toBe(2);
    const after = (await treeOf(slapd)).filter((dn) => dn.endsWith('ou=division one,ou=division 2,ou=acme,dc=example,dc=test'));
    expect(after).toHaveLength(below.length);
    expect(await entry(slapd, 'uid=renamed@acme.example,ou=Team 9,ou=Division One,ou=Division 2,ou=Acme,dc=example,dc=test')).toMatchObject({ entryUUID: uuidBefore });

    // A later change to a user below the moved org finds it at its new DN.
    await driver.upsert({ kind: 'user', data: { ...driver.users.get('emp1')!, title: 'Director' } });
    expect(await entry(slapd, 'uid=renamed@acme.example,ou=Team 9,ou=Division One,ou=Division 2,ou=Acme,dc=example,dc=test')).toMatchObject({ title: 'Director' });
    expect(connector.counts.add).toBe(adds);
    expect(connector.counts.delete).toBe(0);
  });

  it('finds an entry moved behind its back by its entryUUID', async () => {
    const company = demoLikeCompany(2);
    await driver.writeTree(company.orgs, company.users);
    const user = driver.users.get('emp0')!;
    const dn = driver.link({ kind: 'user', data: user }).location!;
    const admin = await slapd.admin();
    await admin.modifyDN(dn, `uid=emp0@acme.example,ou=Team 2,ou=Division 2,ou=Acme,${slapd.suffix}`);
    await admin.unbind();
    // A fresh connector, as after a restart: only the link's (stale) DN to go by.
    const fresh = open();
    await fresh.update(driver.link({ kind: 'user', data: user }), { kind: 'user', data: user }, { kind: 'user', data: { ...user, title: 'Moved' } }, {});
    await fresh.close();
    expect(await entry(slapd, `uid=emp0@acme.example,ou=Team 2,ou=Division 2,ou=Acme,${slapd.suffix}`)).toMatchObject({ title: 'Moved' });
  });

  it('disables into the disabled OU or by an attribute, enables back, and deletes leaves first', async () => {
    const company = demoLikeCompany(4);
    await driver.writeTree(company.orgs, company.users);
    await driver.disable(driver.users.get('emp0')!);
    expect(await entry(slapd, `uid=emp0@acme.example,ou=Disabled,${slapd.suffix}`)).toBeDefined();
    // Enabled again: back under its team.
    await driver.upsert({ kind: 'user', data: { ...driver.users.get('emp0')!, active: true } });
    expect(await entry(slapd, `uid=emp0@acme.example,ou=Platform,ou=研发部\\, 北京,ou=Acme,${slapd.suffix}`)).toBeDefined();

    const byAttribute = new TreeDriver(open({ disable: { mode: 'attribute', attribute: 'employeeType', value: 'disabled' } }));
    for (const [key, ref] of driver.links) byAttribute.links.set(key, ref);
    await byAttribute.disable(driver.users.get('emp1')!);
    expect(await entry(slapd, `uid=emp1@acme.example,ou=Platform,ou=Division 1,ou=Acme,${slapd.suffix}`)).toMatchObject({ employeeType: 'disabled' });
    await byAttribute.upsert({ kind: 'user', data: { ...byAttribute.users.get('emp1')!, active: true } });
    expect(await entry(slapd, `uid=emp1@acme.example,ou=Platform,ou=Division 1,ou=Acme,${slapd.suffix}`)).not.toHaveProperty('employeeType');
    await byAttribute.connector.close();

    // Leaves first: the users, then the teams deepest first.
    for (const user of [...driver.users.values()]) await driver.delete('user', user.id);
    for (const id of ['team0', 'team4', 'team8', 'team12']) await driver.delete('org', id);
    expect((await treeOf(slapd)).filter((dn) => dn.includes('uid='))).toEqual([]);
    expect(await entry(slapd, `ou=Platform,ou=研发部\\, 北京,ou=Acme,${slapd.suffix}`)).toBeUndefined();
    // An org that still holds what the center did not delete is refused for this object only.
    await expect(driver.delete('org', 'root')).rejects.toMatchObject({ code: 'SSC_PUSH_REJECTED' });
    // Deleting what is already gone says so, for the engine to count it done.
    await expect(connector.delete({ id: 'no-such-uuid' }, 'user')).rejects.toMatchObject({ code: 'SSC_PUSH_NOT_FOUND' });
  });

  it('keeps orgs as groupOfNames (or groupOfUniqueNames) with their direct members, through moves and renames', async () => {
    for (const groups of ['groupOfNames', 'groupOfUniqueNames'] as const) {
      await slapd.wipe();
      const grouped = new TreeDriver(open({ groups }));
      const company = demoLikeCompany(8);
      await grouped.writeTree(company.orgs, company.users);
      const team = grouped.orgs.get('team5')!;
      const members = [...grouped.users.values()].filter((user) => user.orgIds.includes('team5'));
      await grouped.connector.setMembers!(grouped.links.get('org:team5')!, { kind: 'org', data: team }, members.map((user) => grouped.link({ kind: 'user', data: user })));
      const attribute = groups === 'groupOfNames' ? 'member' : 'uniqueMember';
      const groupDn = `cn=Team 5,ou=Team 5,ou=Division 1,ou=Acme,${slapd.suffix}`;
      expect((await entry(slapd, groupDn))?.[attribute]).toEqual(`uid=emp5@acme.example,ou=Team 5,ou=Division 1,ou=Acme,${slapd.suffix}`);
      // An empty org's group names nobody (the empty DN).
      expect((await entry(slapd, `cn=Acme,ou=Acme,${slapd.suffix}`))?.[attribute]).toBe('');

      // Moving and renaming the division: the group moves with its OU, is renamed with it, and its member values follow.
      await grouped.upsert({ kind: 'org', data: { ...grouped.orgs.get('team5')!, name: 'Team Five' } });
      await grouped.upsert({ kind: 'org', data: { ...grouped.orgs.get('div1')!, parentId: 'div3' } });
      const movedGroup = await entry(slapd, `cn=Team Five,ou=Team Five,ou=Division 1,ou=Division 3,ou=Acme,${slapd.suffix}`);
      expect(String(movedGroup?.[attribute]).toLowerCase()).toBe(`uid=emp5@acme.example,ou=team five,ou=division 1,ou=division 3,ou=acme,${slapd.suffix}`);
      // Deleting an org takes its group with it.
      for (const user of members) await grouped.delete('user', user.id);
      await grouped.delete('org', 'team5');
      expect(await entry(slapd, `ou=Team Five,ou=Division 1,ou=Division 3,ou=Acme,${slapd.suffix}`)).toBeUndefined();
      await grouped.connector.close();
    }
  });

  it('matches unlinked users by uid or mail, orgs by their place, and adopts on a conflicting create', async () => {
    const company = demoLikeCompany(3);
    await driver.writeTree(company.orgs, company.users);
    const user = driver.users.get('emp2')!;
    const placement = driver.placement({ kind: 'user', data: user });
    const linked = driver.link({ kind: 'user', data: user });

    await expect(open({ matchBy: 'uid' }).lookup({ kind: 'user', data: user }, placement)).resolves.toEqual(linked);
    await expect(open({ matchBy: 'mail' }).lookup({ kind: 'user', data: { ...user, userName: 'other' } }, placement)).resolves.toMatchObject({ id: linked.id });
    await expect(open({ matchBy: 'entryUUID' }).lookup({ kind: 'user', data: user }, placement)).resolves.toBeNull();
    await expect(connector.lookup({ kind: 'user', data: { ...user, userName: 'nobody' } }, placement)).resolves.toBeNull();
    const org: ConnectorObject = { kind: 'org', data: driver.orgs.get('team3')! };
    await expect(connector.lookup(org, driver.placement(org))).resolves.toEqual(driver.links.get('org:team3'));

    // Creating what exists is a conflict; the engine then looks it up and adopts it.
    await expect(connector.create({ kind: 'user', data: user }, placement)).rejects.toMatchObject({ code: 'SSC_PUSH_CONFLICT' });
  });

  it('lists users and orgs for reconciliation a page at a time (paged results)', async () => {
    const company = demoLikeCompany(30);
    await driver.writeTree(company.orgs, company.users);
    const pages: number[] = [];
    const ids = new Set<string>();
    for await (const page of connector.list('user', { pageSize: 7 })) {
      pages.push(page.length);
      for (const object of page) ids.add(object.ref.id);
    }
    expect(pages).toEqual([7, 7, 7, 7, 2]);
    expect([...ids].sort()).toEqual([...driver.links.entries()].filter(([key]) => key.startsWith('user:')).map(([, ref]) => ref.id).sort());
    const orgs = [];
    for await (const page of connector.list('org')) orgs.push(...page);
    expect(orgs.map((org) => org.matchValue).sort()).toEqual([...driver.orgs.values()].map((org) => org.name).sort());
  });

  it('stops on a wrong password without the password in the error, and works over ldaps:// with the CA', async () => {
    const wrong = new LdapConnector(settingsFor(), { bindPassword: 'not-the-Secret-123' });
    const failure = await wrong.create({ kind: 'org', data: { id: 'x', name: 'X', order: 0 } }, {}).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'SSC_PUSH_STOP', reason: 'unauthorized' });
    expect(JSON.stringify(failure) + String((failure as Error).message) + (failure as Error).stack).not.toContain('not-the-Secret-123');
    await wrong.close();

    const overLdaps = new TreeDriver(open({ url: slapd.ldapsUrl, tls: 'ldaps' }));
    const company = demoLikeCompany(2);
    await overLdaps.writeTree(company.orgs, company.users);
    expect(await treeOf(slapd, '(objectClass=inetOrgPerson)')).toHaveLength(2);
    await overLdaps.connector.close();
  });

  it('retries later while the server is down, and binds again (not anonymously) when it is back', async () => {
    // ldapts notices a dropped StartTLS connection only when an operation times out: keep that short.
    driver = new TreeDriver((connector = open({ timeoutMs: 2000 })));
    const company = demoLikeCompany(2);
    await driver.writeTree(company.orgs, company.users);
    await slapd.kill();
    const late = normalizeUser({ id: 'late', userName: 'late@acme.example', orgIds: ['team3'] });
    await expect(driver.create({ kind: 'user', data: late })).rejects.toMatchObject({ code: 'SSC_PUSH_TRANSIENT' });
    await slapd.restart();
    // Each pooled connection finds out it was dropped by one timed-out operation (a transient
    // failure the engine retries); then it reconnects and binds again over StartTLS, so writes
    // succeed (anonymous writes would be refused, and stop the sync).
    let transient = 0;
    for (let done = 0; done < 4; ) {
      try {
        await driver.upsert({ kind: 'user', data: { ...driver.users.get('emp0')!, title: `After restart ${done}` } });
        done += 1;
      } catch (error) {
        expect(error).toMatchObject({ code: 'SSC_PUSH_TRANSIENT' });
        transient += 1;
        expect(transient).toBeLessThanOrEqual(4);
      }
    }
    await driver.create({ kind: 'user', data: late });
    expect(await entry(slapd, `uid=late@acme.example,ou=Team 3,ou=Division 3,ou=Acme,${slapd.suffix}`)).toMatchObject({ uid: 'late@acme.example' });
  });
});
