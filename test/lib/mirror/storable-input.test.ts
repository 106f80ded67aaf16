import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import type { DirectoryOrg, DirectoryUser } from '../../../lib/hooks/directory.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { useTestCenter } from '../../support/test-center.js';
import { DIALECT } from '../../support/test-database.js';

/**
 * Issue 14, Low: host input the databases cannot store as given (NUL, a lone surrogate, an
 * order outside the integer column) is a ValidationError naming the field on both databases,
 * not a raw driver error or a value PostgreSQL silently changes.
 */
describe(`host input the mirror cannot store as given (${DIALECT})`, () => {
  let directory: MemoryDirectory;
  const t = useTestCenter({}, () => (directory = new MemoryDirectory()));

  async function issuesOf(promise: Promise<unknown>) {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((issue) => [issue.field, issue.code]);
  }

  const badUsers: Array<[string, Partial<DirectoryUser>, string, string]> = [
    ['a NUL in userName', { userName: 'nul\u0000@example.com' }, 'userName', 'invalid_characters'],
    ['a NUL in the id', { id: 'id\u0000x' }, 'id', 'invalid_characters'],
    ['a NUL in a name part', { name: { givenName: 'A\u0000' } }, 'name.givenName', 'invalid_characters'],
    ['a NUL in an email', { emails: [{ value: 'a\u0000@example.com' }] }, 'emails[0].value', 'invalid_characters'],
    ['a lone high surrogate in displayName', { displayName: 'broken \ud83d' }, 'displayName', 'invalid_characters'],
    ['a lone low surrogate in title', { title: '\ude00 title' }, 'title', 'invalid_characters'],
    ['a lone surrogate in an org id', { orgIds: ['o\ud800'] }, 'orgIds[0]', 'invalid_characters'],
  ];
  it.each(badUsers)('refuses a user with %s', async (_, overrides, field, code) => {
    expect(await issuesOf(t.center.changes.userUpserted(buildUser(overrides)))).toContainEqual([field, code]);
    expect(await t.center.mirror.counts()).toEqual({ users: 0, orgs: 0 });
  });

  const badOrgs: Array<[string, Partial<DirectoryOrg>, string, string]> = [
    ['order 1e308', { order: 1e308 }, 'order', 'out_of_range'],
    ['order beyond the 32-bit column', { order: 2 ** 31 }, 'order', 'out_of_range'],
    ['order -Infinity', { order: -Infinity }, 'order', 'type'],
    ['order NaN', { order: Number.NaN }, 'order', 'type'],
    ['a NUL in the name', { name: 'Org\u0000' }, 'name', 'invalid_characters'],
    ['a lone surrogate in the code', { code: 'c\udbff' }, 'code', 'invalid_characters'],
  ];
  it.each(badOrgs)('refuses an org with %s', async (_, overrides, field, code) => {
    expect(await issuesOf(t.center.changes.orgUpserted(buildOrg(overrides)))).toContainEqual([field, code]);
  });

  it('refuses a NUL in the id of a deletion', async () => {
    expect(await issuesOf(t.center.changes.userDeleted('gone\u0000'))).toEqual([['id', 'invalid_characters']]);
  });

  it('keeps valid text beyond the BMP and the extreme orders exactly', async () => {
    await t.center.changes.orgUpserted(buildOrg({ id: 'edge', name: 'Team 🚀 𝔸', order: 2 ** 31 - 1 }));
    await t.center.changes.userUpserted(buildUser({ id: 'emoji', displayName: 'Ann 😀', orgIds: ['edge'] }));
    expect((await t.center.mirror.getOrg('edge'))?.data).toMatchObject({ name: 'Team 🚀 𝔸', order: 2 ** 31 - 1 });
    expect((await t.center.mirror.getUser('emoji'))?.data.displayName).toBe('Ann 😀');
  });

  it('reconcile reports such objects as invalid and goes on', async () => {
    directory.users.set('fine', buildUser({ id: 'fine' }));
    directory.users.set('nul', buildUser({ id: 'nul', userName: 'x\u0000' }));
    directory.users.set('nul\u0000id', buildUser({ id: 'nul\u0000id' }));
    directory.orgs.set('huge', buildOrg({ id: 'huge', order: 1e308 }));
    const report = await t.center.reconcile();
    expect(report.users).toMatchObject({ created: 1, invalid: 2 });
    expect(report.orgs).toMatchObject({ created: 0, invalid: 1 });
    expect(report.warnings.map((warning) => warning.id).sort()).toEqual(['', 'huge', 'nul']);
  });
});
