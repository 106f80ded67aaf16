import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UAC_ACCOUNTDISABLE, UAC_NORMAL_ACCOUNT } from '../../lib/connectors/ldap/ldap-entries.js';
import { validateLdapSettings } from '../../lib/connectors/ldap/ldap-settings.js';
import type { SyncCenter } from '../../index.js';
import { demoLikeCompany } from '../lib/connectors/ldap/tree-driver.js';
import { pathOf } from '../support/ldap-tree.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { sambaUnavailableReason, useSambaDc } from '../support/samba-dc.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

const unavailable = await sambaUnavailableReason();
if (unavailable) console.warn(`\n[Active Directory push test] SKIPPED: ${unavailable}.\n`);

/** Provisioning takes ~15 s or more: one domain controller for the file, in its own OU. */
const dc = useSambaDc(unavailable);

describe.skipIf(unavailable !== null)('AD destination: manual syncs through the engine (Samba AD DC)', () => {
  let t: TestCenter;
  let center: SyncCenter;
  const base = () => `OU=Engine,${dc().baseDn}`;
  const depth = () => base().split(',').length;

  beforeAll(async () => {
    const client = await dc().admin();
    await client.add(base(), { objectClass: 'organizationalUnit', ou: 'Engine' });
    await client.unbind();
    t = await createTestCenter({ push: FAST_PUSH });
    center = t.center;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Every entry below the base as `path → attributes` (names in lower case). */
  async function tree(): Promise<Map<string, Record<string, string[]>>> {
    const client = await dc().admin();
    try {
      const { searchEntries } = await client.search(base(), { scope: 'sub', attributes: ['objectClass', 'sAMAccountName', 'userAccountControl', 'member', 'objectGUID', 'title'] });
      const entries = new Map<string, Record<string, string[]>>();
      for (const entry of searchEntries) {
        if (entry.dn.toLowerCase() === base().toLowerCase()) continue;
        const attributes: Record<string, string[]> = {};
        for (const [name, value] of Object.entries(entry)) {
          if (name === 'dn') continue;
          attributes[name.toLowerCase()] = (Array.isArray(value) ? value : [value]).map((one) => (Buffer.isBuffer(one) ? one.toString('hex') : String(one)));
        }
        entries.set(pathOf(entry.dn, depth()), attributes);
      }
      return entries;
    } finally {
      await client.unbind();
    }
  }
  const sync = async (sourceId: string) => (await center.runs.settled((await center.runs.start(sourceId)).id))!;

  it('writes OUs, user objects with sAMAccountName and groups with members; a move is a modifyDN, a deactivation clears the enabled bit', async () => {
    const company = demoLikeCompany(6);
    await center.changes.apply([...company.orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...company.users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    const ldap = validateLdapSettings({ profile: 'ad', url: dc().ldapsUrl, ca: dc().ca, bindDn: dc().adminDn, baseDn: base(), groups: 'groupOfNames' }, { allowPlain: false });
    const { source } = await center.sources.create({ name: 'Samba AD', protocol: 'ldap', mode: 'push', push: { schedule: null, ldap, bindPassword: dc().adminPassword } });
    await center.sources.enable(source.id);

    expect(await sync(source.id)).toMatchObject({ status: 'succeeded', failed: 0, created: company.orgs.length + company.users.length });
    const written = await tree();
    const ous = [...written].filter(([, entry]) => entry.objectclass!.includes('organizationalUnit'));
    const users = [...written].filter(([, entry]) => entry.objectclass!.includes('user') && !entry.objectclass!.includes('computer'));
    const groups = [...written].filter(([, entry]) => entry.objectclass!.includes('group'));
    expect(ous).toHaveLength(company.orgs.length);
    expect(groups).toHaveLength(company.orgs.length);
    expect(users.map(([, entry]) => entry.samaccountname![0]).sort()).toEqual(company.users.map((user) => user.userName.split('@')[0]).sort());
    expect(written.get('ou=Acme / ou=研发部, 北京 / ou=Platform / cn=emp0@acme.example')).toMatchObject({ samaccountname: ['emp0'], useraccountcontrol: [String(UAC_NORMAL_ACCOUNT)] });
    const team1Group = written.get('ou=Acme / ou=Division 1 / ou=Platform / cn=Platform')!;
    expect(team1Group.member!.map((dn) => pathOf(dn, depth()))).toEqual(['ou=Acme / ou=Division 1 / ou=Platform / cn=emp1@acme.example']);

    // Move emp1 to team 9 and deactivate emp2, then sync once.
    const guid = written.get('ou=Acme / ou=Division 1 / ou=Platform / cn=emp1@acme.example')!.objectguid![0];
    const emp1 = company.users.find((user) => user.id === 'emp1')!;
    const emp2 = company.users.find((user) => user.id === 'emp2')!;
    await center.changes.apply([
      { type: 'userUpserted', user: { ...emp1, orgIds: ['team9'], primaryOrgId: 'team9' } },
      { type: 'userUpserted', user: { ...emp2, active: false } },
    ]);
    expect(await sync(source.id)).toMatchObject({ status: 'succeeded', failed: 0, created: 0 });
    const after = await tree();
    expect(after.has('ou=Acme / ou=Division 1 / ou=Platform / cn=emp1@acme.example')).toBe(false);
    expect(after.get('ou=Acme / ou=Division 1 / ou=Team 9 / cn=emp1@acme.example')).toMatchObject({ objectguid: [guid] });
    const emp2Entry = [...after].find(([, entry]) => entry.samaccountname?.[0] === 'emp2')![1];
    expect(Number(emp2Entry.useraccountcontrol![0]) & UAC_ACCOUNTDISABLE).toBe(UAC_ACCOUNTDISABLE);
    expect(after.get('ou=Acme / ou=Division 1 / ou=Team 9 / cn=Team 9')!.member!.map((dn) => pathOf(dn, depth()))).toContain('ou=Acme / ou=Division 1 / ou=Team 9 / cn=emp1@acme.example');
  }, 120_000);
});
