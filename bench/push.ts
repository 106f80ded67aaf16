/**
 * Push benchmark: `npx tsx bench/push.ts` (add `--quick` for a small run, `--rounds=N` for the
 * number of interleaved rounds, default 3; `--only=a,d,e` for some parts, a covers b, c and u).
 * Everything runs on 127.0.0.1 against a minimal SCIM sink in a child process, in bounded loops,
 * and stops by itself. Every figure is the median over the rounds, printed with its min–max and
 * the load average when its part started and ended.
 *
 * (a) full push of 10k and 100k users in 2k orgs: objects/s vs a bare undici client (its own
 *     process) sending the same requests with the same concurrency to the same sink, the two
 *     interleaved (bare, push, bare, push, …) and compared round by round; CPU per object;
 * (b) time(100k)/time(10k) and peak RSS growth from the 10k run to the 100k run;
 * (c) a second full sync with nothing changed, trusting the links (the sink keeps nothing to
 *     read back): must succeed with zero writes (else exit 1), and its time as a fraction of the
 *     first push;
 * (u) a full sync trusting the links after 10 % of the users changed vs the bare client PATCHing
 *     the same changes;
 * (r) a reconciling manual sync (the default: it reads the downstream's copies) of 10k and 100k
 *     users against a sink that holds them, 1 % drifted (holding-sink.ts), vs a bare undici client
 *     (its own process) sending the same filtered reads and PATCHing the same differences, the two
 *     interleaved; objects/s, CPU per object, PATCHes = drifted, peak RSS and its growth from 10k
 *     to 100k, next to the trusting re-sync of the same sink;
 * (d) incremental: changes at 50/s, change → delivered latency p50/p99;
 * (e) a sink that answers 429 + Retry-After above a fixed rate: share of that rate used, lost changes.
 * (d) and (e) run next to a CPU-burning neighbour process (`--neighbours=N`, default 1; 0 for none),
 * so their figures hold on a busy machine, not only on an idle one.
 */
import os from 'node:os';
import type { SyncCenter } from '../index.js';
import type { DirectoryUser } from '../lib/hooks/directory.js';
import type { BareResult, BareTask } from './support/bare-client.js';
import { startChild, type ChildTasks } from './support/child-tasks.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { startNeighbours } from './support/neighbour.js';
import { CONCURRENCY, createBenchCenter, measuredRun, pushSource, removeSource, type MeasuredRun } from './support/push-center.js';
import { PushDirectory, orgId } from './support/push-directory.js';
import { intArgument, spreadOf } from './support/stats.js';
import { figure, note, renderTable, type Row } from './support/table.js';
import { startSink, type Sink } from './scim-sink.js';
import { reconcileGrowthRows, reconcileRows, reconcilingSyncs, type ReconcileResult } from './support/reconcile-part.js';

const QUICK = process.argv.includes('--quick');
const ONLY = (process.argv.find((arg) => arg.startsWith('--only='))?.slice(7) ?? 'a,r,d,e').split(',');
const ROUNDS = intArgument('rounds', 3);
const NEIGHBOURS = process.argv.includes('--neighbours=0') ? 0 : intArgument('neighbours', 1);
const SIZES = QUICK ? [2_000, 20_000] : [10_000, 100_000];
const ORGS = QUICK ? 400 : 2_000;
const INCREMENTAL_CHANGES = QUICK ? 200 : 1_000;
const INCREMENTAL_RATE = 50;
const THROTTLE_RATE = QUICK ? 200 : 400;
/** About 25 s at the throttled rate (6 s quick): the first Retry-After pause weighs less in a longer run. */
const THROTTLED_USERS = QUICK ? 1_200 : 10_000;
/** (a)'s sink keeps nothing, so its re-syncs trust the links; (r) measures the reconciling default against a sink that holds the objects. */
const TRUST_LINKS = { trustLinks: true };
/** Problems that make the figures meaningless: printed after the table, and the exit code is 1. */
const problems: string[] = [];

interface Round {
  create: MeasuredRun;
  bareCreate: BareResult;
  resync: MeasuredRun;
  resyncWrites: number;
  update: MeasuredRun;
  bareUpdate: BareResult;
}

interface SizeResult {
  users: number;
  objects: number;
  changed: number;
  rounds: Round[];
  load: LoadWindow;
}

function check(ok: boolean, problem: string): void {
  if (!ok) problems.push(problem);
}

