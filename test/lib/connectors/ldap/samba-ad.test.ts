import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childDn } from '../../../../lib/connectors/ldap/dn.js';
import { LdapConnector } from '../../../../lib/connectors/ldap/ldap-connector.js';
import { LdapDirectory } from '../../../../lib/connectors/ldap/ldap-directory.js';
import { UAC_ACCOUNTDISABLE, UAC_NORMAL_ACCOUNT } from '../../../../lib/connectors/ldap/ldap-entries.js';
import { validateLdapSettings } from '../../../../lib/connectors/ldap/ldap-settings.js';
import { normalizeUser } from '../../../../lib/mirror/normalize.js';
import { sambaUnavailableReason, useSambaDc } from '../../../support/samba-dc.js';
import { demoLikeCompany, TreeDriver } from './tree-driver.js';

const unavailable = await sambaUnavailableReason();
if (unavailable) console.warn(`\n[Active Directory tests] SKIPPED: ${unavailable}.\n`);

/** userAccountControl flags (MS-ADTS 2.2.16): a normal account, which needs no password, enabled or not. */
const NORMAL_ACCOUNT = 0x200;
const PASSWD_NOTREQD = 0x20;
const ACCOUNTDISABLE = 0x2;

/** Provisioning takes ~15 s: one domain controller for the whole file. */
const dc = useSambaDc(unavailable);

describe.skipIf(unavailable !== null)('LdapDirectory against a Samba AD domain controller', () => {
  let directory: LdapDirectory;
  beforeAll(async () => {
    directory = await LdapDirectory.open({ url: dc().ldapsUrl, startTls: false, ca: dc().ca, bindDn: dc().adminDn, bindPassword: dc().adminPassword });
  });
  afterAll(async () => {
    await directory?.close();
  });

  it('writes OUs, users with their AD names, groups with members, moves and disables', async () => {
    const root = childDn('OU', 'Sync Test', dc().baseDn);
    await directory.add(root, { objectClass: 'organizationalUnit', ou: 'Sync Test' });
    const sales = childDn('OU', 'Sales, EMEA', root);
    await directory.add(sales, { objectClass: 'organizationalUnit', ou: 'Sales, EMEA' });

    const user = childDn('CN', '张三', sales);
    await directory.add(user, {
      objectClass: 'user',
      cn: '张三',
      sAMAccountName: 'zhang.san',
      userPrincipalName: 'zhang.san@example.test',
      givenName: '三',
      sn: '张',
      displayName: '张三',
      mail: 'zhang.san@example.test',
      userAccountControl: String(NORMAL_ACCOUNT | PASSWD_NOTREQD),
    });
    const read = await directory.read(user, ['sAMAccountName', 'userAccountControl', 'objectGUID']);
    expect(read?.attributes.samaccountname).toEqual(['zhang.san']);
    expect(Number(read?.attributes.useraccountcontrol?.[0]) & ACCOUNTDISABLE).toBe(0);

    const group = childDn('CN', 'Sales, EMEA', sales);
    await directory.add(group, { objectClass: 'group', cn: 'Sales, EMEA', sAMAccountName: 'sales-emea', member: user });
    expect((await directory.read(group, ['member']))?.attributes.member).toEqual([user]);

    // Disable, then move the user with one modifyDN: AD keeps the group membership pointing at it.
    await directory.modify(user, [{ operation: 'replace', attribute: 'userAccountControl', values: [String(NORMAL_ACCOUNT | PASSWD_NOTREQD | ACCOUNTDISABLE)] }]);
    const moved = await directory.move(user, 'CN=张三', root);
    expect(Number((await directory.read(moved, ['userAccountControl']))?.attributes.useraccountcontrol?.[0]) & ACCOUNTDISABLE).toBe(ACCOUNTDISABLE);
    expect((await directory.read(group, ['member']))?.attributes.member?.map((dn) => dn.toLowerCase())).toEqual([moved.toLowerCase()]);

    // Deleting a user takes it out of its groups.
    await directory.delete(moved);
    expect((await directory.read(group, ['member']))?.attributes.member).toBeUndefined();
    await expect(directory.delete(sales)).rejects.toMatchObject({ code: 'SSC_PUSH_REJECTED' }); // not a leaf: the group is still there
  });

  it('refuses a sAMAccountName that another account holds', async () => {
    const ou = childDn('OU', 'Duplicates', dc().baseDn);
    await directory.add(ou, { objectClass: 'organizationalUnit', ou: 'Duplicates' });
    const attributes = { objectClass: 'user', sAMAccountName: 'dup.user', userAccountControl: String(NORMAL_ACCOUNT | PASSWD_NOTREQD) };
    await directory.add(childDn('CN', 'First', ou), { ...attributes, cn: 'First' });
    await expect(directory.add(childDn('CN', 'Second', ou), { ...attributes, cn: 'Second' })).rejects.toMatchObject({ code: expect.stringMatching(/SSC_PUSH_(CONFLICT|REJECTED)/) });
  });
});

