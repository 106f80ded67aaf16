import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { childDn, equalityFilter } from '../../../../lib/connectors/ldap/dn.js';
import { LdapDirectory, type LdapConnectionOptions } from '../../../../lib/connectors/ldap/ldap-directory.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../../../support/slapd.js';

describe.skipIf(!HAS_SLAPD)('LdapDirectory against OpenLDAP', () => {
  let slapd: Slapd;
  let options: LdapConnectionOptions;
  beforeAll(async () => {
    slapd = await startSlapd();
    options = { url: slapd.url, startTls: true, ca: slapd.ca, bindDn: slapd.rootDn, bindPassword: slapd.rootPassword };
  }, 30_000);
  afterAll(async () => {
    await slapd?.stop();
  });
  beforeEach(async () => {
    await slapd.wipe();
  });

  async function withDirectory<T>(work: (directory: LdapDirectory) => Promise<T>, connection = options): Promise<T> {
    const directory = await LdapDirectory.open(connection);
    try {
      return await work(directory);
    } finally {
      await directory.close();
    }
  }

  it('binds over StartTLS and over ldaps:// when the CA is given', async () => {
    await withDirectory(async (directory) => expect(await directory.read(slapd.suffix, ['dc'])).toMatchObject({ attributes: { dc: ['example'] } }));
    await withDirectory(async (directory) => expect(await directory.read(slapd.suffix, ['dc'])).not.toBeNull(), { ...options, url: slapd.ldapsUrl, startTls: false });
  });

  it('refuses a certificate it cannot verify, as a configuration error', async () => {
    await expect(LdapDirectory.open({ ...options, ca: undefined })).rejects.toMatchObject({ code: 'SSC_PUSH_STOP', reason: 'config' });
    await expect(LdapDirectory.open({ ...options, url: slapd.ldapsUrl, startTls: false, ca: undefined })).rejects.toMatchObject({ code: 'SSC_PUSH_STOP', reason: 'config' });
  });

  it('stops on a wrong password and retries later when nobody answers', async () => {
    await expect(LdapDirectory.open({ ...options, bindPassword: 'wrong' })).rejects.toMatchObject({ code: 'SSC_PUSH_STOP', reason: 'unauthorized' });
    await expect(LdapDirectory.open({ ...options, url: 'ldap://127.0.0.1:1', timeoutMs: 2000 })).rejects.toMatchObject({ code: 'SSC_PUSH_TRANSIENT' });
  });

  it('adds, reads, modifies and deletes entries; names with special characters stay data', async () => {
    await withDirectory(async (directory) => {
      const ou = childDn('ou', 'Sales, EMEA + "Partners"', slapd.suffix);
      await directory.add(ou, { objectClass: 'organizationalUnit', ou: 'Sales, EMEA + "Partners"' });
      const user = childDn('uid', '*)(uid=*', ou);
      await directory.add(user, { objectClass: 'inetOrgPerson', uid: '*)(uid=*', cn: 'Odd Name', sn: 'Name' });
      await directory.add(childDn('uid', 'other', ou), { objectClass: 'inetOrgPerson', uid: 'other', cn: 'Other', sn: 'Other' });

      await directory.modify(user, [
        { operation: 'replace', attribute: 'mail', values: ['odd@example.test'] },
        { operation: 'replace', attribute: 'sn', values: ['Renamed'] },
      ]);
      expect(await directory.read(user, ['mail', 'sn'])).toMatchObject({ attributes: { mail: ['odd@example.test'], sn: ['Renamed'] } });

      // The filter built from the odd uid matches that user only, not everyone.
      const found = [];
      for await (const page of directory.search(slapd.suffix, equalityFilter('uid', '*)(uid=*'), ['uid'])) found.push(...page);
      expect(found.map((entry) => entry.attributes.uid)).toEqual([['*)(uid=*']]);

      await expect(directory.add(user, { objectClass: 'inetOrgPerson', uid: '*)(uid=*', cn: 'x', sn: 'x' })).rejects.toMatchObject({ code: 'SSC_PUSH_CONFLICT' });
      await expect(directory.add(childDn('uid', 'bad', ou), { objectClass: 'inetOrgPerson', uid: 'bad' })).rejects.toMatchObject({ code: 'SSC_PUSH_REJECTED' });
      await directory.delete(user);
      expect(await directory.read(user, ['uid'])).toBeNull();
      await expect(directory.delete(user)).rejects.toMatchObject({ code: 'SSC_PUSH_NOT_FOUND' });
    });
  });

  it('moves a subtree with one modifyDN, keeping the entries (and their entryUUID)', async () => {
    await withDirectory(async (directory) => {
      const [a, b] = [childDn('ou', 'A', slapd.suffix), childDn('ou', 'B', slapd.suffix)];
      await directory.add(a, { objectClass: 'organizationalUnit', ou: 'A' });
      await directory.add(b, { objectClass: 'organizationalUnit', ou: 'B' });
      const team = childDn('ou', 'Team', a);
      await directory.add(team, { objectClass: 'organizationalUnit', ou: 'Team' });
      const member = childDn('uid', 'm1', team);
      await directory.add(member, { objectClass: 'inetOrgPerson', uid: 'm1', cn: 'M', sn: 'M' });
      const before = await directory.read(member, ['entryUUID']);

      const moved = await directory.move(team, 'ou=Team', b);
      expect(moved).toBe(`ou=Team,${b}`);
      const after = await directory.read(`uid=m1,${moved}`, ['entryUUID']);
      expect(after?.attributes.entryuuid).toEqual(before?.attributes.entryuuid);
      expect(await directory.read(team, ['ou'])).toBeNull();

      // A rename in place.
      expect(await directory.move(moved, 'ou=Squad', b)).toBe(`ou=Squad,${b}`);
      expect(await directory.read(`uid=m1,ou=Squad,${b}`, ['uid'])).not.toBeNull();
    });
  });

  it('pages through more entries than one page holds', async () => {
    await withDirectory(async (directory) => {
      const ou = childDn('ou', 'Many', slapd.suffix);
      await directory.add(ou, { objectClass: 'organizationalUnit', ou: 'Many' });
      for (let n = 0; n < 1203; n += 1) await directory.add(childDn('uid', `u${n}`, ou), { objectClass: 'inetOrgPerson', uid: `u${n}`, cn: `U${n}`, sn: 'U' });
      const sizes: number[] = [];
      const uids = new Set<string>();
      for await (const page of directory.search(ou, '(objectClass=inetOrgPerson)', ['uid'], { scope: 'one', pageSize: 500 })) {
        sizes.push(page.length);
        for (const entry of page) uids.add(entry.attributes.uid![0]!);
      }
      expect(sizes).toEqual([500, 500, 203]);
      expect(uids.size).toBe(1203);
    });
  }, 60_000);
});
