import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { compileUserMappings } from '../../../lib/mappings/user-mapping.js';
import { checkUserMappings } from '../../../lib/mappings/validate-mappings.js';
import { contentHash, normalizeUser } from '../../../lib/mirror/normalize.js';

const refs = { orgRef: (id: string) => id, managerRef: () => undefined, extensions: { enterprise: true, orgs: true } };

describe('the host’s extra fields', () => {
  it('are stored sorted, numbers as text, empty ones dropped; a user without any hashes as before', () => {
    const plain = normalizeUser({ id: 'u1', userName: 'a' });
    expect(plain).not.toHaveProperty('attributes');
    expect(contentHash(normalizeUser({ id: 'u1', userName: 'a', attributes: { gone: null, blank: '  ' } }))).toBe(contentHash(plain));
    const user = normalizeUser({ id: 'u1', userName: 'a', attributes: { zone: 'eu', badge: 42, shifts: ['early', ' late '], remote: false } });
    expect(Object.keys(user.attributes!)).toEqual(['badge', 'remote', 'shifts', 'zone']);
    expect(user.attributes).toEqual({ badge: '42', remote: false, shifts: ['early', 'late'], zone: 'eu' });
  });

  it('refuses names a mapping could not read', () => {
    expect(() => normalizeUser({ id: 'u1', userName: 'a', attributes: { 'cost center': 'x' } })).toThrow(ValidationError);
    expect(() => normalizeUser({ id: 'u1', userName: 'a', attributes: 'x' as never })).toThrow(ValidationError);
  });

  it('are read by a table as [extra.name], and unknown ones are simply empty', () => {
    expect(checkUserMappings([{ target: 'userName', expression: '[userName]' }, { target: 'nickName', expression: 'Coalesce([extra.nick], [extra.badge])' }]).issues).toEqual([]);
    const mapper = compileUserMappings([{ target: 'userName', expression: '[userName]' }, { target: 'nickName', expression: 'Coalesce([extra.nick], [extra.badge])' }]);
    expect(mapper.map(normalizeUser({ id: 'u1', userName: 'a', attributes: { badge: 7 } }), refs, { creating: true }).body).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a', nickName: '7' });
    expect(checkUserMappings([{ target: 'userName', expression: '[extra.]' }]).issues[0]).toMatchObject({ field: 'push.userMappings.0.expression' });
  });
});
