import type { adminAgent } from './admin-agent.js';
import { startWizard } from './wizard-driver.js';

type Client = ReturnType<typeof adminAgent>;

/** The LDAP inputs of the parameters step, for a server at `url` (placeholders stand for the rest). */
export function ldapForm(fields: { url: string; bindDn: string; baseDn: string; ca?: string; profile?: 'ldap' | 'ad'; tls?: string; password?: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'push.ldap.profile': fields.profile ?? 'ldap',
    'push.ldap.url': fields.url,
    'push.ldap.tls': fields.tls ?? '',
    'push.ldap.ca': fields.ca ?? '',
    'push.ldap.bindDn': fields.bindDn,
    'push.bindPassword': fields.password ?? '',
    'push.ldap.baseDn': fields.baseDn,
    'push.ldap.orgsDn': '',
    'push.ldap.usersDn': '',
    'push.ldap.userObjectClasses': '',
    'push.ldap.orgObjectClasses': '',
    'push.ldap.userNamingAttribute': '',
    'push.ldap.groups': 'none',
    'push.ldap.disable.mode': '',
    'push.ldap.disable.attribute': '',
    'push.ldap.disable.value': '',
    'push.ldap.disable.dn': '',
    'push.ldap.matchBy': 'uid',
    'push.ldap.connections': '',
    'push.ldap.timeoutMs': '',
    'push.deprovision.users': 'disable',
    'push.deprovision.orgs': 'delete',
    'push.deletionThreshold.count': '100',
    'push.deletionThreshold.percent': '',
    'push.concurrency': '',
    'push.rateLimit': '',
    'push.schedule': '',
    ...extra,
  };
}

/** The wizard for an LDAP / AD destination, past the protocol (which sets the mode to push) and the basics. */
export function startLdapWizard(client: Client, options: { admin?: string; name?: string } = {}) {
  return startWizard(client, { ...options, name: options.name ?? 'Corporate LDAP', protocol: 'ldap' });
}
