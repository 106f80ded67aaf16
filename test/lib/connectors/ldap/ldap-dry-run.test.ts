import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LdapConnector } from '../../../../lib/connectors/ldap/ldap-connector.js';
import { renderLdif } from '../../../../lib/connectors/ldap/ldif.js';
import { validateLdapSettings } from '../../../../lib/connectors/ldap/ldap-settings.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../../../support/slapd.js';
import { demoLikeCompany, TreeDriver } from './tree-driver.js';

describe('renderLdif', () => {
  it('writes RFC 2849 change records attribute by attribute, base64 for non-ASCII with a readable comment, secrets left out', () => {
    const ldif = renderLdif([
      { type: 'add', dn: 'uid=zs,ou=研发,dc=example,dc=test', attributes: { objectClass: ['inetOrgPerson'], uid: 'zs', cn: '张三', unicodePwd: Buffer.from('"secret-pw"', 'utf16le') } },
      { type: 'modify', dn: 'uid=zs,ou=研发,dc=example,dc=test', changes: [{ operation: 'replace', attribute: 'title', values: ['Lead'] }, { operation: 'replace', attribute: 'mail', values: [] }] },
      { type: 'modrdn', dn: 'uid=zs,ou=研发,dc=example,dc=test', newRdn: 'uid=zs', newParent: 'ou=Sales,dc=example,dc=test' },
      { type: 'delete', dn: 'uid=old,dc=example,dc=test' },
    ]);
    expect(ldif).toBe(
      [
        'version: 1',
        '',
        '# dn: uid=zs,ou=研发,dc=example,dc=test',
        `dn:: ${Buffer.from('uid=zs,ou=研发,dc=example,dc=test').toString('base64')}`,
        'changetype: add',
        'objectClass: inetOrgPerson',
        'uid: zs',
        '# cn: 张三',
        `cn:: ${Buffer.from('张三').toString('base64')}`,
        '# unicodePwd: (a random password is set; not shown)',
        '',
        '# dn: uid=zs,ou=研发,dc=example,dc=test',
        `dn:: ${Buffer.from('uid=zs,ou=研发,dc=example,dc=test').toString('base64')}`,
        'changetype: modify',
        'replace: title',
        'title: Lead',
        '-',
        'replace: mail',
        '-',
        '',
        '# dn: uid=zs,ou=研发,dc=example,dc=test',
        `dn:: ${Buffer.from('uid=zs,ou=研发,dc=example,dc=test').toString('base64')}`,
        'changetype: modrdn',
        'newrdn: uid=zs',
        'deleteoldrdn: 1',
        'newsuperior: ou=Sales,dc=example,dc=test',
        '',
        'dn: uid=old,dc=example,dc=test',
        'changetype: delete',
        '',
      ].join('\n'),
    );
    expect(ldif).not.toContain('secret-pw');
  });
});

describe.skipIf(!HAS_SLAPD)('LdapConnector dry run against OpenLDAP', () => {
  let slapd: Slapd;
  beforeEach(async () => {
    slapd = await startSlapd();
  });
  afterEach(async () => {
    await slapd?.stop();
  });

  const connector = (dryRun: boolean) =>
    new LdapConnector(validateLdapSettings({ url: slapd.url, ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, groups: 'groupOfNames' }, { allowPlain: false }), { bindPassword: slapd.rootPassword }, { dryRun });

  async function dns(): Promise<string[]> {
    const client = await slapd.admin();
    const { searchEntries } = await client.search(slapd.suffix, { scope: 'sub', attributes: ['1.1'] });
    await client.unbind();
    return searchEntries.map((entry) => entry.dn.toLowerCase()).sort();
  }

  it('writes nothing, and its LDIF applied by ldapmodify builds the same tree a real push does', async () => {
    const company = demoLikeCompany(12);
    const dry = new TreeDriver(connector(true));
    await dry.writeTree(company.orgs, company.users);
    const ldif = dry.connector.preview();
    await dry.connector.close();
    expect(await dns()).toEqual([slapd.suffix]);
    expect(ldif.match(/^changetype: add$/gm)).toHaveLength(20 + 20 + 12); // OUs, their groups, users

    const applied = spawnSync('ldapmodify', ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPassword], { input: ldif, encoding: 'utf8' });
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const fromLdif = await dns();

    await slapd.wipe();
    const real = new TreeDriver(connector(false));
    await real.writeTree(company.orgs, company.users);
    await real.connector.close();
    expect(await dns()).toEqual(fromLdif);
  });

  it('previews an incremental change on the real tree as the modifyDN and attribute changes it would send', async () => {
    const company = demoLikeCompany(3);
    const real = new TreeDriver(connector(false));
    await real.writeTree(company.orgs, company.users);
    const before = await dns();

    const dry = new TreeDriver(connector(true));
    for (const [key, ref] of real.links) dry.links.set(key, ref);
    for (const [id, org] of real.orgs) dry.orgs.set(id, org);
    for (const [id, user] of real.users) dry.users.set(id, user);
    await dry.upsert({ kind: 'user', data: { ...real.users.get('emp2')!, title: 'Lead', orgIds: ['team7'], primaryOrgId: 'team7' } });
    const ldif = dry.connector.preview();
    expect(ldif).toContain('changetype: modrdn\nnewrdn: uid=emp2@acme.example\ndeleteoldrdn: 1\nnewsuperior: ou=Team 7,ou=Division 3,ou=Acme,dc=example,dc=test');
    expect(ldif).toContain('changetype: modify\nreplace: title\ntitle: Lead\n-');
    expect(ldif).not.toContain('replace: mail');
    expect(await dns()).toEqual(before);
    await Promise.all([real.connector.close(), dry.connector.close()]);
  });
});
