import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import type { DirectoryChange } from '../../lib/mirror/change-writer.js';
import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import type { PushOptions } from '../../lib/options.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { URN } from '../../lib/scim/urns.js';
import type { Source } from '../../lib/sources/source-types.js';
import { FakeScimServer, serveTogether, type RecordedRequest } from '../support/fake-scim-server.js';
import { MemoryDirectory } from '../support/memory-directory.js';
import { createPushSource } from '../support/push-helpers.js';
import { silentLogger, TEST_KEY } from '../support/test-center.js';
import { pidOfHolder, TAKEOVER_PUSH, WorkerFleet } from '../support/worker-fleet.js';

const PG_URL = process.env.SYNC_TEST_PG_URL;

const WORKER_PUSH: PushOptions = { ...TAKEOVER_PUSH, batchSize: 100 };
const SOURCES = 3;
const USERS = 500;
const CHANGES = 5_000;
const CHUNK = 100;

// Runs in the PostgreSQL pass of .ci/run; sqlite is single-process by design.
describe.skipIf(!PG_URL)('several instances on one PostgreSQL (child processes; set SYNC_TEST_PG_URL)', () => {
  const schema = `t_multi_${randomBytes(5).toString('hex')}`;
  let knex: Knex;
  let feeder: SyncCenter;
  let fleet: WorkerFleet;
  let shared: { close(): Promise<void> };
  const servers = Array.from({ length: SOURCES }, () => new FakeScimServer({ uniqueUserName: true, uniqueExternalId: true }));
  const sources: Source[] = [];

  beforeAll(async () => {
    const admin = knexFactory({ client: 'pg', connection: PG_URL });
    await admin.raw('CREATE SCHEMA ??', [schema]);
    await admin.destroy();
    knex = knexFactory({ client: 'pg', connection: PG_URL, searchPath: [schema], pool: { min: 0, max: 5 } });
    // The test's own center writes the feed and reads state; it never calls start(), so it delivers nothing.
    feeder = createSyncCenter({ database: knex, directory: new MemoryDirectory(), admin: { isAdmin: () => true }, secretKey: TEST_KEY, allowHttpPush: true, allowPrivatePush: true, logger: silentLogger });
    await feeder.migrate();
    shared = await serveTogether(servers);
    const policies = [{ users: 'disable', orgs: 'delete' }, { users: 'delete', orgs: 'delete' }, { users: 'disable', orgs: 'delete' }] as const;
    for (let index = 0; index < SOURCES; index += 1) {
      sources.push(await createPushSource(feeder, servers[index]!, { deletionThreshold: null, schedule: null, deprovision: { ...policies[index]! } }, `Downstream ${index}`));
    }
    fleet = new WorkerFleet({ pgUrl: PG_URL!, schema, push: WORKER_PUSH });
  });

  afterAll(async () => {
    await fleet?.close();
    await shared?.close();
    await feeder?.close();
    // SYNC_TEST_KEEP_SCHEMA=1 keeps the rows to look at after a failure.
    if (process.env.SYNC_TEST_KEEP_SCHEMA) console.info(`multi-process: kept schema ${schema}`);
    else await knex?.raw('DROP SCHEMA ?? CASCADE', [schema]).catch(() => undefined);
    await knex?.destroy();
  });

  it('delivers 5,000 changes once, in order, through a SIGKILL mid-create and a restart', async () => {
    const startedAt = Date.now();
    await Promise.all([fleet.spawn(), fleet.spawn(), fleet.spawn()]);
    const script = changeScript();
    expect(script.changes).toHaveLength(CHANGES);

    // The crash: the 100th user POST to downstream 0 is handled but never answered, and the
    // instance that sent it (the holder of that source's lease) is SIGKILLed meanwhile.
    let userPosts = 0;
    let crash = null as Promise<{ pid: number; userName: string }> | null;
    servers[0]!.fault = (request) => {
      if (request.method !== 'POST' || !request.path.endsWith('/Users')) return undefined;
      userPosts += 1;
      if (userPosts !== 100 || crash) return undefined;
      crash = (async () => {
        const lease = await knex(TABLES.leases).where({ name: `push:${sources[0]!.id}` }).first('holder');
        const pid = pidOfHolder(String(lease.holder));
        await fleet.kill(pid);
        return { pid, userName: request.body.userName as string };
      })();
      return 'handle-then-hang';
    };

    let restarted: { from: number; to: number } | null = null;
    for (let start = 0; start < script.changes.length; start += CHUNK) {
      await feeder.changes.apply(script.changes.slice(start, start + CHUNK));
      if (start === 2_000) {
        // By now the crash has happened (creates come first); the killed instance is replaced...
        const crashed = await vi.waitFor(
          () => {
            expect(crash, 'the crash mid-create').not.toBeNull();
            return crash!;
          },
          { timeout: 30_000 },
        );
        expect(fleet.has((await crashed!).pid)).toBe(false);
        await fleet.spawn();
      }
      if (start === 3_000) {
        // ...and another instance is restarted cleanly while deliveries go on.
        const from = fleet.pids[0]!;
        expect(await fleet.stop(from)).toBe(0);
        restarted = { from, to: await fleet.spawn() };
      }
    }
    expect(restarted).not.toBeNull();
    const { pid: killed, userName: hungUser } = await crash!;

    const fedAt = Date.now();
    // Done when every cursor is at the head and every downstream equals the mirror.
    const head = await feeder.mirror.currentSequence();
    let last: string[] = [];
    try {
      await vi.waitFor(
        async () => {
          const cursors = await knex(TABLES.cursors).select('source_id', 'seq');
          const behind = cursors.filter((row) => Number(row.seq) < head).map((row) => `source ${row.source_id} at ${row.seq} of ${head}`);
          last = behind.length > 0 ? behind : await mismatches(feeder, servers, sources, script);
          expect(last, 'every cursor at the head and every downstream equal to the mirror').toEqual([]);
        },
        { timeout: 90_000 },
      );
    } catch (error) {
      const userIds = last.flatMap((line) => /user (u\d+)/.exec(line)?.[1] ?? []).slice(0, 3);
      const log = await knex(TABLES.deliveryLog).whereIn('object_id', userIds).orderBy('id').select('source_id', 'change_seq', 'object_id', 'operation', 'result', 'method', 'http_status', 'error', 'at');
      const seen = servers.map((server, index) => server.requests.filter((request) => userIds.some((id) => JSON.stringify(request.body ?? '').includes(id))).map((request) => `${index}:${request.method} ${request.path} ${request.status}`));
      throw new Error(`${(error as Error).message}; still different: ${last.slice(0, 10).join('; ')}\nlog: ${JSON.stringify(log)}\nrequests: ${JSON.stringify(seen)}\nsources: ${sources.map((source) => source.id)}`);
    }

    console.info(`multi-process: fed in ${fedAt - startedAt} ms, converged ${Date.now() - fedAt} ms later; requests per downstream: ${servers.map((server) => server.requests.length).join(", ")}`);
    for (const [index, server] of servers.entries()) {
      const writes = server.requests.filter((request) => request.method !== 'GET');
      // No object was created twice, not even the one whose create the crash left unanswered.
      const posts = countBy(writes.filter((request) => request.method === 'POST'), (request) => `${request.path.split('/').pop()}:${request.body.userName ?? request.body.externalId}`);
      const twice = [...posts].filter(([, count]) => count > 1);
      expect(twice, `downstream ${index}: objects POSTed more than once`).toEqual([]);
      expect(posts.size, `downstream ${index}: creates`).toBeGreaterThan(USERS - 30 + script.orgIds.length - 1);
      // Every object's requests arrived in change order: the versions it received never go back.
      const regressions = outOfOrder(server, writes);
      expect(regressions, `downstream ${index}: versions out of change order`).toEqual([]);
    }
    expect(servers[0]!.resources('Users').filter((user) => user.userName === hungUser)).toHaveLength(1);
    expect(fleet.has(killed)).toBe(false);
  }, 180_000);
});

