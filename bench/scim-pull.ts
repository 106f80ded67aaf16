/**
 * Pull-mode benchmark: a sqlite mirror of 100k users in 2k orgs, served over real HTTP on
 * 127.0.0.1 by this process and read with undici by a client in a child process (its own event
 * loop). Each comparison is interleaved over several rounds (`--rounds=N`, default 3) and printed
 * as the median with its min–max and the load average when it started and ended.
 *
 *   npx tsx bench/scim-pull.ts            (--quick, or USERS=20000 ORGS=400, for a quicker run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createSyncCenter, type SyncCenter } from '../index.js';
import type { Directory, DirectoryOrg, DirectoryUser } from '../lib/hooks/directory.js';
import { toMirrorRecord } from '../lib/mirror/mirror-rows.js';
import type { MirrorUserData } from '../lib/mirror/normalize.js';
import { toScimUser } from '../lib/scim/presenters.js';
import { orgNameColumns } from '../lib/scim/resources/users.js';
import { URN } from '../lib/scim/urns.js';
import { foldCase } from '../lib/util/case-fold.js';
import { startChild, type ChildTasks } from './support/child-tasks.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { intArgument, median, spreadOf } from './support/stats.js';
import { figure, note, renderTable, type Row } from './support/table.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = intArgument('rounds', 3);
const USERS = Number(process.env.USERS ?? (QUICK ? 20_000 : 100_000));
const ORGS = Number(process.env.ORGS ?? (QUICK ? 400 : 2_000));
const CLIENTS = 4;
const LOOKUPS_PER_CLIENT = QUICK ? 400 : 1_500;
const LATENCY_SAMPLES = 25;
const CHANGES = 1_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const orgId = (n: number) => `org-${pad(n, 5)}`;
const userId = (n: number) => `user-${pad(n, 6)}`;

/** A synthetic host directory, generated page by page (never held in memory at once). */
function syntheticDirectory(): Directory {
  const org = (n: number): DirectoryOrg => ({ id: orgId(n), name: `Department ${n}`, code: `D${n}`, parentId: n === 0 ? null : orgId(Math.floor((n - 1) / 20)), order: n % 20 });
  const user = (n: number): DirectoryUser => ({
    id: userId(n),
    userName: `user${n}@example.com`,
    displayName: `User ${n}`,
    name: { givenName: 'User', familyName: String(n) },
    emails: [{ value: `user${n}@example.com`, type: 'work', primary: true }],
    employeeNumber: `E${n}`,
    orgIds: [orgId(n % ORGS)],
  });
  const page = <T>(count: number, make: (n: number) => T, cursor: string | undefined, limit: number) => {
    const from = cursor === undefined ? 0 : Number(cursor);
    const to = Math.min(count, from + limit);
    return { items: Array.from({ length: to - from }, (_, i) => make(from + i)), nextCursor: to < count ? String(to) : null };
  };
  return {
    listOrgs: ({ cursor, limit }) => page(ORGS, org, cursor, limit),
    listUsers: ({ cursor, limit }) => page(USERS, user, cursor, limit),
  };
}

/** Problems that make the figures meaningless: printed after the table, and the exit code is 1. */
const problems: string[] = [];
const mb = (bytes: number) => bytes / 1024 / 1024;

/** Runs the two measurements alternately over the rounds: `a` leads in odd rounds, `b` in even ones. */
async function interleaved<T>(a: () => Promise<T>, b: () => Promise<T>): Promise<{ a: T[]; b: T[]; load: string }> {
  const load = new LoadWindow();
  const results = { a: [] as T[], b: [] as T[] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    if (round % 2 === 1) {
      results.a.push(await a());
      results.b.push(await b());
    } else {
      results.b.push(await b());
      results.a.push(await a());
    }
  }
  return { ...results, load: load.close().toString() };
}