async function fullPush(users: number, bare: ChildTasks, warmUp: boolean): Promise<SizeResult> {
  const load = new LoadWindow();
  const sink = await startSink();
  const directory = new PushDirectory(users, ORGS);
  const bench = await createBenchCenter(directory);
  const objects = users + ORGS;
  const changed = directory.changedCount();
  const task = (): BareTask => ({ sinkUrl: sink.url, users, orgs: ORGS, concurrency: CONCURRENCY, version: directory.version });
  const rounds: Round[] = [];
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    if (warmUp) {
      // Untimed: both sides' code is compiled (JIT) before the first round, so round 1 is not a cold start on one side only.
      await bare.run<BareResult>({ type: 'create', ...task() });
      const sourceId = await pushSource(bench.center, sink);
      await measuredRun(bench.center, sourceId);
      await removeSource(bench.center, sourceId);
    }
    for (let round = 1; round <= ROUNDS; round += 1) {
      const label = `${users} users, round ${round}`;
      const bareCreate = await bare.run<BareResult>({ type: 'create', ...task() });
      await sink.reset();
      const sourceId = await pushSource(bench.center, sink);
      global.gc?.();
      const create = await measuredRun(bench.center, sourceId);
      const created = await sink.stats();
      check(create.run.status === 'succeeded' && create.run.failed === 0, `(a) ${label}: first push ${create.run.status}, ${create.run.failed} failed`);
      check(created.distinctExternalIds === objects, `(a) ${label}: the sink holds ${created.distinctExternalIds} of ${objects} objects`);

      await sink.reset();
      const resync = await measuredRun(bench.center, sourceId, TRUST_LINKS);
      const resyncWrites = (await sink.stats()).writes;
      check(resync.run.status === 'succeeded' && resyncWrites === 0, `(c) ${label}: no-change re-sync ${resync.run.status} with ${resyncWrites} writes`);

      directory.version += 1;
      await applyChangedUsers(bench.center, directory);
      const bareUpdate = await bare.run<BareResult>({ type: 'update', ...task() });
      await sink.reset();
      const update = await measuredRun(bench.center, sourceId, TRUST_LINKS);
      const updateWrites = (await sink.stats()).writes;
      check(update.run.status === 'succeeded' && updateWrites === changed, `(u) ${label}: update run ${update.run.status} with ${updateWrites} writes for ${changed} changed users`);

      await removeSource(bench.center, sourceId);
      rounds.push({ create, bareCreate, resync, resyncWrites, update, bareUpdate });
      process.stderr.write(`full push: ${label} done\n`);
    }
    return { users, objects, changed, rounds, load: load.close() };
  } finally {
    await bench.close();
    await sink.close();
  }
}

/** The host's changes for the users this version touches, into the mirror (outside any clock). */
async function applyChangedUsers(center: SyncCenter, directory: PushDirectory): Promise<void> {
  let batch: Array<{ type: 'userUpserted'; user: DirectoryUser }> = [];
  for (let index = 0; index < directory.userCount; index += 1) {
    if (PushDirectory.isChanged(index)) batch.push({ type: 'userUpserted', user: directory.user(index) });
    if (batch.length === 1000 || index === directory.userCount - 1) {
      await center.changes.apply(batch);
      batch = [];
    }
  }
}

async function incremental(): Promise<{ p50: number; p99: number; delivered: number }> {
  const sink = await startSink({ recordArrivals: true });
  const bench = await createBenchCenter(new PushDirectory(0, 10));
  try {
    await bench.center.reconcile();
    const sourceId = await pushSource(bench.center, sink);
    await bench.center.runs.settled((await bench.center.runs.start(sourceId)).id);
    await bench.center.start();
    const sentAt = new Map<string, number>();
    const interval = 1000 / INCREMENTAL_RATE;
    const started = Date.now();
    for (let index = 0; index < INCREMENTAL_CHANGES; index += 1) {
      const wait = started + index * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const id = `inc${String(index).padStart(5, '0')}`;
      sentAt.set(id, Date.now());
      await bench.center.changes.userUpserted({ id, userName: `${id}@bench.example`, displayName: id, orgIds: [orgId(index % 10)] });
    }
    await bench.center.push.drained(sourceId, 60_000);
    const { arrivals } = await sink.stats();
    const latencies = [...sentAt].filter(([id]) => arrivals[id] !== undefined).map(([id, at]) => arrivals[id]! - at).sort((a, b) => a - b);
    const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
    return { p50: percentile(50), p99: percentile(99), delivered: latencies.length };
  } finally {
    await bench.close();
    await sink.close();
  }
}

async function throttled(): Promise<{ share: number; lost: number; throttled: number; windows: number }> {
  const sink = await startSink({ ratePerSecond: THROTTLE_RATE });
  const bench = await createBenchCenter(new PushDirectory(THROTTLED_USERS, 0), { retry: { baseMs: 20, maxMs: 2_000, runAttempts: 50 } });
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    const sourceId = await pushSource(bench.center, sink, { orgUrl: undefined });
    await bench.center.runs.settled((await bench.center.runs.start(sourceId)).id);
    const stats = await sink.stats();
    // Every one-second window of the sink from the run's first request to its last allowed
    // THROTTLE_RATE requests, used or not: the share is what the run took of that.
    const windows = stats.lastWindow - stats.firstWindow + 1;
    return { share: stats.accepted / (THROTTLE_RATE * windows), lost: THROTTLED_USERS - stats.distinctExternalIds, throttled: stats.throttled, windows };
  } finally {
    await bench.close();
    await sink.close();
  }
}

