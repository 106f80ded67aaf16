/**
 * Pull-mode benchmark: a mirror of 100k users in 2k orgs, served over real HTTP on 127.0.0.1 by
 * this process and read with undici by a client in a child process (its own event loop). Every
 * comparison is interleaved over several rounds (`--rounds=N`, default 3; the order rotates each
 * round) and printed as the median with its min–max and the load average when it started and
 * ended. Runs on sqlite, then on PostgreSQL when SYNC_BENCH_PG_URL is set (a schema of its own,
 * dropped afterwards; `--pg-only` skips sqlite; `--only=b,d` runs some parts only).
 *
 *   npx tsx bench/scim-pull.ts            (--quick, or USERS=20000 ORGS=400, for a quicker run)
 *   SYNC_BENCH_PG_URL=postgres://postgres:postgres@127.0.0.1:5432/test npx tsx bench/scim-pull.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import knexFactory, { type Knex } from 'knex';
import { createSyncCenter, type SyncCenter } from '../index.js';
import { startChild, type ChildTasks } from './support/child-tasks.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { mountBareRoute, orgId, syntheticDirectory, userId } from './support/pull-bench-parts.js';
import { intArgument, median, spreadOf, type Spread } from './support/stats.js';
import { figure, note, renderTable, type Row } from './support/table.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = intArgument('rounds', 3);
const USERS = Number(process.env.USERS ?? (QUICK ? 20_000 : 100_000));
const ORGS = Number(process.env.ORGS ?? (QUICK ? 400 : 2_000));
const PG_URL = process.env.SYNC_BENCH_PG_URL;
/** `--only=b,d`: some parts only (a lookups, b pages, c incremental, d full passes). */
const ONLY = process.argv.find((arg) => arg.startsWith('--only='))?.slice(7).split(',');
const CLIENTS = 4;
const LOOKUPS_PER_CLIENT = QUICK ? 400 : 1_500;
const LATENCY_SAMPLES = QUICK ? 15 : 25;
/** A scoped source's pages each build the scope's user list and count through it (about 0.5 s at 100k users): fewer samples. */
const SCOPED_SAMPLES = 9;
const CHANGES = 1_000;
const SCIM = '/sync/scim/v2';
/** The deep page the README quotes: the last 100 of the list (startIndex 99,901 of 100k). */
const DEEP_INDEX = USERS - 99;
const MIDDLE_INDEX = USERS / 2 + 1;

/** Problems that make the figures meaningless: printed after the tables, and the exit code is 1. */
const problems: string[] = [];
const mb = (bytes: number) => bytes / 1024 / 1024;

/** Runs every measurement once per round, rotating which goes first; returns each one's figures by round. */
async function interleaved(measures: Array<() => Promise<number>>): Promise<{ runs: number[][]; load: string }> {
  const load = new LoadWindow();
  const runs: number[][] = measures.map(() => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let step = 0; step < measures.length; step += 1) {
      const index = (round + step) % measures.length;
      runs[index]!.push(await measures[index]!());
    }
  }
  return { runs, load: load.close().toString() };
}

const ratios = (top: number[], bottom: number[]) => spreadOf(top.map((value, index) => value / bottom[index]!));

/** A ratio whose goal holds in every round: judged by its worst round, not its median. */
function everyRound(measure: string, spread: Spread, load: string, limit: number): Row {
  return { ...figure(measure, spread, 2, load), goal: `<= ${limit} every round`, result: spread.max <= limit ? 'ok' : 'MISSED' };
}

/** (a) userName eq lookups per second, SCIM versus the bare route, a few concurrent clients. */
async function lookupRows(client: ChildTasks): Promise<Row[]> {
  const lookups = (route: 'scim' | 'bare') => () => client.run<number>({ type: 'lookups', route, clients: CLIENTS, perClient: LOOKUPS_PER_CLIENT, users: USERS });
  await lookups('scim')();
  await lookups('bare')(); // warm both
  const { runs: [scim, bare], load } = await interleaved([lookups('scim'), lookups('bare')]);
  return [
    figure(`(a) userName eq lookups/s through SCIM (${CLIENTS} clients)`, spreadOf(scim!), 0, load),
    figure(`(a)   bare route, same SELECT and JSON: lookups/s`, spreadOf(bare!), 0, load),
    figure(`(a)   ratio SCIM ÷ bare, round by round`, ratios(scim!, bare!), 2, load, '>= 0.5', (v) => v >= 0.5),
  ];
}

/** One round's figure for a path: the median latency of its samples (ms). */
const latency = (client: ChildTasks, pathname: string, token?: string, samples = LATENCY_SAMPLES) => async () =>
  median(await client.run<number[]>({ type: 'latencies', path: pathname, samples, token }));

/**
 * (b) pages at depth, index and cursor paging, for one list (`query`, e.g. a filter) and one
 * source (`token`, e.g. a scoped one): first, middle and last page by startIndex, and the pages
 * at the same depths by cursor.
 */
