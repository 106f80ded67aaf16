import type { DownstreamStore, StoredResource } from './store.js';
import { URN } from '../../../lib/scim/urns.js';

const escape = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

export interface PageConnection {
  /** The SCIM base URL a push source points at. */
  scimUrl: string;
  /** The bearer token the downstream expects. */
  token: string;
}

/**
 * A plain page listing what the downstream received (the org tree, groups, users) and how to
 * connect a push source to it, bearer token included: a demo secret, shown on purpose.
 */
export function renderPage(store: DownstreamStore, connection: PageConnection): string {
  const orgs = store.list('orgs');
  const children = new Map<string, StoredResource[]>();
  for (const org of orgs) {
    const key = org.parent ?? '';
    children.set(key, [...(children.get(key) ?? []), org]);
  }
  const orgName = new Map([...orgs, ...store.list('groups')].map((org) => [org.id, org.displayName]));
  const tree = (parent: string): string => {
    const list = (children.get(parent) ?? []).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    if (list.length === 0) return '';
    return `<ul>${list.map((org) => `<li>${escape(org.displayName)}${org.code ? ` <small>(${escape(org.code)})</small>` : ''}${tree(org.id)}</li>`).join('')}</ul>`;
  };
  const users = store
    .list('users')
    .sort((a, b) => String(a.userName).localeCompare(String(b.userName)))
    .map((user) => {
      const orgIds: string[] = user[URN.userOrgs]?.orgIds ?? [];
      const manager = user[URN.enterpriseUser]?.manager?.value;
      return `<tr><td>${escape(user.userName)}</td><td>${escape(user.displayName)}</td><td>${user.active === false ? 'no' : 'yes'}</td><td>${escape(orgIds.map((id) => orgName.get(id) ?? id).join(', '))}</td><td>${escape(manager ? (store.users.get(manager)?.userName ?? manager) : '')}</td></tr>`;
    })
    .join('');
  const groups = store
    .list('groups')
    .map((group) => `<li>${escape(group.displayName)}: ${(group.members ?? []).length} members</li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo downstream app</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}input{font-family:monospace}.note{color:#666;max-width:46rem}</style></head>
<body><h1>Demo downstream app</h1><p>What the IdP pushed here over SCIM: ${store.users.size} users, ${orgs.length} organizations, ${store.groups.size} groups.</p>
<h2>Connecting a push source</h2>
<p><label for="scim-url">SCIM base URL</label><br><input id="scim-url" readonly size="60" value="${escape(connection.scimUrl)}"></p>
<p><label for="token">Bearer token</label><br><input id="token" readonly size="60" value="${escape(connection.token)}"></p>
<p class="note">This token is a demo secret, shown here on purpose so that you can copy it into a push source of your own. A real SCIM app never shows its token on a page; this one has no sign-in and listens on 127.0.0.1 only.</p>
<h2>Organizations</h2>${tree('') || '<p>None yet.</p>'}
${groups ? `<h2>Groups</h2><ul>${groups}</ul>` : ''}
<h2>Users</h2><table><thead><tr><th>userName</th><th>displayName</th><th>active</th><th>orgs</th><th>manager</th></tr></thead><tbody>${users}</tbody></table>
</body></html>`;
}
