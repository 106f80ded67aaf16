import type { Directory, DirectoryOrg, DirectoryPageRequest, DirectoryUser } from '../../index.js';

/**
 * A directory of any size that exists only as a formula: pages are generated on request, so the
 * benchmark measures the center's memory, not the fake host's.
 */
export function syntheticDirectory(userCount: number, orgCount: number, variant = 0): Directory {
  const orgAt = (index: number): DirectoryOrg => ({
    id: `org-${String(index).padStart(6, '0')}`,
    name: `部门 Department ${index}`,
    // A tree ten wide: org n's parent is org floor((n-1)/10); org 0 is the root.
    parentId: index === 0 ? null : `org-${String(Math.floor((index - 1) / 10)).padStart(6, '0')}`,
    order: index % 10,
    code: `D${index}`,
  });
  const userAt = (index: number): DirectoryUser => ({
    id: `user-${String(index).padStart(7, '0')}`,
    userName: `user${index}@example.com`,
    displayName: `用户 User ${index}`,
    name: { givenName: 'User', familyName: String(index) },
    emails: [{ value: `user${index}@example.com`, type: 'work', primary: true }],
    phoneNumbers: [{ value: `+86 138 ${String(index).padStart(8, '0')}`, type: 'mobile' }],
    active: true,
    title: variant === 0 ? 'Engineer' : `Engineer v${variant}`,
    employeeNumber: `E${index}`,
    orgIds: [orgAt(index % orgCount).id],
  });
  const page = <T>(count: number, at: (index: number) => T, { cursor, limit }: DirectoryPageRequest) => {
    const start = cursor === undefined ? 0 : Number(cursor);
    const end = Math.min(count, start + limit);
    const items: T[] = [];
    for (let index = start; index < end; index += 1) items.push(at(index));
    return { items, nextCursor: end < count ? String(end) : null };
  };
  return {
    listUsers: (request) => page(userCount, userAt, request),
    listOrgs: (request) => page(orgCount, orgAt, request),
  };
}