async function pageRows(client: ChildTasks, label: string, query: string, token?: string, samples = LATENCY_SAMPLES): Promise<Row[]> {
  const list = `${SCIM}/Users?${query}${query ? '&' : ''}`;
  const [middleCursor, deepCursor] = await client.run<string[]>({ type: 'cursorsAfter', path: `${SCIM}/Users${query ? `?${query}` : ''}`, marks: [MIDDLE_INDEX - 1, DEEP_INDEX - 1], token });
  const paths = [
    `${list}startIndex=1&count=100`,
    `${list}startIndex=${MIDDLE_INDEX}&count=100`,
    `${list}startIndex=${DEEP_INDEX}&count=100`,
    `${list}cursor=&count=100`,
    `${list}cursor=${middleCursor}&count=100`,
    `${list}cursor=${deepCursor}&count=100`,
  ];
  await client.run<number[][]>({ type: 'alternatingLatencies', paths, samples: 1, token }); // warm each
  // Each round alternates the six paths request by request (a burst of load on the machine then
  // falls on all of them alike, not on one path's block of samples); a round's figure for a path
  // is the median of its samples in that round.
  const window = new LoadWindow();
  const byRound: number[][] = paths.map(() => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    const byPath = await client.run<number[][]>({ type: 'alternatingLatencies', paths, samples, token });
    byPath.forEach((latencies, index) => byRound[index]!.push(median(latencies)));
  }
  const load = window.close().toString();
  const [first, middle, deep, cursorFirst, cursorMiddle, cursorDeep] = byRound;
  return [
    figure(`(b) ${label}: first page, count=100 (ms, median of ${samples})`, spreadOf(first!), 1, load),
    figure(`(b) ${label}: page at startIndex ${MIDDLE_INDEX} (ms)`, spreadOf(middle!), 1, load),
    figure(`(b) ${label}: page at startIndex ${DEEP_INDEX} (ms)`, spreadOf(deep!), 1, load),
    figure(`(b) ${label}: cursor, first page (ms)`, spreadOf(cursorFirst!), 1, load),
    figure(`(b) ${label}: cursor, page after row ${MIDDLE_INDEX - 1} (ms)`, spreadOf(cursorMiddle!), 1, load),
    figure(`(b) ${label}: cursor, page after row ${DEEP_INDEX - 1} (ms)`, spreadOf(cursorDeep!), 1, load),
    everyRound(`(b) ${label}:   ratio deep ÷ first, round by round`, ratios(deep!, first!), load, 2),
    everyRound(`(b) ${label}:   ratio middle ÷ first, round by round`, ratios(middle!, first!), load, 2),
    everyRound(`(b) ${label}:   ratio cursor middle ÷ cursor first`, ratios(cursorMiddle!, cursorFirst!), load, 1.5),
    everyRound(`(b) ${label}:   ratio cursor deep ÷ cursor first`, ratios(cursorDeep!, cursorFirst!), load, 1.5),
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
  const pathname = `${SCIM}/Users?count=100&filter=${encodeURIComponent(`meta.lastModified gt "${before}"`)}`;
  const total = (await client.run<{ totalResults: number }>({ type: 'json', path: pathname })).totalResults;
  if (total !== CHANGES) problems.push(`(c) the incremental filter found ${total} of ${CHANGES} changed users`);
  const { runs: [rounds], load } = await interleaved([latency(client, pathname)]);
  return [figure(`(c) meta.lastModified gt page after ${CHANGES} changes (ms)`, spreadOf(rounds!), 1, load), note(`(c)   totalResults`, String(total), load, String(CHANGES), total === CHANGES)];
}

/** (d) this (the server's) process's RSS, sampled every 20 ms while the client pages through every user, by index and by cursor. */
async function rssRows(client: ChildTasks): Promise<Row[]> {
  const passes = { index: [] as Array<{ before: number; peak: number; after: number; seconds: number }>, cursor: [] as Array<{ before: number; peak: number; after: number; seconds: number }> };
  const pass = (by: 'index' | 'cursor') => async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const seen = await client.run<number>({ type: 'pageAll', users: USERS, count: 1000, by });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    if (seen !== USERS) problems.push(`(d) a pass by ${by} paged through ${seen} of ${USERS} users`);
    passes[by].push({ before, peak: Math.max(peak, process.memoryUsage().rss), after: process.memoryUsage().rss, seconds });
    return seconds;
  };
  const { load } = await interleaved([pass('index'), pass('cursor')]);
  const all = [...passes.index, ...passes.cursor];
  return [
    figure(`(d) RSS before a pass through all ${USERS} users (MB)`, spreadOf(all.map((p) => mb(p.before))), 0, load),
    figure(`(d)   RSS peak growth during a pass, count=1000, sampled every 20 ms (MB)`, spreadOf(all.map((p) => mb(p.peak - p.before))), 0, load, 'flat'),
    figure(`(d)   RSS after the pass (MB)`, spreadOf(all.map((p) => mb(p.after))), 0, load),
    figure(`(d)   full pass by startIndex, ${USERS / 1000} pages (s)`, spreadOf(passes.index.map((p) => p.seconds)), 1, load),
    figure(`(d)   full pass by cursor, ${USERS / 1000} pages (s)`, spreadOf(passes.cursor.map((p) => p.seconds)), 1, load),
  ];
}

