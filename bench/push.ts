/**
 * Push benchmark: `npx tsx bench/push.ts` (add `--quick` for a small run). Everything runs on
 * 127.0.0.1 against a minimal SCIM sink in a child process, in bounded loops, and stops by itself.
 *
 * (a) full push of 10k and 100k users in 2k orgs: objects/s vs a bare undici client POSTing the
 *     same bodies to the same sink with the same concurrency (the raw ceiling, same run);
 * (b) time(100k)/time(10k) and peak RSS growth from the 10k run to the 100k run;
 * (c) a second full sync with nothing changed: writes sent;
 * (d) incremental: changes at 50/s, change → delivered latency p50/p99;
 * (e) a sink that answers 429 + Retry-After above a fixed rate: share of that rate used, lost changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { createSyncCenter, type SyncCenter } from '../index.js';
import type { Directory, DirectoryOrg, DirectoryPage, DirectoryPageRequest, DirectoryUser } from '../lib/hooks/directory.js';
import { normalizeOrg, normalizeUser } from '../lib/mirror/normalize.js';
import type { PushOptions } from '../lib/options.js';
import { orgBody, userBody } from '../lib/push/bodies.js';
import { startSink, type Sink } from './scim-sink.js';

const QUICK = process.argv.includes('--quick');
/** `--only=a,d,e` runs some parts only (a covers b and c). */
const ONLY = (process.argv.find((arg) => arg.startsWith('--only='))?.slice(7) ?? 'a,d,e').split(',');
const SIZES = QUICK ? [2_000, 20_000] : [10_000, 100_000];
const ORGS = QUICK ? 400 : 2_000;
const CONCURRENCY = 4;
const INCREMENTAL_CHANGES = QUICK ? 200 : 1_000;
const INCREMENTAL_RATE = 50;
const THROTTLE_RATE = QUICK ? 200 : 400;
/** About 25 s at the throttled rate (6 s quick): the first Retry-After pause weighs less in a longer run. */
const THROTTLED_USERS = QUICK ? 1_200 : 10_000;
const silent = { info() {}, warn() {}, error() {} };

/**
 * A generated directory: every user and org is computed from its index when a page asks for it,
 * so the host's data does not sit in this process's memory (the RSS measured is the center's).
 */
class GeneratedDirectory implements Directory {
  constructor(
    readonly userCount: number,
    readonly orgCount: number,
  ) {}

  static build(userCount: number, orgCount: number): GeneratedDirectory {
    return new GeneratedDirectory(userCount, orgCount);
  }

  org(index: number): DirectoryOrg {
    // A tree: 10 roots, then each org under one with a smaller index.
    const parentId = index < 10 ? undefined : orgId(Math.floor(index / 10) - 1);
    return { id: orgId(index), name: `Org ${index}`, parentId, order: index % 10, code: `C${index}` };
  }

  user(index: number): DirectoryUser {
    return {
      id: `user${String(index).padStart(7, '0')}`,
      userName: `user${index}@bench.example`,
      displayName: `User ${index}`,
      name: { givenName: 'User', familyName: String(index) },
      emails: [{ value: `user${index}@bench.example`, type: 'work', primary: true }],
      title: 'Engineer',
      employeeNumber: `E${index}`,
      orgIds: this.orgCount > 0 ? [orgId(index % this.orgCount)] : [],
    };
  }

  *orgs(): Generator<DirectoryOrg> {
    for (let index = 0; index < this.orgCount; index += 1) yield this.org(index);
  }

  *users(): Generator<DirectoryUser> {
    for (let index = 0; index < this.userCount; index += 1) yield this.user(index);
  }

  listUsers(request: DirectoryPageRequest): DirectoryPage<DirectoryUser> {
    return page(this.userCount, (index) => this.user(index), request);
  }

  listOrgs(request: DirectoryPageRequest): DirectoryPage<DirectoryOrg> {
    return page(this.orgCount, (index) => this.org(index), request);
  }
}

function orgId(index: number): string {
  return `org${String(index).padStart(5, '0')}`;
}

function page<T>(count: number, make: (index: number) => T, { cursor, limit }: DirectoryPageRequest): DirectoryPage<T> {
  const start = cursor ? Number(cursor) : 0;
  const end = Math.min(count, start + limit);
  const items: T[] = [];
  for (let index = start; index < end; index += 1) items.push(make(index));
  return { items, nextCursor: end < count ? String(end) : null };
}

interface Bench {
  center: SyncCenter;
  dir: string;
  close(): Promise<void>;
}

