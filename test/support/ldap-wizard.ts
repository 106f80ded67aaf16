import type request from 'supertest';
import type { adminAgent } from './admin-agent.js';
import { ADMIN_HEADER, MOUNT } from './test-center.js';

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

/**
 * Drives the wizard for an LDAP / AD destination as a browser does: the protocol (which sets
 * the mode to push), the basics, and then the parameters step is the LDAP form.
 */
export async function startLdapWizard(client: Client, options: { admin?: string; name?: string } = {}) {
  const admin = options.admin ?? 'alice';
  const first = await client.post('/new', { protocol: 'ldap', go: 'next' });
  const id = /\/new\/([0-9a-f]+)\//.exec(String(first.headers.location))?.[1];
  if (!id) throw new Error(`the wizard did not start a draft: ${first.status} ${first.headers.location}`);
  const path = (step: string) => `/new/${id}/${step}`;
  const post = (step: string, form: Record<string, string | string[]>, lang?: string) => client.post(path(step), form, lang);
  const follow = (res: request.Response, lang?: string) => {
    const location = String(res.headers.location ?? '').split('#')[0]!;
    if (!location.startsWith(MOUNT)) throw new Error(`not a redirect into the center: ${res.status} ${location}`);
    const pending = client.agent.get(location).set(ADMIN_HEADER, admin);
    return lang ? pending.set('accept-language', lang) : pending;
  };
  const get = (step: string, lang?: string) => {
    const pending = client.get(path(step));
    return lang ? pending.set('accept-language', lang) : pending;
  };
  await post('basics', { name: options.name ?? 'Corporate LDAP', description: '', go: 'next' });
  return { id, path, post, get, follow };
}