interface Script {
  changes: DirectoryChange[];
  orgIds: string[];
}

/**
 * 5,000 changes over 500 users and 20 orgs (4 roots with 4 children each), the same every run:
 * creates first, then title bumps, moves between orgs, org renames, 30 user deletions and 2 org
 * deletions (their users moved out first). Every upsert carries a version — the change's index —
 * in the user's `title` or the org's name, so the order in which a downstream received them shows.
 */
function changeScript(): Script {
  let state = 0x2545f491;
  const random = (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
  const changes: DirectoryChange[] = [];
  const orgs = new Map<string, DirectoryOrg>();
  const users = new Map<string, DirectoryUser>();
  const liveUsers: string[] = [];
  const leaves: string[] = [];
  const upsertOrg = (org: DirectoryOrg) => {
    orgs.set(org.id, org);
    changes.push({ type: 'orgUpserted', org });
  };
  const upsertUser = (user: DirectoryUser) => {
    users.set(user.id, user);
    changes.push({ type: 'userUpserted', user });
  };
  const version = () => `v${changes.length}`;
  for (let root = 0; root < 4; root += 1) {
    upsertOrg({ id: `r${root}`, name: `Root ${root} ${version()}`, parentId: null, order: root });
    for (let child = 0; child < 4; child += 1) {
      const id = `c${root}-${child}`;
      upsertOrg({ id, name: `Team ${root}-${child} ${version()}`, parentId: `r${root}`, order: child });
      leaves.push(id);
    }
  }
  const orgIds = [...orgs.keys()];
  for (let index = 0; index < USERS; index += 1) {
    const id = `u${String(index).padStart(3, '0')}`;
    upsertUser({ id, userName: `${id}@example.com`, displayName: `User ${index}`, active: true, title: version(), orgIds: [leaves[random(leaves.length)]!] });
    liveUsers.push(id);
  }
  const doomedOrgs = [leaves.pop()!, leaves.pop()!];
  const deleteAt = new Set(Array.from({ length: 30 }, (_, index) => 700 + index * 140));
  const orgDeletesAt = CHANGES - 200;
  while (changes.length < CHANGES) {
    if (changes.length === orgDeletesAt) {
      // Move everyone out of the doomed orgs, then delete them (each move is one change).
      for (const id of liveUsers) {
        const user = users.get(id)!;
        if (user.orgIds!.some((orgId) => doomedOrgs.includes(orgId))) upsertUser({ ...user, title: version(), orgIds: [leaves[random(leaves.length)]!] });
      }
      for (const id of doomedOrgs) {
        orgs.delete(id);
        changes.push({ type: 'orgDeleted', id });
      }
      continue;
    }
    if (deleteAt.has(changes.length)) {
      const id = liveUsers.splice(random(liveUsers.length), 1)[0]!;
      users.delete(id);
      changes.push({ type: 'userDeleted', id });
      continue;
    }
    const roll = random(100);
    if (roll < 4) {
      const id = orgIds[random(orgIds.length)]!;
      const org = orgs.get(id);
      if (org) upsertOrg({ ...org, name: `${org.name.replace(/ v\d+$/, '')} ${version()}` });
      continue;
    }
    const user = users.get(liveUsers[random(liveUsers.length)]!)!;
    const targets = changes.length < orgDeletesAt ? [...leaves, ...doomedOrgs] : leaves;
    upsertUser({ ...user, title: version(), orgIds: roll < 12 ? [targets[random(targets.length)]!] : user.orgIds });
  }
  return { changes: changes.slice(0, CHANGES), orgIds };
}

/** What differs between the mirror and each downstream; empty when they agree. */
async function mismatches(center: SyncCenter, servers: readonly FakeScimServer[], sources: readonly Source[], script: Script): Promise<string[]> {
  const allUserIds = Array.from({ length: USERS }, (_, index) => `u${String(index).padStart(3, '0')}`);
  const users = await center.mirror.getUsers(allUserIds);
  const orgs = await center.mirror.getOrgs(script.orgIds);
  const problems: string[] = [];
  for (const [index, server] of servers.entries()) {
    const policy = index === 1 ? 'delete' : 'disable';
    const remoteUsers = new Map(server.resources('Users').map((user) => [user.externalId as string, user]));
    const remoteOrgs = new Map(server.resources('Organizations').map((org) => [org.externalId as string, org]));
    const remoteIdOf = new Map([...remoteOrgs].map(([externalId, org]) => [externalId, org.id as string]));
    for (const org of orgs) {
      const remote = remoteOrgs.get(org.id);
      if (org.deletedAt) {
        if (remote) problems.push(`downstream ${index}: deleted org ${org.id} still there`);
        continue;
      }
      if (!remote) problems.push(`downstream ${index}: org ${org.id} missing`);
      else if (remote.displayName !== org.data.name) problems.push(`downstream ${index}: org ${org.id} is "${remote.displayName}", not "${org.data.name}"`);
      else if ((remote.parent ?? null) !== (org.data.parentId ? remoteIdOf.get(org.data.parentId) : null)) problems.push(`downstream ${index}: org ${org.id} has the wrong parent`);
    }
    if (remoteOrgs.size !== orgs.filter((org) => !org.deletedAt).length) problems.push(`downstream ${index}: ${remoteOrgs.size} orgs`);
    for (const user of users) {
      const remote = remoteUsers.get(user.id);
      if (user.deletedAt) {
        if (policy === 'delete' && remote) problems.push(`downstream ${index}: deleted user ${user.id} still there`);
        // Created and deleted before this downstream's turn came: never sent, and that is right too.
        const neverSent = !remote && !server.requests.some((request) => request.method === 'POST' && request.body?.externalId === user.id);
        if (policy === 'disable' && remote?.active !== false && !neverSent) problems.push(`downstream ${index}: deleted user ${user.id} not disabled`);
        continue;
      }
      if (!remote) {
        problems.push(`downstream ${index}: user ${user.id} missing`);
        continue;
      }
      const orgIds = (remote[URN.userOrgs]?.orgIds ?? []) as string[];
      const expectedOrgIds = user.data.orgIds.map((id) => remoteIdOf.get(id));
      if (remote.title !== user.data.title) problems.push(`downstream ${index}: user ${user.id} has ${remote.title}, the mirror ${user.data.title}`);
      else if (remote.active !== true || remote.userName !== user.data.userName) problems.push(`downstream ${index}: user ${user.id} differs`);
      else if (JSON.stringify(orgIds) !== JSON.stringify(expectedOrgIds)) problems.push(`downstream ${index}: user ${user.id} is in ${orgIds}, not ${expectedOrgIds}`);
    }
    const expectedUsers = users.filter((user) => !user.deletedAt || (policy === 'disable' && server.requests.some((request) => request.method === 'POST' && request.body?.externalId === user.id))).length;
    if (remoteUsers.size !== expectedUsers) problems.push(`downstream ${index}: ${remoteUsers.size} users, expected ${expectedUsers}`);
  }
  return problems;
}

/** Objects whose received versions went backwards (remote ids resolved through the downstream's store). */
function outOfOrder(server: FakeScimServer, writes: readonly RecordedRequest[]): string[] {
  const externalIdOf = new Map<string, string>();
  for (const endpoint of ['Users', 'Organizations']) for (const resource of server.resources(endpoint)) externalIdOf.set(resource.id, resource.externalId);
  const seen = new Map<string, number>();
  const problems: string[] = [];
  for (const request of writes) {
    const [endpoint, remoteId] = request.path.replace(/^\/scim\/v2\//, '').split('/');
    const key = request.method === 'POST' ? request.body.externalId : remoteId ? externalIdOf.get(remoteId) : undefined;
    if (!key) continue; // a user deleted on the downstream: its requests cannot be resolved any more
    const version = versionOf(endpoint!, request);
    if (version === undefined) continue;
    const previous = seen.get(`${endpoint}:${key}`) ?? -1;
    if (version < previous) problems.push(`${endpoint} ${key}: v${version} after v${previous}`);
    seen.set(`${endpoint}:${key}`, Math.max(previous, version));
  }
  return problems;
}

function versionOf(endpoint: string, request: RecordedRequest): number | undefined {
  const attribute = endpoint === 'Users' ? 'title' : 'displayName';
  let value: unknown;
  if (request.method === 'PATCH') value = (request.body.Operations as Array<{ path?: string; value?: unknown }>).find((operation) => operation.path === attribute)?.value;
  else value = request.body?.[attribute];
  const match = typeof value === 'string' ? /v(\d+)$/.exec(value) : null;
  return match ? Number(match[1]) : undefined;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
