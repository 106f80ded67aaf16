import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { ldapForm, startLdapWizard } from '../../support/ldap-wizard.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';

const SERVER = { url: 'ldaps://dir.example.test:636', bindDn: 'cn=sync,dc=example,dc=test', baseDn: 'dc=example,dc=test' };
const PASSWORD = 'bind-password-never-echoed';

describe('the wizard for an LDAP / AD destination', () => {
  const test = useTestCenter();
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  it('offers LDAP / AD as a protocol, WeCom still as not supported', async () => {
    const page = (await client.get('/new').set('accept-language', 'en')).text;
    expect(page).toMatch(/<input type="radio" name="protocol" value="ldap"\s*>/);
    expect(page).toContain('Write the organisation tree and users into an OpenLDAP or Active Directory server (push only).');
    expect(page).toMatch(/value="wecom" disabled/);
    expect(page.match(/Not supported yet/g)).toHaveLength(1);
  });

  it('goes straight to the LDAP fields, push only, with no mode to choose', async () => {
    const wizard = await startLdapWizard(client);
    const en = (await wizard.get('parameters', 'en')).text;
    expect(en).not.toContain('name="mode"');
    expect(en).not.toContain('name="push.userUrl"');
    expect(en).not.toContain('value="changeMode"');
    expect(en).toContain('An LDAP / AD destination is always push');
    for (const name of ['push.ldap.url', 'push.ldap.bindDn', 'push.ldap.baseDn', 'push.ldap.tls', 'push.ldap.ca', 'push.ldap.groups', 'push.ldap.disable.mode', 'push.ldap.matchBy', 'push.deprovision.users', 'push.schedule']) {
      expect(en).toContain(`name="${name}"`);
    }
    // Required fields marked and required; defaults as placeholders; SCIM's matching is not offered.
    expect(en).toMatch(/<input id="f-push-ldap-url" name="push.ldap.url"[^>]* required[^>]*placeholder="ldaps:\/\/ldap.example.com:636"/);
    expect(en).toMatch(/<input id="f-push-ldap-baseDn" name="push.ldap.baseDn"[^>]* required/);
    expect(en).toMatch(/<input id="f-push-ldap-userNamingAttribute"[^>]*placeholder="uid"/);
    expect(en).toMatch(/<input id="f-push-bindPassword" name="push.bindPassword" type="password"[^>]* aria-required="true"/);
    expect(en).toMatch(/<textarea id="f-push-ldap-ca" name="push.ldap.ca"/);
    expect(en).not.toContain('name="push.matching.users"');
    const zh = (await wizard.get('parameters', 'zh-CN')).text;
    expect(zh).toContain('LDAP / AD 目标始终是推送');
    expect(zh).toContain('绑定密码');
  });

  it('creates an LDAP destination with its defaults and the bind password sealed', async () => {
    const wizard = await startLdapWizard(client, { name: 'Corporate LDAP' });
    const done = await wizard.post('parameters', { ...ldapForm({ ...SERVER, password: PASSWORD }), go: 'next' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toMatch(new RegExp(`^${MOUNT}/sources/[^/]+/created$`));
    const [source] = await test.center.sources.list();
    expect(source).toMatchObject({ name: 'Corporate LDAP', protocol: 'ldap', mode: 'push', enabled: false });
    expect(source!.push).toMatchObject({ hasBindPassword: true, deprovision: { users: 'disable', orgs: 'delete' }, deletionThreshold: { count: 100 } });
    expect(source!.push!.ldap).toMatchObject({ ...SERVER, profile: 'ldap', tls: 'ldaps', orgsDn: SERVER.baseDn, userNamingAttribute: 'uid', disable: { mode: 'move', dn: `ou=Disabled,${SERVER.baseDn}` } });
    expect((await test.center.sources.pushSecrets(source!.id)).bindPassword).toBe(PASSWORD);
    const finish = (await wizard.follow(done, 'en')).text;
    expect(finish).toMatch(/The downstream sync (&#34;|")Corporate LDAP(&#34;|") has been created\./);
    expect(finish).not.toContain(PASSWORD);
  });

  it('creates an Active Directory destination, shown as such on the list and the source page', async () => {
    const wizard = await startLdapWizard(client, { name: 'Corporate AD' });
    const form = ldapForm({ url: 'ldaps://dc1.corp.example.test', bindDn: 'CN=sync,CN=Users,DC=corp,DC=example,DC=test', baseDn: 'DC=corp,DC=example,DC=test', profile: 'ad', password: PASSWORD }, { 'push.ldap.groups': 'groupOfNames', 'push.ldap.usersDn': 'OU=Staff,DC=corp,DC=example,DC=test' });
    expect((await wizard.post('parameters', { ...form, go: 'next' })).status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(source!.push!.ldap).toMatchObject({ profile: 'ad', userObjectClasses: ['user'], userNamingAttribute: 'cn', groups: 'groupOfNames', usersDn: 'OU=Staff,DC=corp,DC=example,DC=test', disable: { mode: 'attribute', attribute: 'userAccountControl' } });
    const list = (await client.get('/').set('accept-language', 'en')).text;
    expect(list).toMatch(/<span class="pill small" data-protocol>Active Directory<\/span>/);
    const page = (await client.get(`/sources/${source!.id}`).set('accept-language', 'zh-CN')).text;
    expect(page).toMatch(/<span class="pill" data-protocol>Active Directory<\/span>/);
    // The stored defaults show as placeholders (blank inputs), the choices as chosen.
    expect(page).toMatch(/<input id="f-push-ldap-userNamingAttribute" name="push.ldap.userNamingAttribute" type="text" value=""[^>]*placeholder="cn"/);
    expect(page).toMatch(/<input id="f-push-ldap-usersDn" name="push.ldap.usersDn" type="text" value="OU=Staff,DC=corp,DC=example,DC=test"/);
    expect(page).toMatch(/<option value="groupOfNames" selected>/);
    expect(page).not.toContain(PASSWORD);
  });

  it('re-renders bad fields with their messages linked, the values kept and the password never echoed', async () => {
    const wizard = await startLdapWizard(client);
    const bad = ldapForm({ url: 'http://dir.example.test', bindDn: 'not a dn', baseDn: SERVER.baseDn, password: PASSWORD }, { 'push.ldap.orgsDn': 'ou=Elsewhere,dc=other,dc=test', 'push.ldap.connections': '99' });
    const res = await wizard.post('parameters', { ...bad, go: 'next' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${MOUNT}${wizard.path('parameters')}`);
    const en = (await wizard.follow(res, 'en')).text;
    expect(en).toContain('data-error-summary');
    expect(en).toMatch(/<a href="#f-push-ldap-url">Server URL: Enter ldaps:\/\/host\[:port\] or ldap:\/\/host\[:port\], without a path.<\/a>/);
    expect(en).toMatch(/<a href="#f-push-ldap-bindDn">Bind DN: Enter a DN such as ou=People,dc=example,dc=com.<\/a>/);
    expect(en).toMatch(/<a href="#f-push-ldap-orgsDn">Orgs go under: Must be the base DN or below it.<\/a>/);
    expect(en).toMatch(/<a href="#f-push-ldap-connections">Connections: Enter a whole number from 1 to 32, or leave it blank.<\/a>/);
    expect(en).toMatch(/id="f-push-ldap-url-error">/);
    expect(en).toContain('value="http://dir.example.test"');
    expect(en).toContain('value="not a dn"');
    expect(en).toContain('value="ou=Elsewhere,dc=other,dc=test"');
    expect(en).not.toContain(PASSWORD);
    // The password was entered: kept (sealed in the draft), said so, never shown.
    expect(en).toMatch(/<input id="f-push-bindPassword" name="push.bindPassword" type="password" value=""[^>]*placeholder="••••••••"/);
    expect(en).toContain('Entered and kept encrypted. Leave blank to keep it.');
    const zh = (await wizard.get('parameters', 'zh-CN')).text;
    expect(zh).toContain('请输入 DN，例如 ou=People,dc=example,dc=com。');
    expect(zh).toContain('必须是基准 DN 或其下级。');
    expect(await test.center.sources.list()).toEqual([]);

    // Fixed, with the password left blank: the one kept in the draft is used.
    const fixed = await wizard.post('parameters', { ...ldapForm(SERVER), go: 'next' });
    expect(fixed.headers.location).toMatch(/\/created$/);
    const [source] = await test.center.sources.list();
    expect((await test.center.sources.pushSecrets(source!.id)).bindPassword).toBe(PASSWORD);
  });

  it('asks for the bind password, and refuses plain LDAP on a host that does not allow it', async () => {
    const wizard = await startLdapWizard(client);
    await wizard.post('parameters', { ...ldapForm({ ...SERVER, url: 'ldap://dir.example.test', tls: 'plain' }), go: 'next' });
    const en = (await wizard.get('parameters', 'en')).text;
    expect(en).toMatch(/<a href="#f-push-bindPassword">Bind password: This field is required.<\/a>/);
    expect(en).toMatch(/<a href="#f-push-ldap-tls">Encryption: Plain LDAP is not allowed on this host: choose LDAPS or StartTLS.<\/a>/);
    expect(en).toMatch(/<option value="plain" selected>/);
  });

  it('refuses the parameters step without the CSRF token, and creates nothing', async () => {
    const wizard = await startLdapWizard(client);
    const res = await client.agent
      .post(`${MOUNT}${wizard.path('parameters')}`)
      .set(ADMIN_HEADER, 'alice')
      .type('form')
      .send(new URLSearchParams({ ...ldapForm({ ...SERVER, password: PASSWORD }), go: 'next' }).toString());
    expect(res.status).toBe(403);
    expect(res.text).not.toContain(PASSWORD);
    expect(await test.center.sources.list()).toEqual([]);
  });

  it('goes back to the SCIM choice of mode when the protocol is changed back to SCIM', async () => {
    const wizard = await startLdapWizard(client);
    await wizard.post('parameters', { ...ldapForm(SERVER), go: 'back' });
    await wizard.post('basics', { name: 'Corporate LDAP', description: '', go: 'back' });
    await wizard.post('protocol', { protocol: 'scim', go: 'next' });
    await wizard.post('basics', { name: 'Corporate LDAP', description: '', go: 'next' });
    expect((await wizard.get('parameters')).text).toContain('name="mode"');
  });
});
