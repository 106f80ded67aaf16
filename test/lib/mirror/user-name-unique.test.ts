import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { isUserNameViolation } from '../../../lib/mirror/user-names.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { buildUser } from '../../support/factories.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { useTestCenter } from '../../support/test-center.js';
import { DIALECT } from '../../support/test-database.js';

/** Issue 14 item 2: two live users never share a userName (RFC 7643 §4.1.1: caseExact false, uniqueness server). */
describe(`a userName is unique among live users, case-insensitively (${DIALECT})`, () => {
  let directory: MemoryDirectory;
  const t = useTestCenter({}, () => (directory = new MemoryDirectory()));

  async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }

  it('refuses a case variant of a live userName in a single change, naming both ids', async () => {
    await t.center.changes.userUpserted(buildUser({ id: 'holder', userName: 'Ann@Example.com' }));
    const error = await refusal(t.center.changes.userUpserted(buildUser({ id: 'newcomer', userName: 'ann@EXAMPLE.COM' })));
    expect(error.issues).toEqual([expect.objectContaining({ field: 'userName', code: 'duplicate', params: { id: 'newcomer', holderId: 'holder' } })]);
    expect(error.message).toMatch(/"newcomer".*"holder"/);
    expect(await t.center.mirror.getUser('newcomer')).toBeUndefined();
    expect(await t.center.mirror.currentSequence()).toBe(1);
  });

  it('folds beyond ASCII alike on both databases', async () => {
    await t.center.changes.userUpserted(buildUser({ id: 'holder', userName: 'ÉMILE@example.com' }));
    const error = await refusal(t.center.changes.userUpserted(buildUser({ id: 'newcomer', userName: 'émile@example.com' })));
    expect(error.issues[0]).toMatchObject({ field: 'userName', params: { id: 'newcomer', holderId: 'holder' } });
  });

  it('folds as SCIM filters compare: two names a filter cannot tell apart cannot both be live', async () => {
    await t.center.changes.userUpserted(buildUser({ id: 'holder', userName: 'straße@example.de' }));
    const error = await refusal(t.center.changes.userUpserted(buildUser({ id: 'newcomer', userName: 'STRASSE@example.de' })));
    expect(error.issues[0]).toMatchObject({ field: 'userName', params: { id: 'newcomer', holderId: 'holder' } });
  });

  it('stores the fold of a userName that grows when lowercased', async () => {
    const userName = 'İ'.repeat(255);
    await t.center.changes.userUpserted(buildUser({ id: 'long', userName }));
    expect((await t.knex(TABLES.users).where({ id: 'long' }).first()).user_name_fold).toBe(userName.toLowerCase());
    const error = await refusal(t.center.changes.userUpserted(buildUser({ id: 'long2', userName })));
    expect(error.issues[0]).toMatchObject({ params: { id: 'long2', holderId: 'long' } });
  });

  it('refuses a whole batch whose users collide with each other, and names the change by its index', async () => {
    const error = await refusal(
      t.center.changes.apply([
        { type: 'userUpserted', user: buildUser({ id: 'first', userName: 'same@example.com' }) },
        { type: 'userUpserted', user: buildUser({ id: 'second', userName: 'SAME@example.com' }) },
      ]),
    );
    expect(error.issues).toEqual([expect.objectContaining({ field: '[1].userName', code: 'duplicate', params: { id: 'second', holderId: 'first' } })]);
    expect(await t.center.mirror.counts()).toEqual({ users: 0, orgs: 0 });
  });

  it('lets a user keep its own name in another case, and lets a tombstoned name be reused', async () => {
    await t.center.changes.userUpserted(buildUser({ id: 'a', userName: 'keep@example.com' }));
    await t.center.changes.userUpserted(buildUser({ id: 'a', userName: 'Keep@example.com' }));
    await t.center.changes.userDeleted('a');
    await t.center.changes.userUpserted(buildUser({ id: 'b', userName: 'KEEP@example.com' }));
    expect((await t.center.mirror.getUser('b'))?.deletedAt).toBeNull();
    // Bringing the first one back while the second holds the name is refused.
    const error = await refusal(t.center.changes.userUpserted(buildUser({ id: 'a', userName: 'keep@example.com' })));
    expect(error.issues[0]).toMatchObject({ params: { id: 'a', holderId: 'b' } });
  });

  it('is enforced by the database too: a second live row with the same fold is refused, a tombstone is not', async () => {
    await t.center.changes.userUpserted(buildUser({ id: 'a', userName: 'db@example.com' }));
    const row = await t.knex(TABLES.users).where({ id: 'a' }).first();
    expect(row.user_name_fold).toBe('db@example.com');
    const copy = { ...row, id: 'b', user_name: 'DB@example.com' };
    const violation = await t.knex(TABLES.users).insert(copy).then(() => undefined, (error: unknown) => error);
    expect(isUserNameViolation(violation), String(violation)).toBe(true);
    await t.knex(TABLES.users).insert({ ...copy, deleted_at: row.last_modified });
  });

  it('lets only one of two concurrent writers of the same name succeed', async () => {
    const results = await Promise.allSettled(
      ['x1', 'x2', 'x3'].map((id, index) => t.center.changes.userUpserted(buildUser({ id, userName: index === 0 ? 'race@example.com' : 'RACE@example.com' }))),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const winner = ['x1', 'x2', 'x3'][results.findIndex((result) => result.status === 'fulfilled')];
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      expect(result.reason).toBeInstanceOf(ValidationError);
      expect((result.reason as ValidationError).issues[0]).toMatchObject({ code: 'duplicate', params: { holderId: winner } });
    }
    expect(Number((await t.knex(TABLES.users).whereNull('deleted_at').count({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('reconcile reports a duplicate as invalid, never merges it, and leaves the holder as it was', async () => {
    const holder = buildUser({ id: 'holder', userName: 'dup@example.com', title: 'kept' });
    await t.center.changes.userUpserted(holder);
    const holderBefore = await t.center.mirror.getUser('holder');
    directory.users.set('holder', holder);
    directory.users.set('twin', buildUser({ id: 'twin', userName: 'Dup@Example.com' }));
    directory.users.set('page-twin-a', buildUser({ id: 'page-twin-a', userName: 'pair@example.com' }));
    directory.users.set('page-twin-b', buildUser({ id: 'page-twin-b', userName: 'PAIR@example.com' }));
    const report = await t.center.reconcile();
    expect(report.users.invalid).toBe(2);
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'user', id: 'twin', code: 'invalid', message: expect.stringMatching(/"twin".*"holder"/) }),
        expect.objectContaining({ kind: 'user', id: 'page-twin-b', code: 'invalid', message: expect.stringMatching(/"page-twin-b".*"page-twin-a"/) }),
      ]),
    );
    expect(await t.center.mirror.getUser('twin')).toBeUndefined();
    expect(await t.center.mirror.getUser('page-twin-b')).toBeUndefined();
    expect((await t.center.mirror.getUser('holder'))?.seq).toBe(holderBefore?.seq);
    expect((await t.center.mirror.getUser('holder'))?.data.title).toBe('kept');
  });
});
