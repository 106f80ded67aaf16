import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import type { DirectoryChange } from '../../lib/mirror/change-writer.js';
import type { PushOptions } from '../../lib/options.js';
import { TABLES } from '../../lib/persistence/tables.js';
import type { Source } from '../../lib/sources/source-types.js';
import { twentyOrgCompany } from '../support/company.js';
import { createLdapSource, expectedPaths, readTree, userPath, type Company } from '../support/ldap-tree.js';
import { MemoryDirectory } from '../support/memory-directory.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../support/slapd.js';
import { silentLogger, TEST_KEY } from '../support/test-center.js';
import { pidOfHolder, TAKEOVER_PUSH, WorkerFleet } from '../support/worker-fleet.js';

const PG_URL = process.env.SYNC_TEST_PG_URL;
if (HAS_SLAPD && !PG_URL) console.warn('\n[LDAP multi-process test] SKIPPED: it needs PostgreSQL (set SYNC_TEST_PG_URL); sqlite is single-process by design.\n');

const WORKER_PUSH: PushOptions = { ...TAKEOVER_PUSH, batchSize: 50 };
const USERS = 1_000;

describe.skipIf(!PG_URL || !HAS_SLAPD)('LDAP destination: a SIGKILLed instance mid-delivery (child processes on PostgreSQL; set SYNC_TEST_PG_URL)', () => {
  const schema = `t_ldap_multi_${randomBytes(5).toString('hex')}`;
  let knex: Knex;
  let feeder: SyncCenter;
  let fleet: WorkerFleet;
  let slapd: Slapd;
  let source: Source;

  beforeAll(async () => {
    const admin = knexFactory({ client: 'pg', connection: PG_URL });
    await admin.raw('CREATE SCHEMA ??', [schema]);
    await admin.destroy();
    knex = knexFactory({ client: 'pg', connection: PG_URL, searchPath: [schema], pool: { min: 0, max: 5 } });
    // The test's own center writes the feed and reads state; it never calls start(), so it delivers nothing.
    feeder = createSyncCenter({ database: knex, directory: new MemoryDirectory(), admin: { isAdmin: () => true }, secretKey: TEST_KEY, allowHttpPush: true, allowPrivatePush: true, logger: silentLogger });
    await feeder.migrate();
    slapd = await startSlapd();
    source = await createLdapSource(feeder, slapd, { groups: 'none' }, { deletionThreshold: null });
    fleet = new WorkerFleet({ pgUrl: PG_URL!, schema, push: WORKER_PUSH });
  });

  afterAll(async () => {
    await fleet?.close();
    await feeder?.close();
    await slapd?.stop();
    if (process.env.SYNC_TEST_KEEP_SCHEMA) console.info(`ldap-multi-process: kept schema ${schema}`);
    else await knex?.raw('DROP SCHEMA ?? CASCADE', [schema]).catch(() => undefined);
    await knex?.destroy();
  });

  it('resumes on another instance after a SIGKILL mid-create, without a duplicate or a lost change', async () => {
    // The whole directory is in the feed before the instances start, so the delivery does not pause (and let go of its lease) between chunks.
    const company: Company = twentyOrgCompany(USERS);
    const creates: DirectoryChange[] = [...company.orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...company.users.map((user) => ({ type: 'userUpserted' as const, user }))];
    for (let start = 0; start < creates.length; start += 200) await feeder.changes.apply(creates.slice(start, start + 200));
    await Promise.all([fleet.spawn(), fleet.spawn()]);

    // The crash: once some users are in the tree, the instance holding the source's lease dies.
    const people = async () => {
      const client = await slapd.admin();
      try {
        return (await client.search(slapd.suffix, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['1.1'] })).searchEntries.length;
      } finally {
        await client.unbind();
      }
    };
    await vi.waitFor(async () => expect(await people(), 'users created before the crash').toBeGreaterThanOrEqual(40), { timeout: 60_000, interval: 20 });
    const lease = await knex(TABLES.leases).where({ name: `push:${source.id}` }).first('holder');
    expect(lease, 'an instance holds the delivery lease').toBeDefined();
    const killed = pidOfHolder(String(lease.holder));
    await fleet.kill(killed);
    const atCrash = await people();
    expect(atCrash, 'the crash came mid-delivery').toBeLessThan(USERS);
    await fleet.spawn();

    // More changes while the survivors take over: updates and moves of users created before and after the crash.
    const updates: DirectoryChange[] = company.users.slice(0, 60).map((user, index) => {
      const moved = index % 3 === 0 ? { orgIds: ['team7'], primaryOrgId: 'team7' } : {};
      return { type: 'userUpserted' as const, user: { ...user, title: `v${index}`, ...moved } };
    });
    for (const change of updates) if (change.type === 'userUpserted') company.users[company.users.findIndex((user) => user.id === change.user.id)] = change.user;
    await feeder.changes.apply(updates);

    const head = await feeder.mirror.currentSequence();
    await vi.waitFor(
      async () => {
        const cursor = await knex(TABLES.cursors).where({ source_id: source.id }).first('seq');
        expect(Number(cursor?.seq ?? 0), 'the cursor at the head').toBe(head);
        expect((await readTree(slapd)).map((entry) => entry.path), 'the tree equal to the mirror').toEqual(expectedPaths(company));
      },
      { timeout: 120_000, interval: 500 },
    );

    const tree = await readTree(slapd);
    const byPath = new Map(tree.map((entry) => [entry.path, entry]));
    for (const user of company.users.slice(0, 60)) expect(byPath.get(userPath(company, user))!.attributes.title, user.id).toEqual([user.title]);
    // One link per object, each to the entry at its place: nothing was created twice, not even what the killed instance had sent.
    const links = [];
    for (let offset = 0; ; offset += 500) {
      const page = await feeder.push.links(source.id, { kind: 'user', limit: 500, offset });
      links.push(...page.links);
      if (page.links.length < 500) break;
    }
    const total = links.length;
    expect(total).toBe(USERS);
    const uuidOf = new Map(company.users.map((user) => [user.id, byPath.get(userPath(company, user))!.attributes.entryuuid![0]]));
    expect(links.filter((link) => link.remoteId !== uuidOf.get(link.localId)).map((link) => link.localId)).toEqual([]);
    expect((await feeder.logs.deliveries(source.id, { result: 'rejected' })).total).toBe(0);
    // As the server counts them (failed attempts included): one add per entry, so no create was sent twice.
    expect((await slapd.operations()).add, 'adds completed by slapd').toBe(1 + company.orgs.length + USERS);
    expect(fleet.has(killed)).toBe(false);
    console.info(`ldap-multi-process: SIGKILLed instance ${killed} with ${atCrash} of ${USERS} users in the tree`);
  }, 240_000);
});
