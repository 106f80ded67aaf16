import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { useTestCenter } from '../../support/test-center.js';

const LDAP = { url: 'ldaps://dir.example.test:636', bindDn: 'cn=sync,dc=example,dc=test', baseDn: 'dc=example,dc=test' };
const PASSWORD = 'bind-password-never-shown';

async function issuesOf(promise: Promise<unknown>): Promise<Array<{ field: string; code: string }>> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues.map(({ field, code }) => ({ field, code }));
}

describe('LDAP destinations as push sources', () => {
  const t = useTestCenter();

  it('stores the connection with its defaults, the protocol, and the bind password sealed', async () => {
    const { center, knex } = t;
    const { source } = await center.sources.create({ name: 'Corporate LDAP', protocol: 'ldap', mode: 'push', push: { ldap: LDAP, bindPassword: PASSWORD } });
    expect(source.protocol).toBe('ldap');
    expect(source.push).toMatchObject({ hasBindPassword: true, hasToken: false, userUrl: '', deprovision: { users: 'disable', orgs: 'delete' } });
    expect(source.push!.ldap).toMatchObject({ ...LDAP, profile: 'ldap', tls: 'ldaps', orgsDn: LDAP.baseDn, userNamingAttribute: 'uid', disable: { mode: 'move', dn: 'ou=Disabled,dc=example,dc=test' } });
    expect(JSON.stringify(source)).not.toContain(PASSWORD);
    const row = await knex(TABLES.sources).where({ id: source.id }).first();
    expect(row.protocol).toBe('ldap');
    expect(`${row.settings}${row.secrets}`).not.toContain(PASSWORD);
    expect((await center.sources.pushSecrets(source.id)).bindPassword).toBe(PASSWORD);
  });

  it('names every bad LDAP field under push.ldap, and asks for the password', async () => {
    const { center } = t;
    const issues = await issuesOf(center.sources.create({ name: 'Bad', protocol: 'ldap', mode: 'push', push: { ldap: { url: 'http://dir', bindDn: 'not a dn', baseDn: LDAP.baseDn } } }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'push.ldap.url', code: 'invalid_url' },
        { field: 'push.ldap.bindDn', code: 'invalid_dn' },
        { field: 'push.bindPassword', code: 'required' },
      ]),
    );
    expect(await center.sources.list()).toEqual([]);
  });

  it('refuses plain LDAP unless the host allows it, and a pull source of protocol ldap', async () => {
    const { center } = t;
    const plain = { ...LDAP, url: 'ldap://dir.example.test', tls: 'plain' as const };
    expect(await issuesOf(center.sources.create({ name: 'Plain', protocol: 'ldap', mode: 'push', push: { ldap: plain, bindPassword: PASSWORD } }))).toEqual([{ field: 'push.ldap.tls', code: 'tls_required' }]);
    expect(await issuesOf(center.sources.create({ name: 'Pull', protocol: 'ldap', mode: 'pull' }))).toEqual([{ field: 'mode', code: 'ldap_push_only' }]);
  });

  it('keeps the stored password for the same server only, and merges edits over the stored settings', async () => {
    const { center } = t;
    const { source } = await center.sources.create({ name: 'Corporate LDAP', protocol: 'ldap', mode: 'push', push: { ldap: LDAP, bindPassword: PASSWORD } });
    const renamed = await center.sources.update(source.id, { push: { ldap: { ...source.push!.ldap!, groups: 'groupOfNames' } } });
    expect(renamed.push!.ldap).toMatchObject({ ...LDAP, groups: 'groupOfNames' });
    expect((await center.sources.pushSecrets(source.id)).bindPassword).toBe(PASSWORD);

    const elsewhere = { ...renamed.push!.ldap!, url: 'ldaps://attacker.example.test' };
    expect(await issuesOf(center.sources.update(source.id, { push: { ldap: elsewhere } }))).toEqual([{ field: 'push.bindPassword', code: 'secret_origin' }]);
    const moved = await center.sources.update(source.id, { push: { ldap: elsewhere, bindPassword: 'a-new-password' } });
    expect(moved.push!.ldap!.url).toBe('ldaps://attacker.example.test');
    expect((await center.sources.pushSecrets(source.id)).bindPassword).toBe('a-new-password');
  });
});
