import { Attribute, Change } from 'ldapts';
import { describe, expect, it, vi } from 'vitest';
import { buildOrg, buildUser } from '../support/factories.js';
import { useFixture } from '../support/fixture.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { HAS_SLAPD, startSlapd } from '../support/slapd.js';
import { useTestCenter, type TestCenter } from '../support/test-center.js';

/**
 * The push engine driving the LDAP connector: the same runs, links and deprovisioning as SCIM,
 * against a real slapd (its throw-away instance per test).
 */
describe.skipIf(!HAS_SLAPD)('push to an LDAP directory through the engine', () => {
  const slapd = useFixture(async () => {
    const server = await startSlapd();
    return { ...server, close: () => server.stop() };
  });
  const t = useTestCenter({ push: FAST_PUSH });

  async function ldapSource(extra: Record<string, unknown> = {}) {
    const { source } = await t.center.sources.create({
      name: 'Corporate LDAP',
      protocol: 'ldap',
      mode: 'push',
      push: { ldap: { url: slapd.ldapsUrl, ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, groups: 'groupOfNames', ...extra }, bindPassword: slapd.rootPassword, deletionThreshold: null },
    });
    return t.center.sources.enable(source.id);
  }

  async function sync(sourceId: string, options: Parameters<TestCenter['center']['runs']['start']>[1] = {}) {
    const run = await t.center.runs.start(sourceId, options);
    return (await t.center.runs.settled(run.id))!;
  }

  async function tree(): Promise<string[]> {
    const admin = await slapd.admin();
    try {
      const { searchEntries } = await admin.search(slapd.suffix, { scope: 'sub', filter: '(|(objectClass=organizationalUnit)(objectClass=inetOrgPerson)(objectClass=groupOfNames))', attributes: ['1.1'] });
      return searchEntries.map((entry) => entry.dn.toLowerCase()).sort();
    } finally {
      await admin.unbind();
    }
  }

  async function seed() {
    const root = buildOrg({ id: 'o-root', name: 'Acme' });
    const eng = buildOrg({ id: 'o-eng', name: 'Engineering', parentId: root.id });
    const ops = buildOrg({ id: 'o-ops', name: 'Operations', parentId: root.id });
    const ada = buildUser({ id: 'u-ada', userName: 'ada', orgIds: [eng.id] });
    const bob = buildUser({ id: 'u-bob', userName: 'bob', orgIds: [ops.id] });
    await t.center.changes.apply([...[root, eng, ops].map((org) => ({ type: 'orgUpserted' as const, org })), ...[ada, bob].map((user) => ({ type: 'userUpserted' as const, user }))]);
    return { root, eng, ops, ada, bob };
  }

  it('writes the tree in a manual sync, then moves, renames and deprovisions as the directory changes', async () => {
    const { eng, ops, bob } = await seed();
    const source = await ldapSource();
    const first = await sync(source.id);
    expect(first).toMatchObject({ status: 'succeeded', failed: 0, created: 5 });
    const base = slapd.suffix.toLowerCase();
    expect(await tree()).toEqual(
      [
        `ou=acme,${base}`,
        `ou=engineering,ou=acme,${base}`,
        `ou=operations,ou=acme,${base}`,
        `uid=ada,ou=engineering,ou=acme,${base}`,
        `uid=bob,ou=operations,ou=acme,${base}`,
        `cn=acme,ou=acme,${base}`,
        `cn=engineering,ou=engineering,ou=acme,${base}`,
        `cn=operations,ou=operations,ou=acme,${base}`,
      ].sort(),
    );

    // Operations moves under Engineering and bob is renamed on the way.
    await t.center.changes.apply([
      { type: 'orgUpserted', org: { ...ops, parentId: eng.id } },
      { type: 'userUpserted', user: { ...bob, displayName: 'Bob B.' } },
    ]);
    const second = await sync(source.id);
    expect(second).toMatchObject({ status: 'succeeded', failed: 0, created: 0 });
    expect(await tree()).toContain(`uid=bob,ou=operations,ou=engineering,ou=acme,${base}`);

    await t.center.changes.userDeleted(bob.id);
    const third = await sync(source.id);
    expect(third).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(await tree()).toContain(`uid=bob,ou=disabled,${base}`);
  });

  it('restores a wiped directory in one manual sync, and a dry run sends nothing', async () => {
    await seed();
    const source = await ldapSource();
    await sync(source.id);
    const written = await tree();
    await slapd.wipe();
    const dry = await sync(source.id, { dryRun: true });
    expect(dry).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(await tree()).toEqual([]);
    const restored = await sync(source.id);
    expect(restored).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(await tree()).toEqual(written);
  });

  it('delivers incremental changes as they come, groups with their direct members', async () => {
    const { eng, ada } = await seed();
    const source = await ldapSource();
    await sync(source.id);
    await t.center.start();
    const base = slapd.suffix.toLowerCase();
    const carol = buildUser({ id: 'u-carol', userName: 'carol', orgIds: [eng.id] });
    await t.center.changes.apply([
      { type: 'userUpserted', user: carol },
      { type: 'userUpserted', user: { ...ada, orgIds: [] } },
    ]);
    await vi.waitFor(async () => expect(await tree()).toContain(`uid=carol,ou=engineering,ou=acme,${base}`), { timeout: 10_000 });
    const members = async () => {
      const admin = await slapd.admin();
      try {
        const { searchEntries } = await admin.search(`cn=engineering,ou=engineering,ou=acme,${slapd.suffix}`, { scope: 'base', attributes: ['member'] });
        return [searchEntries[0]!.member].flat().map((dn) => String(dn).toLowerCase());
      } finally {
        await admin.unbind();
      }
    };
    // ada left Engineering for no org: she lives in the users container and is no member any more.
    await vi.waitFor(async () => expect(await members()).toEqual([`uid=carol,ou=engineering,ou=acme,${base}`]), { timeout: 10_000 });
    expect(await tree()).toContain(`uid=ada,${base}`);
  });

  it('repairs what was changed in the directory behind its back, and leaves the rest alone', async () => {
    await seed();
    const source = await ldapSource();
    await sync(source.id);
    const base = slapd.suffix.toLowerCase();
    const unchanged = await sync(source.id);
    expect(unchanged).toMatchObject({ status: 'succeeded', created: 0, updated: 0, failed: 0 });

    const admin = await slapd.admin();
    try {
      await admin.modify(`uid=ada,ou=engineering,ou=acme,${slapd.suffix}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['Changed by hand'] }) }));
      await admin.modifyDN(`uid=bob,ou=operations,ou=acme,${slapd.suffix}`, `uid=bob,ou=engineering,ou=acme,${slapd.suffix}`);
    } finally {
      await admin.unbind();
    }
    const repaired = await sync(source.id);
    expect(repaired).toMatchObject({ status: 'succeeded', created: 0, updated: 2, failed: 0 });
    expect(await tree()).toContain(`uid=bob,ou=operations,ou=acme,${base}`);
    const check = await slapd.admin();
    try {
      const { searchEntries } = await check.search(`uid=ada,ou=engineering,ou=acme,${slapd.suffix}`, { scope: 'base', attributes: ['title'] });
      // The directory has no title for ada: the hand-made one is removed.
      expect([searchEntries[0]!.title ?? []].flat()).toEqual([]);
    } finally {
      await check.unbind();
    }
  });

  it('provisions one user on demand: its orgs parents first, the user, its group', async () => {
    await seed();
    const source = await ldapSource();
    const result = await t.center.push.provisionNow(source.id, 'u-ada', { actor: 'alice' });
    expect(result.steps.map((entry) => [entry.name, entry.status, entry.operation])).toEqual([
      ['scope', 'succeeded', 'in_scope'],
      ['orgs', 'succeeded', 'created'],
      ['match', 'succeeded', 'none'],
      ['user', 'succeeded', 'create'],
      ['memberships', 'succeeded', 'updated'],
    ]);
    expect(result.outcome).toBe('provisioned');
    const base = slapd.suffix.toLowerCase();
    expect(result.steps.find((entry) => entry.name === 'orgs')!.objects!.map((object) => [object.name, object.method])).toEqual([
      ['Acme', 'add'],
      ['Engineering', 'add'],
    ]);
    expect(await tree()).toEqual([`cn=acme,ou=acme,${base}`, `cn=engineering,ou=engineering,ou=acme,${base}`, `ou=acme,${base}`, `ou=engineering,ou=acme,${base}`, `uid=ada,ou=engineering,ou=acme,${base}`]);
    const again = await t.center.push.provisionNow(source.id, 'u-ada');
    expect(again.outcome).toBe('unchanged');
  });
});
