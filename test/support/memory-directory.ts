import type { Directory, DirectoryOrg, DirectoryPage, DirectoryPageRequest, DirectoryUser } from '../../lib/hooks/directory.js';

/** A host directory held in memory, paged by id like a real store would page by primary key. */
export class MemoryDirectory implements Directory {
  readonly users = new Map<string, DirectoryUser>();
  readonly orgs = new Map<string, DirectoryOrg>();
  /** Every page request, to check that the center streams. */
  readonly requests: Array<{ kind: 'user' | 'org'; request: DirectoryPageRequest }> = [];

  constructor(seed: { users?: DirectoryUser[]; orgs?: DirectoryOrg[] } = {}) {
    for (const org of seed.orgs ?? []) this.orgs.set(org.id, org);
    for (const user of seed.users ?? []) this.users.set(user.id, user);
  }

  listUsers(request: DirectoryPageRequest): DirectoryPage<DirectoryUser> {
    this.requests.push({ kind: 'user', request });
    return page(this.users, request);
  }

  listOrgs(request: DirectoryPageRequest): DirectoryPage<DirectoryOrg> {
    this.requests.push({ kind: 'org', request });
    return page(this.orgs, request);
  }

  getUser(id: string): DirectoryUser | null {
    return this.users.get(id) ?? null;
  }

  getOrg(id: string): DirectoryOrg | null {
    return this.orgs.get(id) ?? null;
  }
}

function page<T>(items: Map<string, T>, { cursor, limit }: DirectoryPageRequest): DirectoryPage<T> {
  const ids = [...items.keys()].sort().filter((id) => cursor === undefined || id > cursor);
  const slice = ids.slice(0, limit);
  return { items: slice.map((id) => items.get(id)!), nextCursor: ids.length > limit ? slice[slice.length - 1] : null };
}
