import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { ldapForm, startLdapWizard } from '../../support/ldap-wizard.js';
import { sambaUnavailableReason, startSambaDc, type SambaDc } from '../../support/samba-dc.js';
import { useTestCenter } from '../../support/test-center.js';

const unavailable = await sambaUnavailableReason();
if (unavailable) console.warn(`\n[Active Directory console tests] SKIPPED: ${unavailable}.\n`);

/** The console's Active Directory profile against Samba's AD DC: the wizard's test connection, then the tree panel. */
describe.skipIf(unavailable !== null)('an Active Directory destination in the console, against Samba', () => {
  const test = useTestCenter();
  let dc: SambaDc;
  let baseDn: string;

  beforeAll(async () => {
    dc = await startSambaDc();
    baseDn = `OU=Sync Console,${dc.baseDn}`;
    const admin = await dc.admin();
    await admin.add(baseDn, { objectClass: 'organizationalUnit', ou: 'Sync Console' });
    await admin.add(`OU=Sales,${baseDn}`, { objectClass: 'organizationalUnit', ou: 'Sales' });
    await admin.unbind();
  }, 300_000); // another file's DC may hold the fixed ports first (test/support/samba-dc.ts)
  afterAll(async () => {
    await dc?.stop();
  });

  it('tests the entered settings (bind, base DN, write), creates the source and reads its tree', { timeout: 60_000 }, async () => {
    const client = adminAgent(test.app, 'alice');
    const wizard = await startLdapWizard(client, { name: 'Corporate AD' });
    const form = ldapForm({ profile: 'ad', url: dc.ldapsUrl, ca: dc.ca, bindDn: dc.adminDn, baseDn, password: dc.adminPassword });
    const tested = await wizard.follow(await wizard.post('parameters', { ...form, go: 'test' }), 'en');
    const steps = [...tested.text.matchAll(/class="test-step test-(\w+)" data-step="(\w+)"/g)].map((match) => `${match[2]}:${match[1]}`);
    expect(steps).toEqual(['bind:ok', 'baseDn:ok', 'write:ok']);
    expect(tested.text).toContain(`Bound as ${dc.adminDn} (ldaps)`);
    expect(tested.text).not.toContain(dc.adminPassword);

    expect((await wizard.post('parameters', { ...form, go: 'next' })).status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(source!.push!.ldap).toMatchObject({ profile: 'ad', tls: 'ldaps', userObjectClasses: ['user'] });
    const zh = (await client.get(`/sources/${source!.id}?tree=1`).set('accept-language', 'zh-CN')).text;
    expect(zh).toMatch(/<span class="pill" data-protocol>Active Directory<\/span>/);
    expect(zh).toContain('共 1 个条目');
    expect(zh).toContain(`<code class="wrap">OU=Sales,${baseDn}</code>`);
    expect(zh).not.toContain(dc.adminPassword);
  });
});