async function createCenter(directory: Directory, push: PushOptions = {}): Promise<Bench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-bench-'));
  const center = createSyncCenter({
    directory,
    admin: { isAdmin: () => true },
    sqliteFile: path.join(dir, 'bench.sqlite'),
    secretKey: 'bench-secret-key-with-at-least-32-characters',
    allowHttpPush: true,
    logger: silent,
    push: { concurrency: CONCURRENCY, pageSize: 500, ...push },
  });
  await center.migrate();
  return {
    center,
    dir,
    async close() {
      await center.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pushSource(center: SyncCenter, sink: Sink, push: Record<string, unknown> = {}) {
  const { source } = await center.sources.create({
    name: `bench-${Math.random().toString(36).slice(2, 8)}`,
    mode: 'push',
    push: { auth: 'bearer', token: 'bench-token', userUrl: `${sink.url}/Users`, orgUrl: `${sink.url}/Organizations`, orgResource: 'organization', deletionThreshold: null, ...push },
  });
  return center.sources.enable(source.id);
}

/** Samples RSS while `work` runs; returns its duration and the peak. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const value = await work();
    return { value, ms: performance.now() - started, peakRss: Math.max(peakRss, process.memoryUsage().rss) };
  } finally {
    clearInterval(timer);
  }
}

/** The raw ceiling: a bare undici client POSTing the same bodies, same concurrency, same sink. */
async function rawCeiling(sink: Sink, directory: GeneratedDirectory): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const userRefs = { orgRef: (id: string) => `r-${id}`, managerRef: () => undefined, extensions: { enterprise: true, orgs: true } };
  // Bodies are built from the same presenters as the push, ahead of time (outside the clock).
  const bodies: Array<{ endpoint: string; body: string }> = [];
  for (const org of directory.orgs()) bodies.push({ endpoint: 'Organizations', body: JSON.stringify(orgBody(normalizeOrg(org), 'organization', org.parentId ? `r-${org.parentId}` : undefined)) });
  for (const user of directory.users()) bodies.push({ endpoint: 'Users', body: JSON.stringify(userBody(normalizeUser(user), userRefs)) });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const { endpoint, body } = bodies[next++]!;
        const response = await request(`${sink.url}/${endpoint}`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: 'Bearer bench-token', 'content-type': 'application/scim+json' },
          body,
        });
        await response.body.json();
      }
    }),
  );
  const ms = performance.now() - started;
  await agent.close();
  return (bodies.length / ms) * 1000;
}

interface FullResult {
  users: number;
  objects: number;
  ms: number;
  perSecond: number;
  raw: number;
  peakRss: number;
  secondWrites: number;
  failed: number;
}

async function fullPush(users: number): Promise<FullResult> {
  const sink = await startSink();
  const directory = GeneratedDirectory.build(users, ORGS);
  const bench = await createCenter(directory);
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    const source = await pushSource(bench.center, sink);
    if (global.gc) global.gc();
    const first = await measured(async () => bench.center.runs.settled((await bench.center.runs.start(source.id)).id));
    const run = first.value!;
    const objects = users + ORGS;
    const afterFirst = await sink.stats();
    await sink.reset();
    await bench.center.runs.settled((await bench.center.runs.start(source.id)).id);
    const second = await sink.stats();
    await sink.reset();
    const raw = await rawCeiling(sink, directory);
    return {
      users,
      objects,
      ms: first.ms,
      perSecond: (objects / first.ms) * 1000,
      raw,
      peakRss: first.peakRss,
      secondWrites: second.writes,
      failed: run.failed + (afterFirst.distinctExternalIds === objects ? 0 : objects - afterFirst.distinctExternalIds),
    };
  } finally {
    await bench.close();
    await sink.close();
  }
}

async function incremental(): Promise<{ p50: number; p99: number; delivered: number; sent: number }> {
  const sink = await startSink({ recordArrivals: true });
  const directory = GeneratedDirectory.build(0, 10);
  const bench = await createCenter(directory);
  try {
    await bench.center.reconcile();
    const source = await pushSource(bench.center, sink);
    await bench.center.runs.settled((await bench.center.runs.start(source.id)).id);
    await bench.center.start();
    const sentAt = new Map<string, number>();
    const interval = 1000 / INCREMENTAL_RATE;
    const started = Date.now();
    for (let index = 0; index < INCREMENTAL_CHANGES; index += 1) {
      const due = started + index * interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `inc${String(index).padStart(5, '0')}`;
      sentAt.set(id, Date.now());
      await bench.center.changes.userUpserted({ id, userName: `${id}@bench.example`, displayName: id, orgIds: [orgId(index % 10)] });
    }
    await bench.center.push.drained(source.id, 60_000);
    const { arrivals } = await sink.stats();
    const latencies = [...sentAt].filter(([id]) => arrivals[id] !== undefined).map(([id, at]) => arrivals[id]! - at).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
    return { p50: pct(50), p99: pct(99), delivered: latencies.length, sent: INCREMENTAL_CHANGES };
  } finally {
    await bench.close();
    await sink.close();
  }
}