describe.skipIf(unavailable !== null)('LdapConnector with the AD profile against a Samba AD domain controller', () => {
  const base = () => `OU=Connector,${dc().baseDn}`;
  const settingsFor = (overrides: Record<string, unknown> = {}) =>
    validateLdapSettings({ profile: 'ad', url: dc().ldapsUrl, ca: dc().ca, bindDn: dc().adminDn, baseDn: base(), groups: 'groupOfNames', ...overrides }, { allowPlain: true });
  const open = (overrides: Record<string, unknown> = {}, options: { dryRun?: boolean } = {}) => new LdapConnector(settingsFor(overrides), { bindPassword: dc().adminPassword }, options);
  const opened: LdapConnector[] = [];
  const driverFor = (overrides: Record<string, unknown> = {}) => {
    const connector = open(overrides);
    opened.push(connector);
    return new TreeDriver(connector);
  };
  async function read(dn: string, attributes: string[]) {
    const client = await dc().admin();
    try {
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
      return searchEntries[0];
    } catch {
      return undefined;
    } finally {
      await client.unbind();
    }
  }
  const uac = async (dn: string) => Number((await read(dn, ['userAccountControl']))?.userAccountControl);

  beforeAll(async () => {
    const client = await dc().admin();
    await client.add(base(), { objectClass: 'organizationalUnit', ou: 'Connector' });
    await client.unbind();
  });
  afterAll(async () => {
    await Promise.all(opened.map((connector) => connector.close()));
  });

  it('writes the demo-like tree as OUs, enabled user objects with their AD names, and groups; moves, disables and deletes', async () => {
    const driver = driverFor();
    const company = demoLikeCompany(8);
    await driver.writeTree(company.orgs, company.users);
    const connector = driver.connector as LdapConnector;
    expect(connector.counts).toMatchObject({ add: 20 + 20 + 8, modifyDN: 0 });

    const zhang = driver.link({ kind: 'user', data: driver.users.get('emp0')! });
    expect(zhang.id).toMatch(/^[0-9a-f]{32}$/); // the objectGUID
    expect(zhang.location).toBe(`CN=emp0@acme.example,OU=Platform,OU=研发部\\, 北京,OU=Acme,${base()}`);
    expect(await read(zhang.location!, ['sAMAccountName', 'userPrincipalName', 'displayName', 'sn', 'givenName', 'mail', 'title'])).toMatchObject({
      sAMAccountName: 'emp0',
      userPrincipalName: 'emp0@acme.example',
      displayName: '张三',
      sn: '张',
      givenName: '三',
      mail: 'emp0@mail.acme.example',
      title: '工程师',
    });
    // Over LDAPS the account gets a random password and starts enabled.
    expect(await uac(zhang.location!)).toBe(UAC_NORMAL_ACCOUNT);

    // Groups with their direct members; AD keeps member pointing at a moved user by itself.
    const team5 = driver.orgs.get('team5')!;
    const emp5 = driver.users.get('emp5')!;
    await connector.setMembers(driver.links.get('org:team5')!, { kind: 'org', data: team5 }, [driver.link({ kind: 'user', data: emp5 })]);
    await driver.upsert({ kind: 'user', data: { ...emp5, title: 'Lead' } });
    await driver.upsert({ kind: 'org', data: { ...driver.orgs.get('div1')!, parentId: 'div2', name: 'Division One' } });
    // One modifyDN moves the division with its teams, users and groups; its own group's rename is the second.
    expect(connector.counts.modifyDN).toBe(2);
    const movedGroup = `CN=Team 5,OU=Team 5,OU=Division One,OU=Division 2,OU=Acme,${base()}`;
    const members = ((await read(movedGroup, ['member', 'sAMAccountName']))?.member ?? []) as string;
    expect(members.toLowerCase()).toBe(`cn=emp5@acme.example,ou=team 5,ou=division one,ou=division 2,ou=acme,${base()}`.toLowerCase());

    // Found again by objectGUID when the DN it was given has gone stale.
    const fresh = open();
    opened.push(fresh);
    const stale = driver.link({ kind: 'user', data: emp5 });
    await fresh.update({ id: stale.id, location: `CN=emp5@acme.example,OU=Team 5,OU=Division 1,OU=Acme,${base()}` }, null, { kind: 'user', data: { ...driver.users.get('emp5')!, title: 'Director' } }, {});
    expect(await read(movedGroup.replace('CN=Team 5,', 'CN=emp5@acme.example,'), ['title'])).toMatchObject({ title: 'Director' });

    // Disable: the ACCOUNTDISABLE bit; enabling clears it.
    await driver.disable(driver.users.get('emp0')!);
    expect(await uac(zhang.location!)).toBe(UAC_NORMAL_ACCOUNT | UAC_ACCOUNTDISABLE);
    await driver.upsert({ kind: 'user', data: { ...driver.users.get('emp0')!, active: true } });
    expect(await uac(zhang.location!)).toBe(UAC_NORMAL_ACCOUNT);

    // Matching by sAMAccountName, and a reconciliation listing of the users.
    await expect(connector.lookup({ kind: 'user', data: driver.users.get('emp3')! }, {})).resolves.toMatchObject({ id: driver.link({ kind: 'user', data: driver.users.get('emp3')! }).id });
    const listed = [];
    for await (const page of connector.list('user', { pageSize: 3 })) listed.push(...page);
    expect(listed.map((object) => object.matchValue).sort()).toEqual(['emp0', 'emp1', 'emp2', 'emp3', 'emp4', 'emp5', 'emp6', 'emp7']);

    // Leaves first: users, then an empty team (its group goes with it).
    for (const user of [...driver.users.values()]) await driver.delete('user', user.id);
    await driver.delete('org', 'team5');
    expect(await read(`OU=Team 5,OU=Division One,OU=Division 2,OU=Acme,${base()}`, ['ou'])).toBeUndefined();
  });

  it('creates accounts disabled over plain LDAP, where AD cannot take a password, and never shows one in a dry run', async () => {
    const plain = driverFor({ url: dc().url, tls: 'plain', groups: 'none' });
    await plain.create({ kind: 'org', data: { id: 'plain-org', name: 'Plain', order: 0 } });
    const ref = await plain.create({ kind: 'user', data: normalizeUser({ id: 'p1', userName: 'plain.user', orgIds: ['plain-org'] }) });
    expect(await uac(ref.location!)).toBe(UAC_NORMAL_ACCOUNT | UAC_ACCOUNTDISABLE);
    expect(await read(ref.location!, ['userPrincipalName'])).toMatchObject({ userPrincipalName: 'plain.user@example.test' });

    const dry = open({}, { dryRun: true });
    opened.push(dry);
    await dry.create({ kind: 'user', data: normalizeUser({ id: 'p2', userName: 'dry.user' }) }, {});
    const ldif = dry.preview();
    expect(ldif).toContain('# unicodePwd: (a random password is set; not shown)');
    expect(ldif).toContain(`userAccountControl: ${UAC_NORMAL_ACCOUNT}`);
    expect(ldif).not.toMatch(/^unicodePwd/m);
  });

  it('passes its connection test over LDAPS and refuses a wrong password without showing it', async () => {
    const good = await open().testConnection();
    expect(good.checks.map((check) => check.ok)).toEqual([true, true, true]);
    const bad = await new LdapConnector(settingsFor(), { bindPassword: 'Wrong-AD-Passw0rd' }).testConnection();
    expect(bad.checks.map((check) => check.name + (check.ok ? '' : check.skipped ? ':skipped' : ':failed'))).toEqual(['bind:failed', 'baseDn:skipped', 'write:skipped']);
    expect(JSON.stringify(bad)).not.toContain('Wrong-AD-Passw0rd');
  });
});