interface Database {
  name: string;
  config: Knex.Config | Knex;
  /** Brings the filled database to the state it serves pulls in (PostgreSQL: vacuumed and analysed). */
  settle?(): Promise<Row>;
  cleanUp(): Promise<void>;
}

function sqliteDatabase(): Database {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-bench-'));
  const config = { client: 'sqlite3', connection: { filename: path.join(dir, 'bench.sqlite') }, useNullAsDefault: true };
  return { name: 'sqlite', config, cleanUp: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresDatabase(url: string): Promise<Database> {
  const schema = `bench_pull_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: url });
  await admin.raw('CREATE SCHEMA ??', [schema]);
  const knex = knexFactory({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 8 } });
  return {
    name: `PostgreSQL ${url.replace(/\/\/[^@]*@/, '//')}`,
    config: knex,
    async settle() {
      // The fill leaves the tables with no statistics and no visibility map (a count of the 100k
      // live users made 198k heap fetches). Autovacuum (on by default) vacuums and analyses a
      // table that many rows were written to within a minute or two; the test server runs with
      // it off, so the benchmark does what it would. Without this, every index-only scan visits
      // the heap and a count of 100k users costs about 250 ms instead of 25-55.
      const settled = new LoadWindow();
      const started = performance.now();
      const autovacuum = (await knex.raw('SHOW autovacuum')).rows[0].autovacuum as string;
      const tables: Array<{ tablename: string }> = (await knex.raw('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()')).rows;
      for (const { tablename } of tables) await knex.raw('VACUUM (ANALYZE) ??', [tablename]);
      return note(`(fill) VACUUM (ANALYZE) of the ${tables.length} tables, as autovacuum would (autovacuum is ${autovacuum} here) (s)`, ((performance.now() - started) / 1000).toFixed(1), settled.close().toString());
    },
    cleanUp: async () => {
      await knex.destroy();
      await admin.raw('DROP SCHEMA ?? CASCADE', [schema]);
      await admin.destroy();
    },
  };
}

async function measure(database: Database): Promise<Row[]> {
  const center = createSyncCenter({
    database: database.config,
    directory: syntheticDirectory(USERS, ORGS),
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
    if (database.settle) rows.push(await database.settle());
    const { source, credentials } = await center.sources.create({ name: 'Bench', mode: 'pull' });
    await center.sources.enable(source.id);
    // Scoped to the root org: it sees everyone, through the scope's recursive CTE and EXISTS.
    const scoped = await center.sources.create({ name: 'Bench scoped', mode: 'pull', pull: { scopeOrgIds: [orgId(0)] } });
    await center.sources.enable(scoped.source.id);

    const app = express();
    app.use('/sync', center.router);
    mountBareRoute(app, center);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const client = startChild(new URL('./support/pull-client.ts', import.meta.url));
    try {
      await client.run({ type: 'connect', origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: credentials!.token, connections: CLIENTS });
      const part = async (name: string, run: () => Promise<Row[]>) => {
        if (ONLY && !ONLY.includes(name.slice(1, 2))) return;
        const partStarted = performance.now();
        rows.push(...(await run()));
        console.error(`  ${database.name}: ${name} measured in ${((performance.now() - partStarted) / 1000).toFixed(0)} s`);
      };
      await part('(a) lookups', () => lookupRows(client));
      await part('(b) pages', () => pageRows(client, 'GET /Users', ''));
      await part('(b) filtered pages', () => pageRows(client, 'active eq true', `filter=${encodeURIComponent('active eq true')}`));
      await part('(b) scoped pages', () => pageRows(client, 'scoped source', '', scoped.credentials!.token, SCOPED_SAMPLES));
      await part('(c) incremental page', () => incrementalRows(center, client));
      await part('(d) full passes', () => rssRows(client));
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await center.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const databases: Array<() => Promise<Database>> = [];
  if (!process.argv.includes('--pg-only')) databases.push(async () => sqliteDatabase());
  if (PG_URL) databases.push(() => postgresDatabase(PG_URL));
  else console.log('(PostgreSQL skipped: set SYNC_BENCH_PG_URL=postgres://… to measure it too)');
  for (const open of databases) {
    const database = await open();
    const startLoad = loadAverage();
    try {
      const rows = await measure(database);
      console.log(`\nPull benchmark${QUICK ? ' (quick)' : ''}: ${USERS} users in ${ORGS} orgs on ${database.name}, node ${process.version}, ${os.cpus().length} cores, client in a child process, ${ROUNDS} interleaved rounds`);
      console.log(`load average (1 min) at start ${startLoad.toFixed(2)}, at end ${loadAverage().toFixed(2)}\n`);
      console.log(renderTable(rows));
    } finally {
      await database.cleanUp();
    }
  }
  if (problems.length > 0) {
    console.error(`\n${problems.length} check(s) failed, the figures above are not valid:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
