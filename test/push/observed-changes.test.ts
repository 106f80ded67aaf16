import { describe, expect, it } from 'vitest';
import { diffBodies, observedChanges, patchOperations } from '../../lib/push/diff.js';
import { URN } from '../../lib/scim/urns.js';

const desired = {
  schemas: [URN.user, URN.enterpriseUser],
  externalId: 'u1',
  userName: 'ada@example.com',
  active: true,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [
    { value: 'ada@example.com', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
  [URN.enterpriseUser]: { employeeNumber: 'E1', manager: { value: 'r-boss' } },
};

describe('observedChanges (a downstream copy against the body we would send)', () => {
  it('finds nothing when the downstream holds the same values in another form', () => {
    const remote = {
      id: 'r1',
      meta: { resourceType: 'User' },
      schemas: [URN.user],
      externalid: 'u1',
      USERNAME: 'ADA@example.com',
      active: 'true',
      name: { GivenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
      emails: [
        { value: 'Ada@Home.example', type: 'Home', primary: false },
        { value: 'ADA@example.com', type: 'work', primary: 'true', display: 'Ada' },
      ],
      [URN.enterpriseUser.toLowerCase()]: { employeeNumber: 'E1', manager: { value: 'r-boss', displayName: 'Boss' } },
      nickName: 'not ours',
    };
    expect(observedChanges(desired, remote, desired).changes).toEqual({});
  });

  it('gives old → new for what differs, new only for what is missing, and old only for what the host cleared', () => {
    const remote = {
      id: 'r1',
      userName: 'ada@example.com',
      externalId: 'u1',
      active: false,
      name: { givenName: 'Augusta' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      title: 'Countess',
      [URN.enterpriseUser]: { manager: { value: 'r-other' } },
    };
    const lastSent = { ...desired, title: 'Countess' };
    const { changes, previous } = observedChanges(desired, remote, lastSent);
    expect(changes).toEqual({
      active: { old: false, new: true },
      'name.givenName': { old: 'Augusta', new: 'Ada' },
      'name.familyName': { new: 'Lovelace' },
      emails: { old: remote.emails, new: desired.emails },
      [`${URN.enterpriseUser}:employeeNumber`]: { new: 'E1' },
      [`${URN.enterpriseUser}:manager`]: { old: { value: 'r-other' }, new: { value: 'r-boss' } },
      title: { old: 'Countess' },
    });
    // The repair is exactly these changes.
    expect(diffBodies(previous, desired)).toEqual(changes);
    expect(patchOperations(changes)).toContainEqual({ op: 'remove', path: 'title' });
  });

  it('does not remove what the downstream holds that this source never sent', () => {
    const remote = { id: 'r1', ...desired, title: 'Set downstream', displayName: 'Computed' };
    expect(observedChanges(desired, remote, desired).changes).toEqual({});
  });

  it('compares multi-valued attributes as sets: each wanted item needs its own held one, absent items do not count', () => {
    const want = { schemas: [URN.user], userName: 'a', emails: [{ value: 'x@example.com' }, { value: 'x@example.com' }] };
    // One held item cannot stand for two wanted ones.
    expect(observedChanges(want, { userName: 'a', emails: [{ value: 'x@example.com' }, { value: 'y@example.com' }] }, want).changes).toHaveProperty('emails');
    expect(observedChanges(want, { userName: 'a', emails: [{ value: 'X@example.com' }, null, { value: 'x@example.com' }] }, want).changes).toEqual({});
    expect(observedChanges(want, { userName: 'a', emails: [{ value: 'x@example.com' }] }, want).changes).toHaveProperty('emails');
  });

  it('matches long multi-valued attributes in any order', () => {
    const items = Array.from({ length: 40 }, (_, index) => ({ value: `m${index}@example.com` }));
    const want = { schemas: [URN.user], userName: 'a', emails: items };
    expect(observedChanges(want, { userName: 'a', emails: [...items].reverse() }, want).changes).toEqual({});
    const oneOff = [...items.slice(1), { value: 'other@example.com' }];
    expect(Object.keys(observedChanges(want, { userName: 'a', emails: oneOff }, want).changes)).toEqual(['emails']);
  });

  it('leaves kept paths alone and gives them their desired value in previous', () => {
    const want = { schemas: [URN.user], userName: 'a', title: 'Wanted', nickName: 'n' };
    const { changes, previous } = observedChanges(want, { userName: 'b', title: 'Held downstream' }, want, ['title']);
    expect(changes).toEqual({ userName: { old: 'b', new: 'a' }, nickName: { new: 'n' } });
    expect(previous).toEqual({ schemas: [URN.user], userName: 'b', title: 'Wanted' });
    expect(diffBodies(previous, want)).toEqual(changes);
  });
});
