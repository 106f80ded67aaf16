import { describe, expect, it } from 'vitest';
import { compileProjection, project } from '../../../lib/scim/projection.js';
import { GROUP_TYPE, USER_TYPE } from '../../../lib/scim/resource-types.js';
import { URN } from '../../../lib/scim/urns.js';
import type { ScimResource } from '../../../lib/scim/presenters.js';

const user: ScimResource = {
  schemas: [URN.user, URN.enterpriseUser, URN.userOrgs],
  id: 'u1',
  userName: 'ann',
  name: { givenName: 'Ann', familyName: 'Lee' },
  emails: [{ value: 'ann@example.com', type: 'work', primary: true }],
  [URN.enterpriseUser]: { employeeNumber: '7', manager: { value: 'm', $ref: 'https://x/Users/m' } },
  [URN.userOrgs]: { orgIds: ['o1'], primaryOrgId: 'o1' },
  meta: { resourceType: 'User', version: 'W/"1"' },
};

describe('project', () => {
  it('returns everything returned by default when nothing is asked', () => {
    expect(project(user, compileProjection(USER_TYPE, {}))).toEqual(user);
  });

  it('keeps id (returned: always) even when excluded', () => {
    expect(project(user, compileProjection(USER_TYPE, { excludedAttributes: ['id', 'userName'] }))).toMatchObject({ id: 'u1' });
  });

  it('picks sub-attributes of multi-valued and extension attributes', () => {
    expect(project(user, compileProjection(USER_TYPE, { attributes: ['emails.type', `${URN.enterpriseUser}:manager.value`, 'meta.version'] }))).toEqual({
      schemas: [URN.user, URN.enterpriseUser],
      id: 'u1',
      emails: [{ type: 'work' }],
      [URN.enterpriseUser]: { manager: { value: 'm' } },
      meta: { version: 'W/"1"' },
    });
  });

  it('ignores attribute names it does not know', () => {
    expect(project(user, compileProjection(USER_TYPE, { attributes: ['shoeSize', 'userName'] }))).toEqual({ schemas: [URN.user], id: 'u1', userName: 'ann' });
  });

  it('drops members from a group when excluded', () => {
    const group: ScimResource = { schemas: [URN.group], id: 'g', displayName: 'G', members: [{ value: 'u1' }] };
    expect(project(group, compileProjection(GROUP_TYPE, { excludedAttributes: ['members'] }))).toEqual({ schemas: [URN.group], id: 'g', displayName: 'G' });
  });
});
