import type { Connector, ConnectorObject, RemoteRef } from '../../../../lib/push/connector.js';
import type { DirectoryOrg, DirectoryUser } from '../../../../lib/hooks/directory.js';
import { normalizeOrg, normalizeUser, type MirrorOrgData, type MirrorUserData } from '../../../../lib/mirror/normalize.js';
import { twentyOrgCompany } from '../../../support/company.js';

/**
 * Plays the engine's part for connector tests, as the contract says the engine will: orgs in tree
 * order (parents first), users after their orgs, links kept by local id, deletes leaves first.
 * No ordering logic of its own beyond that; the connector under test does the writing.
 */
export class TreeDriver {
  readonly links = new Map<string, RemoteRef>();
  readonly orgs = new Map<string, MirrorOrgData>();
  readonly users = new Map<string, MirrorUserData>();

  constructor(readonly connector: Connector) {}

  async writeTree(orgs: DirectoryOrg[], users: DirectoryUser[]): Promise<void> {
    const normalized = orgs.map(normalizeOrg);
    for (const org of normalized) this.orgs.set(org.id, org);
    for (const org of treeOrder(normalized)) await this.create({ kind: 'org', data: org });
    await Promise.all(users.map((user) => this.create({ kind: 'user', data: normalizeUser(user) })));
  }

  async create(object: ConnectorObject): Promise<RemoteRef> {
    if (object.kind === 'org') this.orgs.set(object.data.id, object.data);
    else this.users.set(object.data.id, object.data);
    const { ref } = await this.connector.create(object, this.placement(object));
    this.links.set(key(object), ref);
    return ref;
  }

  /** An upsert of a linked object: move (new parent or name) then update, as the engine will. */
  async upsert(object: ConnectorObject): Promise<void> {
    const previous = object.kind === 'org' ? this.orgs.get(object.data.id) : this.users.get(object.data.id);
    const before: ConnectorObject | null = previous ? ({ kind: object.kind, data: previous } as ConnectorObject) : null;
    const ref = this.link(object);
    const moved = await this.connector.move(ref, object, this.placement(object));
    const updated = await this.connector.update(moved.ref, before, object, this.placement(object));
    this.links.set(key(object), updated.ref);
    if (object.kind === 'org') this.orgs.set(object.data.id, object.data);
    else this.users.set(object.data.id, object.data);
  }

  async disable(user: MirrorUserData): Promise<void> {
    const object: ConnectorObject = { kind: 'user', data: { ...user, active: false } };
    const { ref } = await this.connector.disable(this.link(object), object, this.placement(object));
    this.links.set(key(object), ref);
    this.users.set(user.id, object.data);
  }

  async delete(kind: 'user' | 'org', id: string): Promise<void> {
    await this.connector.delete(this.links.get(`${kind}:${id}`)!, kind);
    this.links.delete(`${kind}:${id}`);
    if (kind === 'org') this.orgs.delete(id);
    else this.users.delete(id);
  }

  link(object: ConnectorObject): RemoteRef {
    const ref = this.links.get(key(object));
    if (!ref) throw new Error(`no link for ${key(object)}`);
    return ref;
  }

  placement(object: ConnectorObject) {
    const parentId = object.kind === 'org' ? object.data.parentId : object.data.primaryOrgId;
    return { parent: parentId ? this.links.get(`org:${parentId}`) : undefined };
  }
}

function key(object: ConnectorObject): string {
  return `${object.kind}:${object.data.id}`;
}

/** Parents before children. */
export function treeOrder(orgs: MirrorOrgData[]): MirrorOrgData[] {
  const byParent = new Map<string | undefined, MirrorOrgData[]>();
  for (const org of orgs) byParent.set(org.parentId, [...(byParent.get(org.parentId) ?? []), org]);
  const ordered: MirrorOrgData[] = [];
  const visit = (parentId: string | undefined) => {
    for (const org of byParent.get(parentId) ?? []) {
      ordered.push(org);
      visit(org.id);
    }
  };
  visit(undefined);
  return ordered;
}

/** The demo's company with Chinese and awkward names mixed in, as a directory would have them. */
export function demoLikeCompany(people = 30): { orgs: DirectoryOrg[]; users: DirectoryUser[] } {
  const company = twentyOrgCompany(people);
  company.orgs[1]!.name = '研发部, 北京';
  company.users[0] = { ...company.users[0]!, displayName: '张三', name: { givenName: '三', familyName: '张' }, phoneNumbers: [{ value: '+86 10 1234 5678', primary: true }], title: '工程师', employeeNumber: 'E0001' };
  return company;
}
