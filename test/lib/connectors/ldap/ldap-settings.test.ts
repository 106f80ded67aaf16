import { describe, expect, it } from 'vitest';
import { validateLdapSecrets, validateLdapSettings } from '../../../../lib/connectors/ldap/ldap-settings.js';
import { DEFAULT_USER_ATTRIBUTES } from '../../../../lib/connectors/ldap/ldap-mappings.js';
import { ValidationError } from '../../../../lib/errors.js';
import { makeTestCertificates } from '../../../support/test-certificates.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function issuesOf(work: () => unknown): Array<{ field: string; code: string }> {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map(({ field, code }) => ({ field, code }));
    throw error;
  }
  return [];
}

const base = { url: 'ldaps://ldap.example.com', bindDn: 'cn=sync,dc=example,dc=com', baseDn: 'dc=example,dc=com' };

describe('validateLdapSettings', () => {
  it('fills the defaults of the ldap profile', () => {
    expect(validateLdapSettings(base, { allowPlain: false })).toEqual({
      profile: 'ldap',
      url: 'ldaps://ldap.example.com',
      tls: 'ldaps',
      ca: undefined,
      bindDn: 'cn=sync,dc=example,dc=com',
      baseDn: 'dc=example,dc=com',
      orgsDn: 'dc=example,dc=com',
      usersDn: 'dc=example,dc=com',
      userObjectClasses: ['inetOrgPerson'],
      orgObjectClasses: ['organizationalUnit'],
      userNamingAttribute: 'uid',
      groups: 'none',
      disable: { mode: 'move', dn: 'ou=Disabled,dc=example,dc=com' },
      matchBy: 'uid',
      userAttributes: DEFAULT_USER_ATTRIBUTES,
      connections: 4,
      timeoutMs: 15000,
    });
    expect(validateLdapSettings({ ...base, url: 'ldap://ldap.example.com:389' }, { allowPlain: false }).tls).toBe('startTls');
  });

  it('fills the defaults of the AD profile: user objects named by cn, userAccountControl to disable', () => {
    const settings = validateLdapSettings({ ...base, profile: 'ad', groups: 'groupOfNames' }, { allowPlain: false });
    expect(settings).toMatchObject({ userObjectClasses: ['user'], userNamingAttribute: 'cn', disable: { mode: 'attribute', attribute: 'userAccountControl' } });
  });

  it('names every bad field with a code', () => {
    expect(
      issuesOf(() =>
        validateLdapSettings(
          {
            url: 'https://ldap.example.com',
            bindDn: 'not a dn',
            baseDn: 'dc=example,dc=com',
            orgsDn: 'ou=Orgs,dc=elsewhere,dc=org',
            ca: 'not a certificate',
            groups: 'posixGroup',
            matchBy: 'phone',
            connections: 0,
            userObjectClasses: 'inetOrgPerson, bad class!',
            disable: { mode: 'attribute', attribute: 'employeeType' },
            userAttributes: [{ attribute: 'mail', from: 'password' }],
          },
          { allowPlain: false },
        ),
      ),
    ).toEqual([
      { field: 'url', code: 'invalid_url' },
      { field: 'ca', code: 'invalid_pem' },
      { field: 'bindDn', code: 'invalid_dn' },
      { field: 'orgsDn', code: 'outside_base' },
      { field: 'userObjectClasses', code: 'invalid_attribute' },
      { field: 'groups', code: 'invalid_choice' },
      { field: 'matchBy', code: 'invalid_choice' },
      { field: 'disable.value', code: 'required' },
      { field: 'userAttributes[0].from', code: 'invalid_choice' },
      { field: 'connections', code: 'out_of_range' },
    ]);
    expect(issuesOf(() => validateLdapSettings({}, { allowPlain: false }))).toEqual([
      { field: 'url', code: 'required' },
      { field: 'bindDn', code: 'required' },
      { field: 'baseDn', code: 'required' },
    ]);
  });

  it('allows plain LDAP only where the host allows it, and TLS modes that fit the URL', () => {
    const plain = { ...base, url: 'ldap://ldap.example.com', tls: 'plain' };
    expect(issuesOf(() => validateLdapSettings(plain, { allowPlain: false }))).toEqual([{ field: 'tls', code: 'tls_required' }]);
    expect(validateLdapSettings(plain, { allowPlain: true }).tls).toBe('plain');
    expect(issuesOf(() => validateLdapSettings({ ...base, tls: 'startTls' }, { allowPlain: false }))).toEqual([{ field: 'tls', code: 'tls_scheme' }]);
    expect(issuesOf(() => validateLdapSettings({ ...base, url: 'ldap://x', tls: 'ldaps' }, { allowPlain: false }))).toEqual([{ field: 'tls', code: 'tls_scheme' }]);
  });

  it('takes a PEM CA', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ssc-ca-'));
    try {
      const { ca } = makeTestCertificates(dir);
      expect(validateLdapSettings({ ...base, ca }, { allowPlain: false }).ca).toBe(ca.trim());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validateLdapSecrets', () => {
  it('requires the bind password and never repeats it', () => {
    expect(issuesOf(() => validateLdapSecrets({}))).toEqual([{ field: 'bindPassword', code: 'required' }]);
    const long = 'x'.repeat(2000);
    try {
      validateLdapSecrets({ bindPassword: long });
    } catch (error) {
      expect(JSON.stringify(error) + (error as Error).message).not.toContain(long);
    }
    expect(validateLdapSecrets({ bindPassword: 's3cret' })).toEqual({ bindPassword: 's3cret' });
  });
});
