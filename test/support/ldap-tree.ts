import { splitDn } from '../../lib/connectors/ldap/dn.js';
import { validateLdapSettings } from '../../lib/connectors/ldap/ldap-settings.js';
import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import type { LdapSettings } from '../../lib/sources/ldap-destination.js';
import type { CreateSourceInput, Source } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../index.js';
import { useFixture } from './fixture.js';
import { startSlapd, type Slapd, type SlapdOperations } from './slapd.js';

/** A fresh slapd for every test of the calling describe, stopped after it. */
export function useSlapd(): Slapd {
  return useFixture(async () => {
    const slapd = await startSlapd();
    return Object.assign(slapd, { close: () => slapd.stop() });
  });
}

/** The settings of an LDAP destination aimed at `slapd` over LDAPS with its CA, bound as its root DN. */
export function ldapSettingsFor(slapd: Slapd, overrides: Partial<LdapSettings> = {}): LdapSettings {
  return validateLdapSettings({ url: slapd.ldapsUrl, ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, ...overrides }, { allowPlain: false });
}

/** Creates and enables an LDAP destination aimed at `slapd` (no nightly schedule: the tests start what runs). */
export async function createLdapSource(
  center: SyncCenter,
  slapd: Slapd,
  ldap: Partial<LdapSettings> = {},
  push: Omit<NonNullable<CreateSourceInput['push']>, 'ldap' | 'bindPassword'> = {},
  name = 'Corporate LDAP',
): Promise<Source> {
  const { source } = await center.sources.create({ name, protocol: 'ldap', mode: 'push', push: { schedule: null, ...push, ldap: ldapSettingsFor(slapd, ldap), bindPassword: slapd.rootPassword } });
  return center.sources.enable(source.id);
}

/** One entry under the suffix, its attribute names in lower case. */
export interface TreeEntry {
  dn: string;
  /** The RDN values from the suffix down, as `type=value` unescaped: `ou=Acme / ou=Team 1 / uid=emp1@acme.example`. */
  path: string;
  attributes: Record<string, string[]>;
}

/** Every entry under the suffix (the suffix itself left out), sorted by path. */
export async function readTree(slapd: Slapd): Promise<TreeEntry[]> {
  const client = await slapd.admin();
  try {
    const { searchEntries } = await client.search(slapd.suffix, { scope: 'sub', attributes: ['*', 'entryUUID'] });
    const depth = splitDn(slapd.suffix).length;
    return searchEntries
      .filter((entry) => splitDn(entry.dn).length > depth)
      .map((entry) => {
        const attributes: Record<string, string[]> = {};
        for (const [name, value] of Object.entries(entry)) {
          if (name === 'dn') continue;
          attributes[name.toLowerCase()] = (Array.isArray(value) ? value : [value]).map((one) => (Buffer.isBuffer(one) ? one.toString('utf8') : String(one)));
        }
        return { dn: entry.dn, path: pathOf(entry.dn, depth), attributes };
      })
      .sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    await client.unbind();
  }
}

/** `uid=a,ou=B\, C,dc=example,dc=test` → `ou=B, C / uid=a`, below the suffix's `depth` RDNs. */
export function pathOf(dn: string, depth = 2): string {
  const rdns = splitDn(dn);
  return rdns
    .slice(0, rdns.length - depth)
    .reverse()
    .map((part) => {
      const at = part.indexOf('=');
      return `${part.slice(0, at).toLowerCase()}=${unescapeDnValue(part.slice(at + 1))}`;
    })
    .join(' / ');
}

/** RFC 4514 §3: `\,` and the other escaped characters, and `\HH` hex pairs (UTF-8). */
function unescapeDnValue(value: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index]!;
    if (char === '\\' && /^[0-9a-fA-F]{2}$/.test(value.slice(index + 1, index + 3))) {
      bytes.push(parseInt(value.slice(index + 1, index + 3), 16));
      index += 2;
    } else if (char === '\\' && index + 1 < value.length) {
      bytes.push(...Buffer.from(value[index + 1]!, 'utf8'));
      index += 1;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface Company {
  orgs: DirectoryOrg[];
  users: DirectoryUser[];
}

export interface ExpectedTreeOptions {
  /** Orgs also as groups (`cn=<name>` inside the org's OU). */
  groups?: boolean;
  /** Where disabled users go (a path like `ou=Disabled`), for the default disable policy. */
  disabledPath?: string;
}

/** The org's path from the top: `ou=Acme / ou=Division 1`. */
export function orgPath(company: Company, orgId: string): string {
  const byId = new Map(company.orgs.map((org) => [org.id, org]));
  const names: string[] = [];
  for (let org = byId.get(orgId); org; org = org.parentId ? byId.get(org.parentId) : undefined) names.unshift(`ou=${org.name}`);
  return names.join(' / ');
}

/** A user's path: under its primary org (or the first of its orgs), or the disabled OU when inactive. */
export function userPath(company: Company, user: DirectoryUser, options: ExpectedTreeOptions = {}): string {
  const primary = user.primaryOrgId ?? user.orgIds?.[0];
  const parent = user.active === false && options.disabledPath ? options.disabledPath : primary ? orgPath(company, primary) : '';
  return parent ? `${parent} / uid=${user.userName}` : `uid=${user.userName}`;
}

/** Every path the center should have written for `company`, sorted. */
export function expectedPaths(company: Company, options: ExpectedTreeOptions = {}): string[] {
  const paths = company.orgs.map((org) => orgPath(company, org.id));
  if (options.groups) paths.push(...company.orgs.map((org) => `${orgPath(company, org.id)} / cn=${org.name}`));
  paths.push(...company.users.map((user) => userPath(company, user, options)));
  if (options.disabledPath && company.users.some((user) => user.active === false)) paths.push(options.disabledPath);
  return paths.sort((a, b) => a.localeCompare(b));
}

/** Each group's members as paths: `{ 'ou=Acme / cn=Acme': [] , … }`. The empty DN (an empty group's placeholder) is left out. */
export function groupMembers(tree: TreeEntry[], attribute = 'member'): Record<string, string[]> {
  const members: Record<string, string[]> = {};
  for (const entry of tree) {
    const classes = (entry.attributes.objectclass ?? []).map((name) => name.toLowerCase());
    if (!classes.includes('groupofnames') && !classes.includes('groupofuniquenames')) continue;
    members[entry.path] = (entry.attributes[attribute.toLowerCase()] ?? []).filter((dn) => dn !== '').map((dn) => pathOf(dn)).sort();
  }
  return members;
}

/** The direct members each org's group should hold, as `groupMembers` returns them. */
export function expectedMembers(company: Company, options: ExpectedTreeOptions = {}): Record<string, string[]> {
  const members: Record<string, string[]> = {};
  for (const org of company.orgs) {
    members[`${orgPath(company, org.id)} / cn=${org.name}`] = company.users
      .filter((user) => user.orgIds?.includes(org.id))
      .map((user) => userPath(company, user, options))
      .sort();
  }
  return members;
}

/** Runs `work` and returns the writes the server completed meanwhile (its own monitor counts, not the client's). */
export async function writesDuring(slapd: Slapd, work: () => Promise<unknown>): Promise<SlapdOperations> {
  const before = await slapd.operations();
  await work();
  const after = await slapd.operations();
  return { add: after.add - before.add, modify: after.modify - before.modify, modrdn: after.modrdn - before.modrdn, delete: after.delete - before.delete };
}

export const NO_WRITES: SlapdOperations = { add: 0, modify: 0, modrdn: 0, delete: 0 };
