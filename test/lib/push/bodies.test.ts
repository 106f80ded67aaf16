import { describe, expect, it } from 'vitest';
import { diffBodies, patchOperations } from '../../../lib/push/diff.js';
import { orgBody, userBody, type UserReferences } from '../../../lib/push/bodies.js';
import { treeLevels } from '../../../lib/push/work-builder.js';
import type { MirrorUserData } from '../../../lib/mirror/normalize.js';
import { URN } from '../../../lib/scim/urns.js';

const refs: UserReferences = {
  orgRef: (id) => ({ o1: 'R-o1', o2: 'R-o2' })[id],
  managerRef: (id) => (id === 'boss' ? 'R-boss' : undefined),
  extensions: { enterprise: true, orgs: true },
};

const user: MirrorUserData = {
  id: 'u1',
  userName: 'ada@example.com',
  displayName: 'Ada',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
  active: true,
  employeeNumber: 'E1',
  managerId: 'boss',
  orgIds: ['o1', 'o2', 'o3'],
  primaryOrgId: 'o2',
};

describe('userBody', () => {
  it('sends core, Enterprise and UserOrgs with remote ids, leaving out orgs not on the downstream', () => {
    expect(userBody(user, refs)).toEqual({
      schemas: [URN.user, URN.enterpriseUser, URN.userOrgs],
      externalId: 'u1',
      userName: 'ada@example.com',
      displayName: 'Ada',
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      [URN.enterpriseUser]: { employeeNumber: 'E1', manager: { value: 'R-boss' } },
      [URN.userOrgs]: { primaryOrgId: 'R-o2', orgIds: ['R-o1', 'R-o2'] },
    });
  });

  it('leaves out extensions the downstream does not declare', () => {
    const body = userBody(user, { ...refs, extensions: { enterprise: false, orgs: false } });
    expect(body.schemas).toEqual([URN.user]);
    expect(body).not.toHaveProperty(URN.enterpriseUser);
  });

  it('uses the host externalId when there is one', () => {
    expect(userBody({ ...user, externalId: 'HR-7' }, refs).externalId).toBe('HR-7');
  });
});

describe('orgBody', () => {
  const org = { id: 'o2', name: 'Sales', parentId: 'o1', order: 3, code: 'S' };
  it('shapes our Organization, the compat shape and a Group', () => {
    expect(orgBody(org, 'organization', 'R-o1')).toEqual({ schemas: [URN.organization], externalId: 'o2', displayName: 'Sales', order: 3, code: 'S', parent: 'R-o1' });
    expect(orgBody(org, 'compat', 'R-o1')).toEqual({ schemas: [URN.compatDepartment], externalId: 'o2', name: 'Sales', order: 3, code: 'S', parentId: 'R-o1' });
    expect(orgBody(org, 'group', 'R-o1')).toEqual({ schemas: [URN.group], externalId: 'o2', displayName: 'Sales' });
  });
});

describe('diffBodies and patchOperations', () => {
  it('replaces what changed and removes what the host cleared, sub-attribute by sub-attribute', () => {
    const before = userBody(user, refs);
    const after = userBody({ ...user, displayName: 'Ada L.', name: { givenName: 'Ada' }, employeeNumber: undefined }, refs);
    const changes = diffBodies(before, after);
    expect(changes).toEqual({
      displayName: { old: 'Ada', new: 'Ada L.' },
      'name.familyName': { old: 'Lovelace' },
      [`${URN.enterpriseUser}:employeeNumber`]: { old: 'E1' },
    });
    expect(patchOperations(changes)).toEqual([
      { op: 'replace', path: 'displayName', value: 'Ada L.' },
      { op: 'remove', path: 'name.familyName' },
      { op: 'remove', path: `${URN.enterpriseUser}:employeeNumber` },
    ]);
  });

  it('finds nothing to send for an identical body', () => {
    expect(diffBodies(userBody(user, refs), userBody({ ...user }, refs))).toEqual({});
  });
});

describe('treeLevels', () => {
  it('puts parents before children whatever the input order, and survives a cycle', () => {
    const items = [
      { id: 'c', parent: 'b' },
      { id: 'b', parent: 'a' },
      { id: 'a', parent: undefined },
      { id: 'x', parent: 'outside' },
      { id: 'p', parent: 'q' },
      { id: 'q', parent: 'p' },
    ];
    const levels = treeLevels(items, (item) => item.id, (item) => item.parent).map((level) => level.map((item) => item.id).sort());
    expect(levels[0]).toEqual(expect.arrayContaining(['a', 'x']));
    expect(levels.findIndex((level) => level.includes('b'))).toBeLessThan(levels.findIndex((level) => level.includes('c')));
    expect(levels.flat().sort()).toEqual(['a', 'b', 'c', 'p', 'q', 'x']);
  });
});
