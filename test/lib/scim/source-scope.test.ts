import { describe, expect, it } from 'vitest';
import { compileUserScope } from '../../../lib/scim/query/source-scope.js';
import { ScimError } from '../../../lib/scim/scim-error.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { useTestCenter } from '../../support/test-center.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('compileUserScope', () => {
  const t = useTestCenter();

  /** root ─ sales ─ emea, and root ─ rnd; one user in each, one in two orgs, one gone. */
  async function seed() {
    const root = buildOrg({ id: 'root' });
    const sales = buildOrg({ id: 'sales', parentId: 'root' });
    const emea = buildOrg({ id: 'emea', parentId: 'sales' });
    const rnd = buildOrg({ id: 'rnd', parentId: 'root' });
    for (const org of [root, sales, emea, rnd]) await t.center.changes.orgUpserted(org);
    const users = [
      buildUser({ id: 'u-root', orgIds: ['root'], title: 'CEO' }),
      buildUser({ id: 'u-sales', orgIds: ['sales'], title: 'Account Engineer', employeeNumber: 'S1' }),
      buildUser({ id: 'u-emea', orgIds: ['emea'], title: 'Sales Engineer', active: false }),
      buildUser({ id: 'u-rnd', orgIds: ['rnd'], title: 'Engineer' }),
      buildUser({ id: 'u-both', orgIds: ['rnd', 'emea'], title: 'Engineer' }),
      buildUser({ id: 'u-gone', orgIds: ['sales'], title: 'Engineer' }),
    ];
    for (const user of users) await t.center.changes.userUpserted(user);
    await t.center.changes.userDeleted('u-gone');
  }

  async function allIds(scope: Parameters<typeof compileUserScope>[1], pageSize = 2): Promise<string[]> {
    const compiled = compileUserScope(t.knex, scope);
    const ids: string[] = [];
    for (let page = await compiled.idsAfter(undefined, pageSize); page.length > 0; page = await compiled.idsAfter(page[page.length - 1], pageSize)) ids.push(...page);
    return ids;
  }

  it('covers every live user without a scope, and a subtree with its descendants', async () => {
    await seed();
    expect(await allIds({ orgIds: [] })).toEqual(['u-both', 'u-emea', 'u-rnd', 'u-root', 'u-sales']);
    expect(await allIds({ orgIds: ['sales'] })).toEqual(['u-both', 'u-emea', 'u-sales']);
    expect(await allIds({ orgIds: ['emea', 'rnd'] })).toEqual(['u-both', 'u-emea', 'u-rnd']);
  });

  it('keeps the users a SCIM filter matches, in SQL, within the subtrees', async () => {
    await seed();
    expect(await allIds({ orgIds: [], userFilter: 'active eq true and title co "Engineer"' })).toEqual(['u-both', 'u-rnd', 'u-sales']);
    expect(await allIds({ orgIds: ['sales'], userFilter: 'title sw "sales"' })).toEqual(['u-emea']);
    expect(await allIds({ orgIds: [], userFilter: `${ENTERPRISE}:employeeNumber pr` })).toEqual(['u-sales']);
    const compiled = compileUserScope(t.knex, { orgIds: ['sales'], userFilter: 'active eq true' });
    expect(await compiled.count()).toBe(2);
    expect([...(await compiled.inScope(['u-root', 'u-sales', 'u-emea', 'u-both', 'u-gone', 'nobody']))].sort()).toEqual(['u-both', 'u-sales']);
  });

  it('refuses a filter the pull server would refuse, with the RFC error', () => {
    for (const filter of ['title co', 'nosuch eq "x"', 'title xx "a"']) {
      expect(() => compileUserScope(t.knex, { orgIds: [], userFilter: filter })).toThrow(ScimError);
    }
    try {
      compileUserScope(t.knex, { orgIds: [], userFilter: 'title co' });
    } catch (error) {
      expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    }
  });
});
