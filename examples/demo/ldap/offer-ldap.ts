import type { SyncCenter } from '../../../index.js';

/** The connection to the demo's slapd, new at every start (port, CA, password). */
export interface DemoLdapDestination {
  /** `ldaps://127.0.0.1:<port>` */
  url: string;
  /** PEM of the throw-away CA that signed the server's certificate. */
  ca: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
}

export const DEMO_LDAP_SOURCE_NAME = '演示 LDAP 目录 Demo LDAP directory';

/**
 * An LDAP destination pointed at the demo's slapd, created disabled: the admin looks at its
 * settings, tests the connection and enables it, and the first sync writes the tree. The slapd
 * is new at every start, so a stored source gets the new address, CA and password; one the
 * admin enabled is fully synced again, since the new tree starts empty.
 */
export async function offerDemoLdap(center: SyncCenter, ldap: DemoLdapDestination): Promise<string> {
  const connection = { url: ldap.url, tls: 'ldaps' as const, ca: ldap.ca, bindDn: ldap.bindDn, baseDn: ldap.baseDn };
  const existing = (await center.sources.list()).find((source) => source.name === DEMO_LDAP_SOURCE_NAME);
  if (existing) {
    await center.sources.update(existing.id, { push: { ldap: connection, bindPassword: ldap.bindPassword } }, { actor: 'demo' });
    if (!existing.enabled) return `LDAP destination "${DEMO_LDAP_SOURCE_NAME}" → ${ldap.url} (disabled: enable it in the sync center to write the directory)`;
    await center.runs.start(existing.id, { actor: 'demo' }).catch(() => undefined);
    return `LDAP destination "${DEMO_LDAP_SOURCE_NAME}" → ${ldap.url} (re-synced at start)`;
  }
  await center.sources.create(
    {
      name: DEMO_LDAP_SOURCE_NAME,
      description: 'The demo’s throw-away OpenLDAP server (slapd) on 127.0.0.1: orgs as OUs and groups, users as inetOrgPerson',
      protocol: 'ldap',
      mode: 'push',
      push: { ldap: { ...connection, groups: 'groupOfNames' }, bindPassword: ldap.bindPassword },
    },
    { actor: 'demo' },
  );
  return `created LDAP destination "${DEMO_LDAP_SOURCE_NAME}" → ${ldap.url}, disabled: enable it in the sync center to write the directory`;
}
