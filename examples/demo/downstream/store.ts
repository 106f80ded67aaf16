import { randomUUID } from 'node:crypto';
import SCIMMY from 'scimmy';

export type Kind = 'users' | 'groups' | 'orgs';
export type StoredResource = Record<string, any> & { id: string };

/** The demo downstream's data: three in-memory maps. Enough for a demo and for the tests. */
export class DownstreamStore {
  readonly users = new Map<string, StoredResource>();
  readonly groups = new Map<string, StoredResource>();
  readonly orgs = new Map<string, StoredResource>();

  list(kind: Kind): StoredResource[] {
    return [...this[kind].values()];
  }

  get(kind: Kind, id: string): StoredResource {
    const found = this[kind].get(id);
    if (!found) throw new SCIMMY.Types.Error(404, null as unknown as string, `Resource ${id} not found`);
    return found;
  }

  /** Creates (no id) or replaces (id) a resource; userName is unique, as in most SCIM apps. */
  save(kind: Kind, id: string | undefined, data: Record<string, any>): StoredResource {
    const plain = JSON.parse(JSON.stringify(data)) as Record<string, any>;
    delete plain.schemas;
    delete plain.meta;
    if (kind === 'users') {
      const userName = String(plain.userName ?? '').toLowerCase();
      const clash = this.list('users').find((user) => user.id !== id && String(user.userName).toLowerCase() === userName);
      if (clash) throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${JSON.stringify(plain.userName)} is already taken`);
    }
    // A member added twice is one member (RFC 7644 §3.5.2.1: adding a value already there changes
    // nothing); scimmy's PATCH appends it again, so the store keeps the first of each.
    if (kind === 'groups' && Array.isArray(plain.members)) {
      const seen = new Set<string>();
      plain.members = plain.members.filter((member: { value?: string }) => {
        const value = String(member?.value);
        if (seen.has(value)) return false;
        seen.add(value);
        return true;
      });
    }
    const now = new Date().toISOString();
    const existing = id ? this.get(kind, id) : undefined;
    const resource: StoredResource = { ...plain, id: existing?.id ?? randomUUID(), meta: { created: existing?.meta?.created ?? now, lastModified: now } };
    this[kind].set(resource.id, resource);
    return resource;
  }

  remove(kind: Kind, id: string): void {
    if (!this[kind].delete(id)) throw new SCIMMY.Types.Error(404, null as unknown as string, `Resource ${id} not found`);
    // A deleted user leaves every group (RFC 7644 §3.6: the provider removes references).
    if (kind === 'users') {
      for (const group of this.groups.values()) {
        if (Array.isArray(group.members)) group.members = group.members.filter((member: { value: string }) => member.value !== id);
      }
    }
  }
}
