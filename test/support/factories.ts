import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';

let counter = 0;
function next(): number {
  counter += 1;
  return counter;
}

export function buildUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  const n = next();
  return {
    id: `u${n}`,
    userName: `user${n}@example.com`,
    displayName: `User ${n}`,
    name: { givenName: 'User', familyName: String(n) },
    emails: [{ value: `user${n}@example.com`, type: 'work', primary: true }],
    active: true,
    ...overrides,
  };
}

export function buildOrg(overrides: Partial<DirectoryOrg> = {}): DirectoryOrg {
  const n = next();
  return { id: `o${n}`, name: `Org ${n}`, parentId: null, order: 0, ...overrides };
}

/** A small tree: a root, `branches` children, and `users` users spread over the children. */
export function buildDirectory(branches = 3, users = 10): { orgs: DirectoryOrg[]; users: DirectoryUser[] } {
  const root = buildOrg({ name: 'Root' });
  const children = Array.from({ length: branches }, (_, index) => buildOrg({ parentId: root.id, order: index }));
  const people = Array.from({ length: users }, (_, index) => buildUser({ orgIds: [children[index % branches]!.id] }));
  return { orgs: [root, ...children], users: people };
}
