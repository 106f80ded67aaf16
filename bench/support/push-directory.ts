import type { Directory, DirectoryOrg, DirectoryPage, DirectoryPageRequest, DirectoryUser } from '../../lib/hooks/directory.js';

/** One user in ten changes between versions: the update run's 10 %. */
export const CHANGED_EVERY = 10;

/**
 * The push benchmark's directory: every user and org is computed from its index when a page asks
 * for it, so the host's data does not sit in the center's memory (the RSS measured is the
 * center's). `version` bumps the title of every tenth user; the bare client builds the same data
 * from the same formula in its own process.
 */
export class PushDirectory implements Directory {
  version = 0;

  constructor(
    readonly userCount: number,
    readonly orgCount: number,
  ) {}

  static isChanged(index: number): boolean {
    return index % CHANGED_EVERY === 0;
  }

  org(index: number): DirectoryOrg {
    // A tree: 10 roots, then each org under one with a smaller index.
    const parentId = index < 10 ? undefined : orgId(Math.floor(index / 10) - 1);
    return { id: orgId(index), name: `Org ${index}`, parentId, order: index % 10, code: `C${index}` };
  }

  user(index: number, version = this.version): DirectoryUser {
    const revision = PushDirectory.isChanged(index) ? version : 0;
    return {
      id: `user${String(index).padStart(7, '0')}`,
      userName: `user${index}@bench.example`,
      displayName: `User ${index}`,
      name: { givenName: 'User', familyName: String(index) },
      emails: [{ value: `user${index}@bench.example`, type: 'work', primary: true }],
      title: revision === 0 ? 'Engineer' : `Engineer r${revision}`,
      employeeNumber: `E${index}`,
      orgIds: this.orgCount > 0 ? [orgId(index % this.orgCount)] : [],
    };
  }

  changedCount(): number {
    return Math.ceil(this.userCount / CHANGED_EVERY);
  }

  listUsers(request: DirectoryPageRequest): DirectoryPage<DirectoryUser> {
    return page(this.userCount, (index) => this.user(index), request);
  }

  listOrgs(request: DirectoryPageRequest): DirectoryPage<DirectoryOrg> {
    return page(this.orgCount, (index) => this.org(index), request);
  }
}

export function orgId(index: number): string {
  return `org${String(index).padStart(5, '0')}`;
}

function page<T>(count: number, make: (index: number) => T, { cursor, limit }: DirectoryPageRequest): DirectoryPage<T> {
  const start = cursor ? Number(cursor) : 0;
  const end = Math.min(count, start + limit);
  const items: T[] = [];
  for (let index = start; index < end; index += 1) items.push(make(index));
  return { items, nextCursor: end < count ? String(end) : null };
}
