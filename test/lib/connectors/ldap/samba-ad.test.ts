import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childDn } from '../../../../lib/connectors/ldap/dn.js';
import { LdapDirectory } from '../../../../lib/connectors/ldap/ldap-directory.js';
import { sambaUnavailableReason, startSambaDc, type SambaDc } from '../../../support/samba-dc.js';

const unavailable = await sambaUnavailableReason();
if (unavailable) console.warn(`\n[Active Directory tests] SKIPPED: ${unavailable}.\n`);

/** userAccountControl flags (MS-ADTS 2.2.16): a normal account, which needs no password, enabled or not. */
const NORMAL_ACCOUNT = 0x200;
const PASSWD_NOTREQD = 0x20;
const ACCOUNTDISABLE = 0x2;

describe.skipIf(unavailable !== null)('LdapDirectory against a Samba AD domain controller', () => {
  let dc: SambaDc;
  let directory: LdapDirectory;
  beforeAll(async () => {
    dc = await startSambaDc();
    directory = await LdapDirectory.open({ url: dc.ldapsUrl, startTls: false, ca: dc.ca, bindDn: dc.adminDn, bindPassword: dc.adminPassword });
  }, 120_000);
  afterAll(async () => {
    await directory?.close();
    await dc?.stop();
  });

  it('writes OUs, users with their AD names, groups with members, moves and disables', async () => {
    const root = childDn('OU', 'Sync Test', dc.baseDn);
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
    const ou = childDn('OU', 'Duplicates', dc.baseDn);
    await directory.add(ou, { objectClass: 'organizationalUnit', ou: 'Duplicates' });
    const attributes = { objectClass: 'user', sAMAccountName: 'dup.user', userAccountControl: String(NORMAL_ACCOUNT | PASSWD_NOTREQD) };
    await directory.add(childDn('CN', 'First', ou), { ...attributes, cn: 'First' });
    await expect(directory.add(childDn('CN', 'Second', ou), { ...attributes, cn: 'Second' })).rejects.toMatchObject({ code: expect.stringMatching(/SSC_PUSH_(CONFLICT|REJECTED)/) });
  });
});
