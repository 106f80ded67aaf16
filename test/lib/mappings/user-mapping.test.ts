import { describe, expect, it } from 'vitest';
import { compileUserMappings, DEFAULT_USER_MAPPINGS, MappingError } from '../../../lib/mappings/user-mapping.js';
import type { MirrorUserData } from '../../../lib/mirror/normalize.js';
import { userBody, type UserReferences } from '../../../lib/push/bodies.js';
import { URN } from '../../../lib/scim/urns.js';

/** A deterministic spread of users: every optional field present in some, absent in others. */
function variedUsers(count: number): MirrorUserData[] {
  return Array.from({ length: count }, (_, n) => {
    const has = (bit: number) => ((n * 2654435761) >>> bit) % 2 === 1;
    const user: MirrorUserData = { id: `u${n}`, userName: `user${n}@example.com`, active: has(1), orgIds: [] };
    if (has(2)) user.displayName = `用户 ${n}`;
    if (has(3)) user.name = has(4) ? { givenName: 'Given', familyName: `F${n}` } : { formatted: `Full ${n}`, honorificPrefix: 'Dr.' };
    if (has(5)) user.emails = [{ value: `u${n}@example.com`, type: 'work', primary: true }, ...(has(6) ? [{ value: `u${n}@home.example` }] : [])];
    if (has(7)) user.phoneNumbers = [{ value: `+86 10 ${n}`, type: 'mobile' }];
    if (has(8)) user.title = 'Engineer';
    if (has(9)) user.locale = 'zh-CN';
    if (has(10)) user.preferredLanguage = 'zh';
    if (has(11)) user.employeeNumber = `E${n}`;
    if (has(12)) user.managerId = `u${n + 1}`;
    if (has(13)) user.externalId = `ext-${n}`;
    if (has(14)) {
      user.orgIds = has(15) ? ['o1', 'o2'] : ['o3'];
      user.primaryOrgId = user.orgIds[user.orgIds.length - 1];
    }
    return user;
  });
}

function refsFor(n: number): UserReferences {
  return {
    // Some orgs and managers are not on the downstream yet.
    orgRef: (id) => (id === 'o2' && n % 3 === 0 ? undefined : `remote-${id}`),
    managerRef: (id) => (n % 4 === 0 ? undefined : `remote-${id}`),
    extensions: { enterprise: n % 5 !== 0, orgs: n % 7 !== 0 },
  };
}

describe('user mappings', () => {
  it('builds exactly today’s bodies, byte for byte, with the default table', () => {
    const mapper = compileUserMappings(DEFAULT_USER_MAPPINGS);
    const users = variedUsers(2000);
    users.forEach((user, n) => {
      const expected = JSON.stringify(userBody(user, refsFor(n)));
      for (const creating of [true, false]) {
        const { body, keep } = mapper.map(user, refsFor(n), { creating });
        expect(JSON.stringify(body)).toBe(expected);
        expect(keep).toEqual([]);
      }
    });
  });

  it('writes expressions into sub-attributes, typed values and extensions', () => {
    const mapper = compileUserMappings([
      { target: 'userName', expression: 'Append(Pinyin([displayName], "."), "@corp.example")' },
      { target: 'name.familyName', expression: 'Left(Pinyin([displayName], " "), 5)' },
      { target: 'emails[type eq "work"].value', expression: 'ToLower([emails.work])' },
      { target: `${URN.enterpriseUser}:department`, expression: 'Switch([title], "Other", "Engineer", "R&D")' },
    ]);
    const user: MirrorUserData = { id: 'u1', userName: 'zs', displayName: '张三', active: true, orgIds: [], title: 'Engineer', emails: [{ value: 'ZS@Example.com', type: 'work' }] };
    const { body } = mapper.map(user, refsFor(1), { creating: true });
    expect(body).toEqual({
      schemas: [URN.user, URN.enterpriseUser],
      userName: 'zhang.san@corp.example',
      name: { familyName: 'zhang' },
      emails: [{ value: 'zs@example.com', type: 'work' }],
      [URN.enterpriseUser]: { department: 'R&D' },
    });
  });

  it('sends create-only rows on create and keeps them on updates', () => {
    const mapper = compileUserMappings([
      { target: 'userName', expression: '[userName]' },
      { target: 'title', expression: '"New starter"', apply: 'create' },
    ]);
    const user: MirrorUserData = { id: 'u1', userName: 'a', active: true, orgIds: [] };
    expect(mapper.map(user, refsFor(1), { creating: true })).toEqual({ body: { schemas: [URN.user], userName: 'a', title: 'New starter' }, keep: [], keepPaths: [] });
    expect(mapper.map(user, refsFor(1), { creating: false })).toEqual({ body: { schemas: [URN.user], userName: 'a' }, keep: ['title'], keepPaths: ['title'] });
  });

  it('reads the body last sent only for a kept row, and keeps its value there', () => {
    const user: MirrorUserData = { id: 'u1', userName: 'a', active: true, orgIds: [] };
    let reads = 0;
    const sent = () => {
      reads += 1;
      return { schemas: [URN.user], userName: 'a', title: 'Sent once' };
    };
    const always = compileUserMappings([{ target: 'userName', expression: '[userName]' }]);
    expect(always.map(user, refsFor(1), { creating: false, sent }).body).toEqual({ schemas: [URN.user], userName: 'a' });
    expect(reads).toBe(0);
    const createOnly = compileUserMappings([
      { target: 'userName', expression: '[userName]' },
      { target: 'title', expression: '"New starter"', apply: 'create' },
    ]);
    expect(createOnly.map(user, refsFor(1), { creating: false, sent }).body).toEqual({ schemas: [URN.user], userName: 'a', title: 'Sent once' });
    expect(reads).toBe(1);
  });

  it('clears an empty value only where the row says so', () => {
    const mapper = compileUserMappings([
      { target: 'userName', expression: '[userName]' },
      { target: 'title', expression: '[title]', clearWhenEmpty: true },
      { target: 'displayName', expression: '[displayName]' },
    ]);
    const { body, keep } = mapper.map({ id: 'u1', userName: 'a', active: true, orgIds: [] }, refsFor(1), { creating: false });
    expect(body).toEqual({ schemas: [URN.user], userName: 'a' });
    expect(keep).toEqual(['displayName']);
  });

  it.each([
    [[{ target: 'name[type eq "x"]', expression: '[userName]' }], 0, 'target'],
    [[{ target: 'userName', expression: '[userName]' }, { target: 'USERNAME', expression: '[displayName]' }], 1, 'target'],
    [[{ target: 'title', expression: 'Join(" ", [titel])' }], 0, 'expression'],
  ])('refuses a bad table and names the row', (mappings, row, field) => {
    let error: unknown;
    try {
      compileUserMappings(mappings);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect(error).toMatchObject({ row, field });
  });

  it('reports the expression’s code and column for a bad expression', () => {
    expect(() => compileUserMappings([{ target: 'title', expression: 'Join(" ", [titel])' }])).toThrow(
      expect.objectContaining({ expressionError: expect.objectContaining({ code: 'unknown_attribute', params: { name: 'titel', column: 11 } }) }),
    );
  });
});
