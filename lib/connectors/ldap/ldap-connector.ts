import { createHash } from 'node:crypto';
import { engineMessage } from '../../i18n/engine-message.js';
import type { MirrorOrgData, MirrorUserData } from '../../mirror/normalize.js';
import { RemoteNotFoundError, RemoteRejectedError } from '../../push/client/errors.js';
import type { Connector, ConnectorKind, ConnectorObject, ConnectorTestResult, Placement, RemoteObject, RemoteRef, WriteResult } from '../../push/connector.js';
import { canonicalDn, childDn, equalityFilter, isUnder, sameDn, splitDn, unescapeDnValue } from './dn.js';
import type { LdapEntry } from './ldap-directory.js';
import {
  changedAttributes,
  groupEntry,
  groupObjectClass,
  groupRdn,
  idAttribute,
  memberAttribute,
  memberValues,
  newUserEntry,
  orgEntry,
  orgRdn,
  userAttributes,
  userMatch,
  userRdn,
  valuesOf,
} from './ldap-entries.js';
import { renderLdif, type LdapOperation } from './ldif.js';
import { connectionOptions, LdapPool } from './ldap-pool.js';
import type { LdapSecrets } from './ldap-settings.js';
import type { LdapSettings } from '../../sources/ldap-destination.js';
import { testLdapConnection } from './ldap-test-connection.js';

/** How many of each LDAP operation the connector sent (searches and reads included), for benchmarks and tests. */
export interface LdapOperationCounts {
  add: number;
  modify: number;
  modifyDN: number;
  delete: number;
  search: number;
}

const DRY_RUN_ID = 'dry-run:';
/** Matching values per search in `lookupMany`: a filter the server parses quickly, and few round trips. */
const LOOKUP_CHUNK = 100;

/**
 * The LDAP/AD connector (see `Connector` for each method's contract). Orgs are OUs in tree
 * order under `orgsDn`, users sit under their primary org's OU (`usersDn` without one), and an
 * org's group, when asked for, is a child of its own OU, so one modifyDN of the OU moves the org,
 * its users, its suborgs and its group together. Found again by `entryUUID` (AD `objectGUID`)
 * when a DN it was given has gone stale.
 */
export class LdapConnector implements Connector {
  readonly protocol: string;
  readonly counts: LdapOperationCounts = { add: 0, modify: 0, modifyDN: 0, delete: 0, search: 0 };
  readonly #pool: LdapPool;
  readonly #recorded: LdapOperation[] = [];
  /** Where entries are now, by remote id: saves a search per write; a stale one costs a retry. */
  readonly #dns = new Map<string, string>();
  readonly #containers = new Set<string>();

  constructor(
    readonly settings: LdapSettings,
    private readonly secrets: LdapSecrets,
    private readonly options: { dryRun?: boolean } = {},
  ) {
    this.protocol = settings.profile;
    this.#pool = new LdapPool(connectionOptions(settings, secrets), settings.connections);
  }

  get userMatchAttribute(): string {
    if (this.settings.matchBy === 'mail') return 'mail';
    if (this.settings.matchBy === 'entryUUID') return idAttribute(this.settings);
    return this.settings.profile === 'ad' ? 'sAMAccountName' : this.settings.userNamingAttribute;
  }