/**
 * The baseline: the same indexed SELECT (with the department and organization names the SCIM
 * server reads alongside) and the same JSON, with no auth, scope, log or limits.
 */
function mountBareRoute(app: express.Express, center: SyncCenter): void {
  const queryContext = { knex: center.knex, dialect: 'sqlite' as const, scopeOrgIds: [], tombstoneCutoff: '' };
  app.get('/bare/Users', async (req, res) => {
    const row = await center
      .knex('sync_users as u')
      .select('u.*', ...orgNameColumns(queryContext))
      // The column the SCIM server compares, on its index: the baseline must use the same index.
      .where('u.user_name_fold', foldCase(String(req.query.userName)))
      .whereNull('u.deleted_at')
      .first();
    const base = { base: `${req.protocol}://${req.get('host')}/sync/scim/v2` };
    const resources = row
      ? [
          toScimUser(
            toMirrorRecord<MirrorUserData>(row),
            { orgIds: JSON.parse(row.data).orgIds, primaryOrgId: row.primary_org_id, department: row.ssc_department, organization: row.ssc_organization, managerVisible: false },
            base,
          ),
        ]
      : [];
    res.type('application/scim+json').json({ schemas: [URN.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
  });
}

/** (a) userName eq lookups per second, SCIM versus the bare route, a few concurrent clients. */
async function lookupRows(client: ChildTasks): Promise<Row[]> {
  const lookups = (route: 'scim' | 'bare') => () => client.run<number>({ type: 'lookups', route, clients: CLIENTS, perClient: LOOKUPS_PER_CLIENT, users: USERS });
  await lookups('scim')();
  await lookups('bare')(); // warm both
  const { a: scim, b: bare, load } = await interleaved(lookups('scim'), lookups('bare'));
  return [
    figure(`(a) userName eq lookups/s through SCIM (${CLIENTS} clients)`, spreadOf(scim), 0, load),
    figure(`(a)   bare route, same SELECT and JSON: lookups/s`, spreadOf(bare), 0, load),
    figure(`(a)   ratio SCIM ÷ bare, round by round`, spreadOf(scim.map((rate, index) => rate / bare[index]!)), 2, load, '>= 0.5', (v) => v >= 0.5),
  ];
}

/** (b) a deep page against the first page: each round's figure is the median of its samples. */
async function pageRows(client: ChildTasks): Promise<Row[]> {
  const pageLatency = (startIndex: number) => async () => median(await client.run<number[]>({ type: 'latencies', path: `/sync/scim/v2/Users?startIndex=${startIndex}&count=100`, samples: LATENCY_SAMPLES }));
  const deepIndex = USERS - 99;
  await pageLatency(1)();
  const { a: first, b: deep, load } = await interleaved(pageLatency(1), pageLatency(deepIndex));
  return [
    figure(`(b) first page, count=100 (ms, median of ${LATENCY_SAMPLES})`, spreadOf(first), 1, load),
    figure(`(b) page at startIndex ${deepIndex} (ms)`, spreadOf(deep), 1, load),
    figure(`(b)   ratio deep ÷ first, round by round`, spreadOf(deep.map((ms, index) => ms / first[index]!)), 2, load, '<= 2', (v) => v <= 2),
  ];
}

/** (c) an incremental page after 1k changes. */
async function incrementalRows(center: SyncCenter, client: ChildTasks): Promise<Row[]> {
  const before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (let batch = 0; batch < CHANGES; batch += 250) {
    await center.changes.apply(
      Array.from({ length: 250 }, (_, i) => {
        const n = ((batch + i) * 97) % USERS;
        return { type: 'userUpserted' as const, user: { id: userId(n), userName: `user${n}@example.com`, title: 'Changed', orgIds: [orgId(n % ORGS)] } };
      }),
    );
  }
  const path = `/sync/scim/v2/Users?count=100&filter=${encodeURIComponent(`meta.lastModified gt "${before}"`)}`;
  const total = (await client.run<{ totalResults: number }>({ type: 'json', path })).totalResults;
  if (total !== CHANGES) problems.push(`(c) the incremental filter found ${total} of ${CHANGES} changed users`);
  const load = new LoadWindow();
  const rounds: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) rounds.push(median(await client.run<number[]>({ type: 'latencies', path, samples: LATENCY_SAMPLES })));
  const at = load.close().toString();
  return [
    figure(`(c) meta.lastModified gt page after ${CHANGES} changes (ms)`, spreadOf(rounds), 1, at),
    note(`(c)   totalResults`, String(total), at, String(CHANGES), total === CHANGES),
  ];
}

/** (d) this (the server's) process's RSS while the client pages through every user, several passes. */
async function rssRows(client: ChildTasks): Promise<Row[]> {
  const load = new LoadWindow();
  const passes: Array<{ before: number; peak: number; after: number; seconds: number }> = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const seen = await client.run<number>({ type: 'pageAll', users: USERS, count: 1000 });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (seen !== USERS) problems.push(`(d) pass ${round} paged through ${seen} of ${USERS} users`);
    passes.push({ before, peak: Math.max(peak, process.memoryUsage().rss), after: process.memoryUsage().rss, seconds });
  }
  const at = load.close().toString();
  return [
    figure(`(d) RSS before a pass through all ${USERS} users (MB)`, spreadOf(passes.map((pass) => mb(pass.before))), 0, at),
    figure(`(d)   RSS peak growth during the pass, count=1000 (MB)`, spreadOf(passes.map((pass) => mb(pass.peak - pass.before))), 0, at, 'flat'),
    figure(`(d)   RSS after the pass (MB)`, spreadOf(passes.map((pass) => mb(pass.after))), 0, at),
    figure(`(d)   full pass, ${USERS / 1000} pages (s)`, spreadOf(passes.map((pass) => pass.seconds)), 1, at),
  ];
}

async function main(): Promise<void> {
  const startLoad = loadAverage();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-bench-'));
  const center = createSyncCenter({
    database: { client: 'sqlite3', connection: { filename: path.join(dir, 'bench.sqlite') }, useNullAsDefault: true },
    directory: syntheticDirectory(),
    admin: { isAdmin: () => false },
    secretKey: 'bench-secret-key-with-at-least-32-characters',
    pullRateLimit: { requestsPerMinute: 1e9 },
    logger: { info() {}, warn() {}, error: console.error },
  });
  const rows: Row[] = [];
  try {
    await center.migrate();
    const fillLoad = new LoadWindow();
    const started = performance.now();
    await center.reconcile({ pageSize: 2_000 });
    rows.push(note('(fill) reconcile into the mirror (s)', ((performance.now() - started) / 1000).toFixed(1), fillLoad.close().toString()));
    const { source, credentials } = await center.sources.create({ name: 'Bench', mode: 'pull' });
    await center.sources.enable(source.id);

    const app = express();
    app.use('/sync', center.router);
    mountBareRoute(app, center);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const client = startChild(new URL('./support/pull-client.ts', import.meta.url));
    try {
      await client.run({ type: 'connect', origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: credentials!.token, connections: CLIENTS });
      rows.push(...(await lookupRows(client)), ...(await pageRows(client)), ...(await incrementalRows(center, client)), ...(await rssRows(client)));
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await center.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`Pull benchmark${QUICK ? ' (quick)' : ''}: ${USERS} users in ${ORGS} orgs on sqlite, node ${process.version}, ${os.cpus().length} cores, client in a child process, ${ROUNDS} rounds`);
  console.log(`load average (1 min) at start ${startLoad.toFixed(2)}, at end ${loadAverage().toFixed(2)}`);
  console.log('');
  console.log(renderTable(rows));
  if (problems.length > 0) {
    console.error(`\n${problems.length} check(s) failed, the figures above are not valid:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