async function throttled(): Promise<{ share: number; lost: number; throttled: number; seconds: number }> {
  const sink = await startSink({ ratePerSecond: THROTTLE_RATE });
  const directory = GeneratedDirectory.build(THROTTLED_USERS, 0);
  const bench = await createCenter(directory, { retry: { baseMs: 20, maxMs: 2_000, runAttempts: 50 } });
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    const source = await pushSource(bench.center, sink, { orgUrl: undefined });
    await bench.center.runs.settled((await bench.center.runs.start(source.id)).id);
    const stats = await sink.stats();
    // Whole seconds of the sink's windows that the run spanned: the rate it allowed in that time.
    const seconds = (stats.lastAcceptedAt - stats.firstAcceptedAt) / 1000;
    const allowed = THROTTLE_RATE * Math.max(seconds, 1e-3);
    return { share: stats.accepted / allowed, lost: THROTTLED_USERS - stats.distinctExternalIds, throttled: stats.throttled, seconds };
  } finally {
    await bench.close();
    await sink.close();
  }
}

function row(name: string, value: string, goal: string, ok: boolean | null): string {
  const verdict = ok === null ? '' : ok ? 'ok' : 'MISSED';
  return `| ${name.padEnd(52)} | ${value.padStart(16)} | ${goal.padEnd(12)} | ${verdict.padEnd(6)} |`;
}

async function main(): Promise<void> {
  const results: FullResult[] = [];
  if (ONLY.includes('a')) {
    for (const users of SIZES) {
      results.push(await fullPush(users));
      process.stderr.write(`full push of ${users} users done\n`);
    }
  }
  const [small, large] = results as [FullResult?, FullResult?];
  const inc = ONLY.includes('d') ? await incremental() : null;
  if (inc) process.stderr.write('incremental done\n');
  const thr = ONLY.includes('e') ? await throttled() : null;
  if (thr) process.stderr.write('throttled done\n');

  const mb = (bytes: number) => bytes / 1024 / 1024;
  const lines = [
    `Push benchmark${QUICK ? ' (quick)' : ''}: node ${process.version}, ${os.cpus().length} cores, concurrency ${CONCURRENCY}, sqlite file`,
    '',
    `| ${'measure'.padEnd(52)} | ${'value'.padStart(16)} | ${'goal'.padEnd(12)} | ${'result'.padEnd(6)} |`,
    `|${'-'.repeat(54)}|${'-'.repeat(18)}|${'-'.repeat(14)}|${'-'.repeat(8)}|`,
  ];
  for (const result of results) {
    lines.push(row(`(a) full push ${result.users} users + ${ORGS} orgs: objects/s`, result.perSecond.toFixed(0), '', null));
    lines.push(row(`(a)   raw undici ceiling, same bodies: objects/s`, result.raw.toFixed(0), '', null));
    lines.push(row(`(a)   ratio to the raw ceiling`, (result.perSecond / result.raw).toFixed(2), '>= 0.7', result.perSecond / result.raw >= 0.7));
    lines.push(row(`(a)   failed or missing objects`, String(result.failed), '0', result.failed === 0));
  }
  if (small && large) {
    lines.push(row(`(b) time(${large.users})/time(${small.users})`, (large.ms / small.ms).toFixed(2), '<= 11', large.ms / small.ms <= 11));
    lines.push(row(`(b) peak RSS ${small.users} → ${large.users} (MB)`, `${mb(small.peakRss).toFixed(0)} → ${mb(large.peakRss).toFixed(0)}`, '', null));
    lines.push(row(`(b) peak RSS growth (MB)`, mb(large.peakRss - small.peakRss).toFixed(1), '<= 30', mb(large.peakRss - small.peakRss) <= 30));
  }
  for (const result of results) lines.push(row(`(c) second full sync of ${result.users}: writes sent`, String(result.secondWrites), '0', result.secondWrites === 0));
  if (inc) {
    lines.push(row(`(d) incremental ${inc.sent} changes at ${INCREMENTAL_RATE}/s: p50 (ms)`, String(inc.p50), '<= 50', inc.p50 <= 50));
    lines.push(row(`(d)   p99 (ms)`, String(inc.p99), '<= 250', inc.p99 <= 250));
    lines.push(row(`(d)   delivered`, `${inc.delivered}/${inc.sent}`, 'all', inc.delivered === inc.sent));
  }
  if (thr) {
    lines.push(row(`(e) 429 above ${THROTTLE_RATE}/s: share of the allowed rate used`, thr.share.toFixed(2), '>= 0.9', thr.share >= 0.9));
    lines.push(row(`(e)   429s received / seconds`, `${thr.throttled} / ${thr.seconds.toFixed(1)}`, '', null));
    lines.push(row(`(e)   lost changes`, String(thr.lost), '0', thr.lost === 0));
  }
  console.log(lines.join('\n'));
}

await main();
