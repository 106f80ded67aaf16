import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LdapConnector } from '../../../../lib/connectors/ldap/ldap-connector.js';
import { validateLdapSettings } from '../../../../lib/connectors/ldap/ldap-settings.js';
import { renderMessage } from '../../../../lib/i18n/engine-message.js';
import { translator } from '../../../../lib/i18n/index.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../../../support/slapd.js';

const en = translator('en');
const zh = translator('zh-CN');

describe.skipIf(!HAS_SLAPD)('LdapConnector.testConnection against OpenLDAP', () => {
  let slapd: Slapd;
  beforeEach(async () => {
    slapd = await startSlapd();
  });
  afterEach(async () => {
    await slapd?.stop();
  });

  async function test(overrides: Record<string, unknown>, bindPassword: string) {
    const settings = validateLdapSettings({ url: slapd.url, ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, ...overrides }, { allowPlain: true });
    const connector = new LdapConnector(settings, { bindPassword });
    try {
      const result = await connector.testConnection();
      const said = result.checks.map((check) => `${check.name}:${check.ok ? 'ok' : check.skipped ? 'skipped' : 'failed'}`);
      const texts = result.checks.flatMap((check) => [renderMessage(en, check.detail), renderMessage(zh, check.detail)]);
      return { result, said, texts };
    } finally {
      await connector.close();
    }
  }

  it('passes bind, base DN and write with an account that may write, leaving nothing behind', async () => {
    const { result, said, texts } = await test({}, slapd.rootPassword);
    expect(said).toEqual(['bind:ok', 'baseDn:ok', 'write:ok']);
    expect(result.ok).toBe(true);
    expect(texts[0]).toBe(`Bound as ${slapd.rootDn} (startTls)`);
    const client = await slapd.admin();
    const { searchEntries } = await client.search(slapd.suffix, { scope: 'sub', filter: '(ou=ssc-probe-*)', attributes: ['1.1'] });
    await client.unbind();
    expect(searchEntries).toEqual([]);
  });

  it('says the bind failed, in both languages, without the password, and skips the rest', async () => {
    const { result, said, texts } = await test({}, 'Wrong-Passw0rd-xyz');
    expect(said).toEqual(['bind:failed', 'baseDn:skipped', 'write:skipped']);
    expect(result.ok).toBe(false);
    expect(texts[0]).toMatch(/^Could not bind as cn=admin,dc=example,dc=test: LDAP bind \(StartTLS\) cn=admin,dc=example,dc=test: the server answered result 49/);
    expect(texts[1]).toMatch(/^无法以 cn=admin,dc=example,dc=test 绑定：LDAP bind \(StartTLS\) .*服务器返回结果 49/);
    expect(texts.join('\n') + JSON.stringify(result)).not.toContain('Wrong-Passw0rd-xyz');
  });

  it('says when the base DN does not exist', async () => {
    const { said, texts } = await test({ baseDn: `ou=Nowhere,${slapd.suffix}` }, slapd.rootPassword);
    expect(said).toEqual(['bind:ok', 'baseDn:failed', 'write:skipped']);
    expect(texts[2]).toContain(`The base DN ou=Nowhere,${slapd.suffix} does not exist`);
  });

  it('says when the account may read but not write', async () => {
    const client = await slapd.admin();
    const readerDn = `uid=reader,${slapd.suffix}`;
    await client.add(readerDn, { objectClass: 'inetOrgPerson', uid: 'reader', cn: 'Reader', sn: 'Reader', userPassword: 'Reader-Passw0rd' });
    await client.unbind();
    const { said, texts } = await test({ bindDn: readerDn }, 'Reader-Passw0rd');
    expect(said).toEqual(['bind:ok', 'baseDn:ok', 'write:failed']);
    expect(texts[4]).toMatch(new RegExp(`^The account may not write under ${slapd.suffix}: .*result 50`));
  });

  it('says when the server is not there, and when plain LDAP is used with TLS refused by the CA', async () => {
    const down = await test({ url: 'ldap://127.0.0.1:1', timeoutMs: 2000 }, slapd.rootPassword);
    expect(down.said).toEqual(['bind:failed', 'baseDn:skipped', 'write:skipped']);
    expect(down.texts[0]).toContain('no answer from the server');

    const badCa = await test({ url: slapd.ldapsUrl, tls: 'ldaps', ca: undefined }, slapd.rootPassword);
    expect(badCa.said[0]).toBe('bind:failed');
    expect(badCa.texts[0]).toContain('the TLS connection failed');

    const plain = await test({ tls: 'plain' }, slapd.rootPassword);
    expect(plain.said).toEqual(['bind:ok', 'baseDn:ok', 'write:ok']);
  });
});