/** Runs a part ROUNDS times next to the CPU-burning neighbour(s), which stop when it ends. */
async function repeated<T>(part: string, work: () => Promise<T>): Promise<{ results: T[]; load: LoadWindow }> {
  const neighbours = startNeighbours(NEIGHBOURS);
  try {
    const load = new LoadWindow();
    const results: T[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      results.push(await work());
      process.stderr.write(`${part}: round ${round} done\n`);
    }
    return { results, load: load.close() };
  } finally {
    await neighbours.stop();
  }
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const mb = (bytes: number) => bytes / 1024 / 1024;

function sizeRows(size: SizeResult): Row[] {
  const { users, objects, changed, rounds } = size;
  const load = size.load.toString();
  const over = (value: (round: Round) => number) => spreadOf(rounds.map(value));
  const mainThread = rounds.every((round) => round.create.cpu.mainThreadUs !== null);
  const rows = [
    figure(`(a) full push ${users} users + ${ORGS} orgs: objects/s`, over((r) => perSecond(objects, r.create.ms)), 0, load),
    figure(`(a)   bare client, same requests: objects/s`, over((r) => perSecond(r.bareCreate.requests, r.bareCreate.ms)), 0, load),
    figure(`(a)   ratio to the bare client, round by round`, over((r) => r.bareCreate.ms / r.create.ms), 2, load, '>= 0.7', (v) => v >= 0.7),
    figure(`(a)   center process CPU per object (µs)`, over((r) => r.create.cpu.processUs / objects), 0, load, '<= 390', (v) => v <= 390),
  ];
  if (mainThread) rows.push(figure(`(a)   main thread CPU per object (µs)`, over((r) => r.create.cpu.mainThreadUs! / objects), 0, load, '<= 260', (v) => v <= 260));
  rows.push(
    figure(`(a)   main thread event loop busy (%)`, over((r) => r.create.cpu.eventLoopBusy * 100), 0, load),
    figure(`(a)   bare client process CPU per object (µs)`, over((r) => r.bareCreate.cpuUs / r.bareCreate.requests), 0, load),
    figure(`(c) no-change re-sync trusting the links: writes sent`, over((r) => r.resyncWrites), 0, load, '0', (v) => v === 0),
    figure(`(c)   re-sync time ÷ first push time`, over((r) => r.resync.ms / r.create.ms), 2, load),
    figure(`(c)   re-sync center process CPU per object (µs)`, over((r) => r.resync.cpu.processUs / objects), 0, load),
    figure(`(u) update trusting the links, ${changed} of ${users} users changed: users/s`, over((r) => perSecond(changed, r.update.ms)), 0, load),
    figure(`(u)   bare client, same PATCHes: users/s`, over((r) => perSecond(r.bareUpdate.requests, r.bareUpdate.ms)), 0, load),
    figure(`(u)   ratio to the bare client, round by round`, over((r) => r.bareUpdate.ms / r.update.ms), 2, load),
    figure(`(u)   center process CPU per changed user (µs)`, over((r) => r.update.cpu.processUs / changed), 0, load),
  );
  return rows;
}

function growthRows(small: SizeResult, large: SizeResult): Row[] {
  const load = `${small.load.start.toFixed(2)}→${large.load.end.toFixed(2)}`;
  const paired = (value: (smallRound: Round, largeRound: Round) => number) => spreadOf(small.rounds.map((round, index) => value(round, large.rounds[index]!)));
  const rise = (run: MeasuredRun) => run.peakRss - run.startRss;
  return [
    figure(`(b) time(${large.users})/time(${small.users}), round by round`, paired((s, l) => l.create.ms / s.create.ms), 2, load, '<= 11', (v) => v <= 11),
    figure(`(b) peak RSS during the ${small.users} push (MB)`, spreadOf(small.rounds.map((r) => mb(r.create.peakRss))), 0, load),
    figure(`(b) peak RSS during the ${large.users} push (MB)`, spreadOf(large.rounds.map((r) => mb(r.create.peakRss))), 0, load),
    figure(`(b) peak RSS growth, round by round (MB)`, paired((s, l) => mb(l.create.peakRss - s.create.peakRss)), 1, load, '<= 30', (v) => v <= 30),
    // The growth splits into what the process held when the push began (the larger mirror's load
    // ran in this process just before) and what the push itself added on top of that.
    figure(`(b)   RSS when the push started, growth (MB)`, paired((s, l) => mb(l.create.startRss - s.create.startRss)), 1, load),
    figure(`(b)   RSS the push added (peak − start), growth (MB)`, paired((s, l) => mb(rise(l.create) - rise(s.create))), 1, load),
    figure(`(b)   V8 heap: peak heapTotal growth (MB)`, paired((s, l) => mb(l.create.peakHeap - s.create.peakHeap)), 1, load),
  ];
}

/** How the (b) peaks were measured, for the notes under the table. */
function peakNote(sizes: readonly SizeResult[]): string {
  const exact = sizes.every((size) => size.rounds.every((round) => round.create.peakExact));
  return exact
    ? '(b) peak RSS = the kernel\'s high-water mark (VmHWM), reset when each push starts: exact, not sampled.'
    : '(b) peak RSS = the highest of samples every 20 ms (the kernel\'s high-water mark could not be reset here): a shorter peak can be missed.';
}

async function main(): Promise<void> {
  const startLoad = loadAverage();
  const rows: Row[] = [];
  const notes: string[] = [];
  if (ONLY.includes('a')) {
    const bare = startChild(new URL('./support/bare-client.ts', import.meta.url));
    const sizes: SizeResult[] = [];
    try {
      for (const users of SIZES) sizes.push(await fullPush(users, bare, sizes.length === 0));
    } finally {
      await bare.close();
    }
    for (const size of sizes) rows.push(...sizeRows(size));
    if (sizes.length === 2) {
      rows.push(...growthRows(sizes[0]!, sizes[1]!));
      notes.push(peakNote(sizes));
    }
  }
  if (ONLY.includes('r')) {
    const results: ReconcileResult[] = [];
    const bare = startChild(new URL('./support/bare-client.ts', import.meta.url));
    try {
      for (const users of SIZES) results.push(await reconcilingSyncs(users, ORGS, ROUNDS, bare, results.length === 0, problems));
    } finally {
      await bare.close();
    }
    for (const result of results) rows.push(...reconcileRows(result));
    if (results.length === 2) rows.push(...reconcileGrowthRows(results[0]!, results[1]!));
  }
  if (ONLY.includes('d')) {
    const { results, load } = await repeated('incremental', incremental);
    const at = load.toString();
    rows.push(
      figure(`(d) incremental ${INCREMENTAL_CHANGES} changes at ${INCREMENTAL_RATE}/s, ${NEIGHBOURS} neighbour(s): p50 (ms)`, spreadOf(results.map((r) => r.p50)), 0, at, '<= 50', (v) => v <= 50),
      figure(`(d)   p99 (ms)`, spreadOf(results.map((r) => r.p99)), 0, at, '<= 250', (v) => v <= 250),
      figure(`(d)   delivered of ${INCREMENTAL_CHANGES}`, spreadOf(results.map((r) => r.delivered)), 0, at, 'all', () => results.every((r) => r.delivered === INCREMENTAL_CHANGES)),
    );
  }
  if (ONLY.includes('e')) {
    const { results, load } = await repeated('throttled', throttled);
    const at = load.toString();
    rows.push(
      figure(`(e) 429 above ${THROTTLE_RATE}/s, ${NEIGHBOURS} neighbour(s): share of the windows' allowance used`, spreadOf(results.map((r) => r.share)), 2, at, '>= 0.9', (v) => v >= 0.9),
      figure(`(e)   rate windows (s) from first to last request`, spreadOf(results.map((r) => r.windows)), 0, at),
      figure(`(e)   429s received`, spreadOf(results.map((r) => r.throttled)), 0, at),
      figure(`(e)   lost changes`, spreadOf(results.map((r) => r.lost)), 0, at, '0', () => results.every((r) => r.lost === 0)),
    );
  }
  console.log(`Push benchmark${QUICK ? ' (quick)' : ''}: node ${process.version}, ${os.cpus().length} cores, concurrency ${CONCURRENCY}, sqlite file, ${ROUNDS} rounds, ${NEIGHBOURS} CPU-burning neighbour(s) during (d) and (e)`);
  console.log(`load average (1 min) at start ${startLoad.toFixed(2)}, at end ${loadAverage().toFixed(2)}`);
  console.log('');
  console.log(renderTable(rows));
  console.log('');
  console.log('CPU: process = process.cpuUsage() of this process (all its threads; the sink and the bare client run in other processes);');
  console.log('main thread = utime+stime of /proc/self/task/<pid>/stat (10 ms ticks); event loop busy = performance.eventLoopUtilization().');
  for (const line of notes) console.log(line);
  if (problems.length > 0) {
    console.error(`\n${problems.length} check(s) failed, the figures above are not valid:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
