import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateLdapSettings } from '../../../../lib/connectors/ldap/ldap-settings.js';
import { readLdapTree } from '../../../../lib/connectors/ldap/ldap-tree.js';
import { renderMessage } from '../../../../lib/i18n/engine-message.js';
import { translator } from '../../../../lib/i18n/index.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../../../support/slapd.js';

const en = translator('en');
const zh = translator('zh-CN');

describe.skipIf(!HAS_SLAPD)('readLdapTree against OpenLDAP', () => {
  let slapd: Slapd;
  beforeAll(async () => {
    slapd = await startSlapd();
    const client = await slapd.admin();
    const base = slapd.suffix;
    // Added out of tree order, children of "Sales" before "Eng", so the order shown is the tree's, not the server's.
    await client.add(`ou=Sales,${base}`, { objectClass: 'organizationalUnit', ou: 'Sales' });
    await client.add(`ou=EMEA,ou=Sales,${base}`, { objectClass: 'organizationalUnit', ou: 'EMEA' });
    await client.add(`ou=Eng,${base}`, { objectClass: 'organizationalUnit', ou: 'Eng' });
    for (const [uid, ou] of [['zoe', 'Sales'], ['adam', 'Eng'], ['li.wei', 'Eng']] as const) {
      await client.add(`uid=${uid},ou=${ou},${base}`, { objectClass: 'inetOrgPerson', uid, cn: uid, sn: uid });
    }
    await client.add(`cn=Eng,ou=Eng,${base}`, { objectClass: 'groupOfNames', cn: 'Eng', member: `uid=adam,ou=Eng,${base}` });
    await client.unbind();
  }, 60_000);
  afterAll(async () => {
    await slapd?.stop();
  });

  const settingsFor = (overrides: Record<string, unknown> = {}) =>
    validateLdapSettings({ url: slapd.url, tls: 'startTls', ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, ...overrides }, { allowPlain: false });

  it('counts users, OUs and groups under the base DN and lists the first DNs in tree order', async () => {
    const result = await readLdapTree(settingsFor(), { bindPassword: slapd.rootPassword }, { limit: 10, timeoutMs: 10_000 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { tree } = result;
    expect(tree).toMatchObject({ baseDn: slapd.suffix, total: 7, counts: { user: 3, org: 3, group: 1, other: 0 }, complete: true });
    expect(tree.first.map((entry) => entry.dn)).toEqual([
      `ou=Eng,${slapd.suffix}`,
      `cn=Eng,ou=Eng,${slapd.suffix}`,
      `uid=adam,ou=Eng,${slapd.suffix}`,
      `uid=li.wei,ou=Eng,${slapd.suffix}`,
      `ou=Sales,${slapd.suffix}`,
      `ou=EMEA,ou=Sales,${slapd.suffix}`,
      `uid=zoe,ou=Sales,${slapd.suffix}`,
    ]);
    expect(tree.first[0]).toEqual({ dn: `ou=Eng,${slapd.suffix}`, kind: 'org', depth: 1 });
    expect(tree.first[2]).toMatchObject({ kind: 'user', depth: 2 });
  });

  it('keeps only the first `limit` DNs, counting all', async () => {
    const result = await readLdapTree(settingsFor(), { bindPassword: slapd.rootPassword }, { limit: 2, timeoutMs: 10_000 });
    expect(result.ok && result.tree.first.map((entry) => entry.dn)).toEqual([`ou=Eng,${slapd.suffix}`, `cn=Eng,ou=Eng,${slapd.suffix}`]);
    expect(result.ok && result.tree.total).toBe(7);
  });

  it('says why in both languages when the bind fails, without the password', async () => {
    const result = await readLdapTree(settingsFor(), { bindPassword: 'Wrong-Tree-Passw0rd' }, { limit: 10, timeoutMs: 10_000 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(renderMessage(en, result.reason)).toMatch(/^The tree could not be read: LDAP bind \(StartTLS\) cn=admin,dc=example,dc=test: the server answered result 49/);
    expect(renderMessage(zh, result.reason)).toMatch(/^无法读取目录树：LDAP bind \(StartTLS\) .*服务器返回结果 49/);
    expect(JSON.stringify(result)).not.toContain('Wrong-Tree-Passw0rd');
  });

  it('says when the base DN is not there', async () => {
    const result = await readLdapTree(settingsFor({ baseDn: `ou=Nowhere,${slapd.suffix}` }), { bindPassword: slapd.rootPassword }, { limit: 10, timeoutMs: 10_000 });
    expect(result.ok).toBe(false);
    expect(!result.ok && renderMessage(en, result.reason)).toContain(`ou=Nowhere,${slapd.suffix}`);
  });

  it('gives up at its time limit when the server does not answer', async () => {
    // A hung server: a port that accepts connections and never answers.
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const result = await readLdapTree(settingsFor({ url: `ldap://127.0.0.1:${port}` }), { bindPassword: slapd.rootPassword }, { limit: 10, timeoutMs: 2000 });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toEqual({ key: 'engine.ldap.tree.timeout', params: { seconds: 2 } });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
