import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Source } from '../../../lib/sources/source-types.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { secretContext } from '../../../lib/sources/source-store.js';
import { SecretBox } from '../../../lib/util/secret-box.js';
import { ldapForm, startLdapWizard } from '../../support/ldap-wizard.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../../support/slapd.js';
import { MOUNT, useTestCenter } from '../../support/test-center.js';

const WRONG = 'Wrong-Bind-Passw0rd-xyz';

describe.skipIf(!HAS_SLAPD)('an LDAP destination in the console, against OpenLDAP', () => {
  const test = useTestCenter();
  let slapd: Slapd;
  let client: ReturnType<typeof adminAgent>;

  beforeAll(async () => {
    slapd = await startSlapd();
  }, 60_000);
  afterAll(async () => {
    await slapd?.stop();
  });
  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  const server = () => ({ url: slapd.url, tls: 'startTls', ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix });
  const create = async (password = slapd.rootPassword, name = 'Directory'): Promise<Source> =>
    (await test.center.sources.create({ name, protocol: 'ldap', mode: 'push', push: { ldap: server() as never, bindPassword: password } })).source;
  const testSteps = (html: string) => [...html.matchAll(/class="test-step test-(\w+)" data-step="(\w+)"/g)].map((match) => `${match[2]}:${match[1]}`);

  describe('Test connection in the wizard', () => {
    it('passes bind, base DN and write with the entered settings, saving nothing', async () => {
      const wizard = await startLdapWizard(client);
      const res = await wizard.post('parameters', { ...ldapForm({ ...server(), password: slapd.rootPassword }), go: 'test' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`${MOUNT}${wizard.path('parameters')}#connection-test`);
      const en = (await wizard.follow(res, 'en')).text;
      expect(testSteps(en)).toEqual(['bind:ok', 'baseDn:ok', 'write:ok']);
      expect(en).toContain('All checks passed. Only a probe OU was added and deleted again.');
      expect(en).toContain(`Bound as ${slapd.rootDn} (startTls)`);
      expect(en).toContain('<strong>Write permission</strong>');
      const zh = (await wizard.get('parameters', 'zh-CN')).text;
      expect(zh).toContain('<strong>绑定</strong>');
      expect(zh).toContain(`已以 ${slapd.rootDn} 绑定（startTls）`);
      expect(zh).not.toContain(slapd.rootPassword);
      expect(await test.center.sources.list()).toEqual([]);
      const [audit] = (await test.center.audit.list()).filter((entry) => entry.action === 'push.test_connection');
      expect(audit).toMatchObject({ actor: 'alice', sourceId: null, detail: { origins: [slapd.url], outcome: 'passed' } });
    });

    it('says the bind failed with a wrong password, skips the rest, and never shows the password', async () => {
      const wizard = await startLdapWizard(client);
      const res = await wizard.post('parameters', { ...ldapForm({ ...server(), password: WRONG }), go: 'test' });
      const en = (await wizard.follow(res, 'en')).text;
      expect(testSteps(en)).toEqual(['bind:fail', 'baseDn:skipped', 'write:skipped']);
      expect(en).toMatch(/Could not bind as cn=admin,dc=example,dc=test: LDAP bind \(StartTLS\) cn=admin,dc=example,dc=test: the server answered result 49/);
      expect(en.match(/Not tried\./g)).toHaveLength(2);
      const zh = (await wizard.get('parameters', 'zh-CN')).text;
      expect(zh).toMatch(/无法以 cn=admin,dc=example,dc=test 绑定：/);
      for (const page of [en, zh]) expect(page).not.toContain(WRONG);
      const [audit] = (await test.center.audit.list()).filter((entry) => entry.action === 'push.test_connection');
      expect(audit!.detail).toEqual({ origins: [slapd.url], outcome: 'failed', failedSteps: ['bind'] });
      expect(JSON.stringify(await test.center.audit.list())).not.toContain(WRONG);
    });

    it('shows the field errors instead of testing bad settings', async () => {
      const wizard = await startLdapWizard(client);
      const res = await wizard.post('parameters', { ...ldapForm({ ...server(), baseDn: 'nope', password: slapd.rootPassword }), go: 'test' });
      const en = (await wizard.follow(res, 'en')).text;
      expect(en).toMatch(/<a href="#f-push-ldap-baseDn">Base DN: Enter a DN such as/);
      expect(en).not.toContain('data-step="bind"');
      const [audit] = (await test.center.audit.list()).filter((entry) => entry.action === 'push.test_connection');
      expect(audit!.detail).toMatchObject({ origins: [slapd.url], outcome: 'invalid' });
    });
  });

  describe('the source page', () => {
    it('tests the saved settings with the stored password (left blank), and the edited ones', async () => {
      const source = await create();
      const posted = await client.post(`/sources/${source.id}/test-connection`, ldapForm(server()), 'en');
      expect(posted.status).toBe(200);
      expect(testSteps(posted.text)).toEqual(['bind:ok', 'baseDn:ok', 'write:ok']);
      // Edited, not saved: a base DN that is not there fails its step, and the form keeps the edit.
      const edited = await client.post(`/sources/${source.id}/test-connection`, ldapForm({ ...server(), baseDn: `ou=Nowhere,${slapd.suffix}` }), 'en');
      expect(testSteps(edited.text)).toEqual(['bind:ok', 'baseDn:fail', 'write:skipped']);
      expect(edited.text).toContain(`value="ou=Nowhere,${slapd.suffix}"`);
      expect((await test.center.sources.get(source.id)).push!.ldap!.baseDn).toBe(slapd.suffix);
      expect(edited.text).not.toContain(slapd.rootPassword);
    });

    it('saves an edit keeping the stored password, and asks for it again for another server', async () => {
      const source = await create();
      const saved = await client.post(`/sources/${source.id}/parameters`, ldapForm(server(), { 'push.ldap.groups': 'groupOfNames', 'push.schedule': '0 4 * * *' }));
      expect(saved.status).toBe(303);
      const after = await test.center.sources.get(source.id);
      expect(after.push).toMatchObject({ schedule: '0 4 * * *', ldap: { groups: 'groupOfNames', url: slapd.url } });
      expect((await test.center.sources.pushSecrets(source.id)).bindPassword).toBe(slapd.rootPassword);
      const page = (await client.get(`/sources/${source.id}`).set('accept-language', 'en')).text;
      expect(page).toContain('Stored and hidden. Leave blank to keep it. It is only sent to the server and bind DN it was saved for.');
      expect(page).not.toContain(slapd.rootPassword);

      const elsewhere = await client.post(`/sources/${source.id}/parameters`, ldapForm({ ...server(), url: 'ldaps://attacker.example.test', tls: '' }), 'en');
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.text).toMatch(/<a href="#f-push-bindPassword">Bind password: The server or bind DN changed/);
      expect(elsewhere.text).toContain('value="ldaps://attacker.example.test"');
      expect((await test.center.sources.get(source.id)).push!.ldap!.url).toBe(slapd.url);
    });

    it('shows the protocol, explains the mappings tab and offers provisioning on demand', async () => {
      const source = await create();
      const page = (await client.get(`/sources/${source.id}`).set('accept-language', 'en')).text;
      expect(page).toMatch(/<span class="pill" data-protocol>LDAP<\/span>/);
      expect(page).toMatch(/<dt>Protocol<\/dt><dd>LDAP<\/dd>/);
      expect(page).toContain(`/sources/${source.id}/mappings"`);
      expect(page).toContain(`/sources/${source.id}/on-demand"`);
      expect(page).not.toContain('name="push.userUrl"');
      const mappings = (await client.get(`/sources/${source.id}/mappings`).set('accept-language', 'zh-CN')).text;
      expect(mappings).toContain('此目标是 LDAP / AD 目录');
    });
  });

  describe('the tree panel', () => {
    it('reads the tree only when asked, and shows the counts and the first DNs in tree order', async () => {
      await slapd.wipe();
      const admin = await slapd.admin();
      await admin.add(`ou=Sales,${slapd.suffix}`, { objectClass: 'organizationalUnit', ou: 'Sales' });
      await admin.add(`ou=Eng,${slapd.suffix}`, { objectClass: 'organizationalUnit', ou: 'Eng' });
      await admin.add(`uid=ada,ou=Eng,${slapd.suffix}`, { objectClass: 'inetOrgPerson', uid: 'ada', cn: 'Ada', sn: 'Lovelace' });
      await admin.add(`uid=bo,ou=Sales,${slapd.suffix}`, { objectClass: 'inetOrgPerson', uid: 'bo', cn: 'Bo', sn: 'Bo' });
      await admin.add(`cn=Eng,ou=Eng,${slapd.suffix}`, { objectClass: 'groupOfNames', cn: 'Eng', member: `uid=ada,ou=Eng,${slapd.suffix}` });
      await admin.unbind();
      const source = await create();

      const plain = (await client.get(`/sources/${source.id}`).set('accept-language', 'en')).text;
      expect(plain).toContain('data-ldap-tree');
      expect(plain).toContain(`href="${MOUNT}/sources/${source.id}?tree=1#ldap-tree"`);
      expect(plain).not.toContain('data-tree-total');

      const en = (await client.get(`/sources/${source.id}?tree=1`).set('accept-language', 'en')).text;
      expect(en).toMatch(/data-tree-total="5"><strong>5 entries<\/strong>/);
      expect(en).toContain('<dd data-tree-count="user">2</dd>');
      expect(en).toContain('<dd data-tree-count="org">2</dd>');
      expect(en).toContain('<dd data-tree-count="group">1</dd>');
      const dns = [...en.matchAll(/<li class="depth-\d" data-kind="\w+">.*?<code class="wrap">([^<]+)<\/code>/g)].map((match) => match[1]);
      expect(dns).toEqual([`ou=Eng,${slapd.suffix}`, `cn=Eng,ou=Eng,${slapd.suffix}`, `uid=ada,ou=Eng,${slapd.suffix}`, `ou=Sales,${slapd.suffix}`, `uid=bo,ou=Sales,${slapd.suffix}`]);
      const zh = (await client.get(`/sources/${source.id}?tree=1`).set('accept-language', 'zh-CN')).text;
      expect(zh).toContain('共 5 个条目');
      expect(zh).toContain('按树的顺序的前 5 个');
    });

    it('says in the reader\'s language why the tree could not be read, without the password', async () => {
      const source = await create(WRONG, 'Wrong password');
      const en = await client.get(`/sources/${source.id}?tree=1`).set('accept-language', 'en');
      expect(en.status).toBe(200);
      expect(en.text).toMatch(/data-tree-error>The tree could not be read: LDAP bind \(StartTLS\) cn=admin,dc=example,dc=test: the server answered result 49/);
      const zh = (await client.get(`/sources/${source.id}?tree=1`).set('accept-language', 'zh-CN')).text;
      expect(zh).toMatch(/data-tree-error>无法读取目录树：/);
      for (const page of [en.text, zh]) expect(page).not.toContain(WRONG);
    });

    it('shows the tree a manual sync wrote', async () => {
      await slapd.wipe();
      const root = buildOrg({ id: 'o-root', name: 'Acme' });
      const eng = buildOrg({ id: 'o-eng', name: 'Engineering', parentId: root.id });
      const ops = buildOrg({ id: 'o-ops', name: 'Operations', parentId: root.id });
      await test.center.changes.apply([
        ...[root, eng, ops].map((org) => ({ type: 'orgUpserted' as const, org })),
        ...[buildUser({ id: 'u-ada', userName: 'ada', orgIds: [eng.id] }), buildUser({ id: 'u-bob', userName: 'bob', orgIds: [ops.id] })].map((user) => ({ type: 'userUpserted' as const, user })),
      ]);
      const { source } = await test.center.sources.create({ name: 'Synced', protocol: 'ldap', mode: 'push', push: { ldap: { ...server(), groups: 'groupOfNames' } as never, bindPassword: slapd.rootPassword } });
      await test.center.sources.enable(source.id);
      const run = await test.center.runs.settled((await test.center.runs.start(source.id)).id);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
      const en = (await client.get(`/sources/${source.id}?tree=1`).set('accept-language', 'en')).text;
      expect(en).toContain('<dd data-tree-count="user">2</dd>');
      expect(en).toContain('<dd data-tree-count="org">3</dd>');
      expect(en).toContain('<dd data-tree-count="group">3</dd>');
      expect(en).toMatch(new RegExp(`<code class="wrap">ou=Acme,${slapd.suffix}</code>`));
    });

    it('never binds anonymously when the stored password cannot be opened (the key changed)', async () => {
      const source = await create();
      // Sealed under another center's key: this one cannot open it.
      const foreign = new SecretBox('another-secret-key-with-at-least-32-characters').sealJson({ bindPassword: slapd.rootPassword }, secretContext(source.id));
      await test.knex(TABLES.sources).where({ id: source.id }).update({ secrets: foreign });
      const tree = (await client.get(`/sources/${source.id}?tree=1`).set('accept-language', 'en')).text;
      expect(tree).toContain("data-tree-error>The stored bind password cannot be read (was the center&#39;s secret key changed?): enter it again in the parameters.");
      // The source no longer counts as having one: the test asks for it rather than binding without it.
      const tested = await client.post(`/sources/${source.id}/test-connection`, ldapForm(server()), 'en');
      expect(tested.status).toBe(422);
      expect(tested.text).toMatch(/<a href="#f-push-bindPassword">Bind password: This field is required.<\/a>/);
      expect(testSteps(tested.text)).toEqual([]);
      // Entered again, the test runs with it.
      const entered = await client.post(`/sources/${source.id}/test-connection`, ldapForm({ ...server(), password: slapd.rootPassword }), 'en');
      expect(testSteps(entered.text)).toEqual(['bind:ok', 'baseDn:ok', 'write:ok']);
    });

    it('refuses the tree of a SCIM source through the API', async () => {
      const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { auth: 'bearer', token: 't', userUrl: 'https://crm.example.com/scim/v2/Users' } });
      await expect(test.center.push.ldapTree(source.id)).rejects.toMatchObject({ reason: 'not_ldap' });
      expect((await client.get(`/sources/${source.id}?tree=1`)).text).not.toContain('data-ldap-tree');
    });
  });
});