  /** AD enables accounts only over an encrypted connection (it needs a password); plain LDAP is not. */
  get #encrypted(): boolean {
    return this.settings.tls !== 'plain';
  }

  async create(object: ConnectorObject, placement: Placement): Promise<WriteResult> {
    const parent = await this.#parentDn(object, placement);
    if (object.kind === 'org') {
      const dn = childDn('ou', object.data.name, parent);
      const added = await this.#apply({ type: 'add', dn, attributes: orgEntry(this.settings, object.data) });
      if (this.settings.groups !== 'none') await this.#apply({ type: 'add', dn: `${groupRdn(object.data)},${dn}`, attributes: groupEntry(this.settings, object.data, []) });
      return { ref: added ? this.#remember(added) : await this.#refOf(dn), changed: true };
    }
    const dn = `${userRdn(this.settings, object.data)},${parent}`;
    const added = await this.#apply({ type: 'add', dn, attributes: newUserEntry(this.settings, object.data, this.#encrypted) });
    return { ref: added ? this.#remember(added) : await this.#refOf(dn), changed: true };
  }

  async update(ref: RemoteRef, previous: ConnectorObject | null, desired: ConnectorObject, _placement: Placement): Promise<WriteResult> {
    // An org's only attribute is its name, the RDN: `move` renames it. Users carry the rest.
    if (desired.kind !== 'user') return { ref, changed: false };
    const before = previous?.kind === 'user' ? userAttributes(this.settings, previous.data, this.#encrypted) : null;
    const changes = changedAttributes(before, userAttributes(this.settings, desired.data, this.#encrypted), [this.settings.userNamingAttribute, 'objectClass']);
    if (changes.length === 0) return { ref, changed: false };
    const dn = await this.#withDn(ref, async (at) => {
      await this.#apply({ type: 'modify', dn: at, changes: changes.map((change) => ({ operation: 'replace', ...change })) });
    });
    return { ref: { ...ref, location: dn }, changed: true };
  }

  async move(ref: RemoteRef, desired: ConnectorObject, placement: Placement): Promise<WriteResult> {
    const current = await this.#dnOf(ref);
    const parent = await this.#parentDn(desired, placement);
    const newRdn = desired.kind === 'org' ? orgRdn(desired.data) : userRdn(this.settings, desired.data);
    const target = `${newRdn},${parent}`;
    if (sameDn(current, target)) return { ref: { ...ref, location: current }, changed: false };
    await this.#apply({ type: 'modrdn', dn: current, newRdn, newParent: parent });
    this.#moved(current, target);
    if (desired.kind === 'org' && this.settings.groups !== 'none' && splitDn(current)[0] !== newRdn) await this.#renameGroup(target, desired.data);
    if (this.settings.groups !== 'none' && this.settings.profile !== 'ad') await this.#repointMembers(current, target);
    return { ref: { ...ref, location: target }, changed: true };
  }

  async disable(ref: RemoteRef, desired: ConnectorObject, placement: Placement): Promise<WriteResult> {
    if (desired.kind !== 'user') throw new RemoteRejectedError(engineMessage('engine.ldap.notAUser', { dn: ref.location ?? ref.id }));
    const user: MirrorUserData = { ...desired.data, active: false };
    const disabled: ConnectorObject = { kind: 'user', data: user };
    // Move mode: into the disabled OU. Attribute mode and AD: the one attribute that says so.
    const moved = await this.move(ref, disabled, placement);
    const switchName = this.settings.profile === 'ad' ? 'userAccountControl' : this.settings.disable.mode === 'attribute' ? this.settings.disable.attribute : null;
    if (!switchName) return moved;
    const values = valuesOf(userAttributes(this.settings, user, this.#encrypted), switchName);
    const dn = await this.#withDn(moved.ref, async (at) => {
      await this.#apply({ type: 'modify', dn: at, changes: [{ operation: 'replace', attribute: switchName, values }] });
    });
    return { ref: { ...moved.ref, location: dn }, changed: true };
  }

  async delete(ref: RemoteRef, kind: ConnectorKind): Promise<void> {
    await this.#withDn(ref, async (dn) => {
      // An org's own group goes first: it is the one child the center puts in an OU besides what the engine deletes.
      if (kind === 'org' && this.settings.groups !== 'none') {
        for (const group of await this.#all(dn, `(objectClass=${groupObjectClass(this.settings)})`, ['1.1'], 'one')) await this.#apply({ type: 'delete', dn: group.dn });
      }
      await this.#apply({ type: 'delete', dn });
    });
    this.#dns.delete(ref.id);
  }

  async lookup(object: ConnectorObject, placement: Placement): Promise<RemoteRef | null> {
    if (object.kind === 'org') {
      // A real read, in a dry run too: what is there decides between adopting and creating.
      const entry = await this.#read(childDn('ou', object.data.name, await this.#parentDn(object, placement)), [idAttribute(this.settings)]);
      return entry ? this.#remember(entry) : null;
    }
    const match = userMatch(this.settings, object.data);
    if (!match) return null;
    const found = await this.#all(this.settings.baseDn, `(&${this.#classFilter('user')}${equalityFilter(match.attribute, match.value)})`, [idAttribute(this.settings)]);
    if (found.length > 1) throw new RemoteRejectedError(engineMessage('engine.ldap.ambiguous', { attribute: match.attribute, value: match.value, count: found.length }));
    return found[0] ? this.#remember(found[0]) : null;
  }

  /**
   * Many unlinked users at once: one search per chunk, an OR of their matching values, instead of
   * a search per user before its create. Orgs, and users whose value several entries share, are
   * left to `lookup` (undefined), which finds them (or says why not) one by one.
   */
  async lookupMany(objects: readonly ConnectorObject[]): Promise<Array<RemoteRef | null | undefined>> {
    const matches = objects.map((object) => (object.kind === 'user' ? userMatch(this.settings, object.data) : null));
    const attribute = matches.find((match) => match !== null)?.attribute;
    if (!attribute) return objects.map((object) => (object.kind === 'user' && this.settings.matchBy === 'entryUUID' ? null : undefined));
    const values = [...new Set(matches.flatMap((match) => (match ? [match.value] : [])))];
    const chunks: string[][] = [];
    for (let start = 0; start < values.length; start += LOOKUP_CHUNK) chunks.push(values.slice(start, start + LOOKUP_CHUNK));
    // The chunks' searches go out together, spread over the pool's connections.
    const pages = await Promise.all(chunks.map((chunk) => this.#all(this.settings.baseDn, `(&${this.#classFilter('user')}(|${chunk.map((value) => equalityFilter(attribute, value)).join('')}))`, [idAttribute(this.settings), attribute])));
    const found = new Map<string, LdapEntry[]>();
    for (const entry of pages.flat()) {
      for (const value of entry.attributes[attribute.toLowerCase()] ?? []) {
        const key = value.toLowerCase();
        found.set(key, [...(found.get(key) ?? []), entry]);
      }
    }
    return matches.map((match) => {
      if (!match) return undefined;
      const entries = found.get(match.value.toLowerCase()) ?? [];
      return entries.length === 0 ? null : entries.length === 1 ? this.#remember(entries[0]!) : undefined;
    });
  }

  async *list(kind: ConnectorKind, options: { pageSize?: number } = {}): AsyncIterable<RemoteObject[]> {
    const directory = await this.#pool.take();
    const match = kind === 'user' ? (this.settings.matchBy === 'mail' ? 'mail' : this.settings.profile === 'ad' ? 'sAMAccountName' : this.settings.userNamingAttribute) : 'ou';
    const containers = [this.settings.baseDn, this.settings.orgsDn, this.settings.usersDn, ...(this.settings.disable.mode === 'move' ? [this.settings.disable.dn] : [])];
    for await (const page of directory.search(this.settings.baseDn, this.#classFilter(kind), [idAttribute(this.settings), match, '*'], { pageSize: options.pageSize })) {
      this.counts.search += 1;
      const objects = page
        .filter((entry) => kind === 'user' || !containers.some((dn) => sameDn(dn, entry.dn)))
        .map((entry) => ({ kind, ref: this.#remember(entry), matchValue: entry.attributes[match.toLowerCase()]?.[0], attributes: entry.attributes }));
      if (objects.length > 0) yield objects;
    }
  }

  digestOf(remote: RemoteObject): string {
    return this.#digest(remote.kind, remote.ref.location ?? '', remote.attributes);
  }

  async digestFor(desired: ConnectorObject, placement: Placement): Promise<string> {
    const parent = await this.#parentDn(desired, placement);
    if (desired.kind === 'org') return this.#digest('org', childDn('ou', desired.data.name, parent), {});
    return this.#digest('user', `${userRdn(this.settings, desired.data)},${parent}`, userAttributes(this.settings, desired.data, this.#encrypted));
  }

  /**
   * Where an entry is and, for a user, the values of the attributes the center writes (not the
   * account-control bits a server also sets itself, nor object classes): what a reconciling run
   * compares. A SHA-1 keeps 100k of them small.
   */
  #digest(kind: ConnectorKind, dn: string, attributes: Record<string, string[]>): string {
    const names = kind === 'user' ? this.#managedNames : [];
    const parts = [canonicalDn(dn).join('\u0001'), ...names.map((name) => `${name}=${[...valuesOf(attributes, name)].sort().join('\u0000')}`)];
    return createHash('sha1').update(parts.join('\n')).digest('base64');
  }

  /** The user attributes the center writes, whatever the user holds (lower case, sorted). */
  get #managedNames(): string[] {
    const names = new Set([...this.settings.userAttributes.map((mapping) => mapping.attribute), 'sn', this.settings.userNamingAttribute]);
    if (this.settings.profile === 'ad') for (const name of ['sAMAccountName', 'userPrincipalName', 'displayName']) names.add(name);
    else {
      names.add('cn');
      if (this.settings.disable.mode === 'attribute') names.add(this.settings.disable.attribute);
    }
    return [...new Set([...names].map((name) => name.toLowerCase()))].sort();
  }

  async setMembers(org: RemoteRef, desired: ConnectorObject & { kind: 'org' }, members: readonly RemoteRef[]): Promise<WriteResult> {
    if (this.settings.groups === 'none') return { ref: org, changed: false };
    const memberDns = await Promise.all(members.map((member) => this.#dnOf(member)));
    const orgDn = await this.#dnOf(org);
    const groupDn = `${groupRdn(desired.data)},${orgDn}`;
    const attribute = memberAttribute(this.settings);
    const values = memberValues(this.settings, memberDns);
    // Read first (a dry run too): a full sync hands every group over, and most already hold what they should.
    const current = await this.#read(groupDn, [attribute]);
    if (current && sameMembers(current.attributes[attribute.toLowerCase()] ?? [], values)) return { ref: { ...org, location: orgDn }, changed: false };
    if (current) await this.#apply({ type: 'modify', dn: groupDn, changes: [{ operation: 'replace', attribute, values }] });
    // Deleted behind the center's back: the group is put back with its members.
    else await this.#apply({ type: 'add', dn: groupDn, attributes: groupEntry(this.settings, desired.data, memberDns) });
    return { ref: { ...org, location: orgDn }, changed: true };
  }

  testConnection(): Promise<ConnectorTestResult> {
    return testLdapConnection(this.settings, this.secrets);
  }

  preview(): string {
    return renderLdif(this.#recorded);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** The DN of the object's parent: its parent org's OU, or the container for its kind; the disabled OU for a disabled user in move mode. */
  async #parentDn(object: ConnectorObject, placement: Placement): Promise<string> {
    if (object.kind === 'user' && !object.data.active && this.settings.disable.mode === 'move') return this.#container(this.settings.disable.dn);
    if (placement.parent) return this.#dnOf(placement.parent);
    return this.#container(object.kind === 'org' ? this.settings.orgsDn : this.settings.usersDn);
  }

  /** A container the settings name, created (as an OU) the first time it is needed if it is missing. */
  async #container(dn: string): Promise<string> {
    if (this.#containers.has(dn.toLowerCase()) || sameDn(dn, this.settings.baseDn)) return dn;
    if (!(await this.#read(dn, ['1.1']))) {
      const [attribute, ...value] = splitDn(dn)[0]!.split('=');
      if (attribute!.toLowerCase() !== 'ou') throw new RemoteRejectedError(engineMessage('engine.ldap.containerMissing', { dn }));
      await this.#apply({ type: 'add', dn, attributes: { objectClass: ['organizationalUnit'], ou: [unescapeDnValue(value.join('='))] } });
    }
    this.#containers.add(dn.toLowerCase());
    return dn;
  }

  /** Where a linked object is: what it was last seen at, or found again by its id. */
  async #dnOf(ref: RemoteRef): Promise<string> {
    return this.#dns.get(ref.id) ?? ref.location ?? this.#find(ref);
  }

  async #find(ref: RemoteRef): Promise<string> {
    if (ref.id.startsWith(DRY_RUN_ID)) return ref.id.slice(DRY_RUN_ID.length);
    // AD: the GUID as a base (`<GUID=…>`, MS-ADTS 3.1.1.3.1.2.4); a filter on the binary value does not survive ldapts' filter parser.
    const [entry] = this.settings.profile === 'ad' ? [await this.#read(`<GUID=${guidText(ref.id)}>`, ['1.1'])].filter((found) => found !== null) : await this.#all(this.settings.baseDn, equalityFilter('entryUUID', ref.id), ['1.1']);
    if (!entry) throw new RemoteNotFoundError(engineMessage('engine.ldap.gone', { id: ref.id }));
    this.#dns.set(ref.id, entry.dn);
    return entry.dn;
  }

  /** Runs `work` at the object's DN; when that DN has gone stale (someone moved it), finds it by id and tries once more. Returns the DN used. */
  async #withDn(ref: RemoteRef, work: (dn: string) => Promise<void>): Promise<string> {
    const dn = await this.#dnOf(ref);
    try {
      await work(dn);
      return dn;
    } catch (error) {
      if (!(error instanceof RemoteNotFoundError) || ref.id.startsWith(DRY_RUN_ID)) throw error;
      this.#dns.delete(ref.id);
      const found = await this.#find(ref);
      if (sameDn(found, dn)) throw error;
      await work(found);
      return found;
    }
  }

  async #refOf(dn: string): Promise<RemoteRef> {
    if (this.options.dryRun) return { id: `${DRY_RUN_ID}${dn}`, location: dn };
    const entry = await this.#read(dn, [idAttribute(this.settings)]);
    if (!entry) throw new RemoteNotFoundError(engineMessage('engine.ldap.gone', { id: dn }));
    return this.#remember(entry);
  }

  #remember(entry: LdapEntry): RemoteRef {
    const id = entry.attributes[idAttribute(this.settings).toLowerCase()]?.[0];
    if (!id) return { id: `${DRY_RUN_ID}${entry.dn}`, location: entry.dn };
    this.#dns.set(id, entry.dn);
    return { id, location: entry.dn };
  }

  /** After a modifyDN: what sat at or below `from` now sits below `to`. */
  #moved(from: string, to: string): void {
    const depth = splitDn(from).length;
    for (const [id, dn] of this.#dns) if (isUnder(dn, from)) this.#dns.set(id, [...splitDn(dn).slice(0, splitDn(dn).length - depth), to].join(','));
  }

  async #renameGroup(orgDn: string, org: MirrorOrgData): Promise<void> {
    for (const group of await this.#all(orgDn, `(objectClass=${groupObjectClass(this.settings)})`, ['1.1'], 'one')) {
      if (!sameDn(group.dn, `${groupRdn(org)},${orgDn}`)) {
        await this.#apply({ type: 'modrdn', dn: group.dn, newRdn: groupRdn(org), newParent: orgDn });
      }
    }
  }

  /**
   * OpenLDAP does not follow a moved entry in groupOfNames (without the refint overlay): rewrite
   * the member values that pointed at or below the old DN. One paged search of the groups; only
   * groups that change are written. AD keeps its links itself.
   */
  async #repointMembers(from: string, to: string): Promise<void> {
    const attribute = memberAttribute(this.settings);
    const depth = splitDn(from).length;
    for (const group of await this.#all(this.settings.baseDn, `(objectClass=${groupObjectClass(this.settings)})`, [attribute])) {
      const values = group.attributes[attribute.toLowerCase()] ?? [];
      if (!values.some((value) => value !== '' && isUnder(value, from))) continue;
      const rewritten = values.map((value) => (value !== '' && isUnder(value, from) ? [...splitDn(value).slice(0, splitDn(value).length - depth), to].join(',') : value));
      await this.#apply({ type: 'modify', dn: group.dn, changes: [{ operation: 'replace', attribute, values: rewritten }] });
    }
  }

  #classFilter(kind: ConnectorKind): string {
    if (kind === 'org') return `(objectClass=${this.settings.orgObjectClasses[0]})`;
    return this.settings.profile === 'ad' ? '(&(objectCategory=person)(objectClass=user))' : `(objectClass=${this.settings.userObjectClasses[0]})`;
  }

  async #read(dn: string, attributes: string[]): Promise<LdapEntry | null> {
    this.counts.search += 1;
    return (await this.#pool.take()).read(dn, attributes);
  }

  async #all(base: string, filter: string, attributes: string[], scope: 'one' | 'sub' = 'sub'): Promise<LdapEntry[]> {
    const entries: LdapEntry[] = [];
    for await (const page of (await this.#pool.take()).search(base, filter, attributes, { scope })) {
      this.counts.search += 1;
      entries.push(...page);
    }
    return entries;
  }

  /**
   * Sends one operation, or in a dry run records it for the LDIF. An add returns the new entry's
   * id where the server answers with it (post-read), so no search follows.
   */
  async #apply(operation: LdapOperation): Promise<LdapEntry | null> {
    if (this.options.dryRun) {
      this.#recorded.push(operation);
      return null;
    }
    const directory = await this.#pool.take();
    switch (operation.type) {
      case 'add':
        this.counts.add += 1;
        return directory.add(operation.dn, operation.attributes, this.settings.profile === 'ad' ? undefined : [idAttribute(this.settings)]);
      case 'modify':
        this.counts.modify += 1;
        await directory.modify(operation.dn, operation.changes);
        return null;
      case 'modrdn':
        this.counts.modifyDN += 1;
        await directory.move(operation.dn, operation.newRdn, operation.newParent);
        return null;
      case 'delete':
        this.counts.delete += 1;
        await directory.delete(operation.dn);
        return null;
    }
  }
}

/** The same member DNs, in any order and case (the empty placeholder DN included). */
function sameMembers(current: readonly string[], desired: readonly string[]): boolean {
  if (current.length !== desired.length) return false;
  const wanted = desired.map((dn) => canonicalDn(dn).join('\u0001')).sort();
  return current
    .map((dn) => canonicalDn(dn).join('\u0001'))
    .sort()
    .every((dn, index) => dn === wanted[index]);
}

/** objectGUID bytes (kept as hex) in the GUID's text form: the first three groups little-endian. */
function guidText(hex: string): string {
  const bytes = hex.replace(/[^0-9a-f]/gi, '').match(/../g) ?? [];
  const group = (from: number, to: number, reverse: boolean) => (reverse ? bytes.slice(from, to).reverse() : bytes.slice(from, to)).join('');
  return `${group(0, 4, true)}-${group(4, 6, true)}-${group(6, 8, true)}-${group(8, 10, false)}-${group(10, 16, false)}`;
}

