import type request from 'supertest';
import type { adminAgent } from './admin-agent.js';
import { ADMIN_HEADER, MOUNT } from './test-center.js';

type Client = ReturnType<typeof adminAgent>;

/**
 * Drives the wizard as a browser does (post, then follow the 303 to the step's page): starts a
 * draft, fills the basics and, when given, picks the mode. `post` answers the redirect; `follow`
 * fetches the page it points to.
 */
export async function startWizard(client: Client, options: { admin?: string; name?: string; description?: string; mode?: 'push' | 'pull'; protocol?: 'scim' | 'ldap' } = {}) {
  const admin = options.admin ?? 'alice';
  // LDAP / AD sets the mode (push) with the protocol.
  const first = await client.post('/new', { protocol: options.protocol ?? 'scim', go: 'next' });
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
  await post('basics', { name: options.name ?? 'CRM', description: options.description ?? '', go: 'next' });
  if (options.mode) await post('parameters', { mode: options.mode, go: 'mode' });
  return { id, path, post, get, follow };
}
