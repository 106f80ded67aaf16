import { describe, expect, it } from 'vitest';
import { kindOf, nameOf } from '../../../lib/mirror/mirror-record.js';

describe('kindOf and nameOf', () => {
  it('tells a user from an org by its data', () => {
    expect(kindOf({ data: { id: 'u1', userName: 'ada@example.com', active: true, orgIds: [] } })).toBe('user');
    expect(kindOf({ data: { id: 'o1', name: 'Research', order: 0 } })).toBe('org');
  });

  it('names a user by display name, else userName, and an org by its name', () => {
    expect(nameOf({ data: { id: 'u1', userName: 'ada@example.com', displayName: 'Ada', active: true, orgIds: [] } })).toBe('Ada');
    expect(nameOf({ data: { id: 'u2', userName: 'bob@example.com', active: true, orgIds: [] } })).toBe('bob@example.com');
    expect(nameOf({ data: { id: 'o1', name: 'Research', order: 0 } })).toBe('Research');
  });
});
