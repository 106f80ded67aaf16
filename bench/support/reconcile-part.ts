import type { BareReconcileResult, BareReconcileTask } from './bare-reconcile.js';
import type { ChildTasks } from './child-tasks.js';
import { startHoldingSink, type HoldingSink } from './holding-sink.js';
import { LoadWindow } from './machine.js';
import { CONCURRENCY, createBenchCenter, measuredRun, pushSource, type MeasuredRun } from './push-center.js';
import { PushDirectory } from './push-directory.js';
import { spreadOf } from './stats.js';
import { figure, type Row } from './table.js';

/** The product's page size in part (r), which the bare client chunks its reads by too. */
const PAGE_SIZE = 500;

/** One round of part (r): the bare client and the reconciling sync, each against 1 % drifted copies, then the trusting re-sync. */
interface ReconcileRound {
  bare: BareReconcileResult;
  /** Share of the bare pass with no request open at the sink. */
  bareIdle: number;
  reconcile: MeasuredRun;
  /** Share of the reconciling sync (first request to last answer) with no request open at the sink. */
  idle: number;
  reads: number;
  /** Objects the sink drifted before the reconciling sync (each must be PATCHed back). */
  drifted: number;
  writes: number;
  trusting: MeasuredRun;
  trustingWrites: number;
}

export interface ReconcileResult {
  users: number;
  objects: number;
  rounds: ReconcileRound[];
  load: LoadWindow;
}

/**
 * Part (r) of bench/push.ts: a reconciling manual sync (the default of the Manual sync button)
 * against a downstream that already holds every object, 1 % of them drifted (their displayName
 * changed there), so it reads everything and PATCHes the drifted ones back; against the bare
 * client (bare-reconcile.ts, its own process) doing the same reads and PATCHes, the two
 * interleaved round by round. The first push that fills the sink is not timed (part a times it).
 * Checked every round: both sides PATCH exactly the drifted objects and leave none differing,
 * and send the same filtered reads.
 */
export async function reconcilingSyncs(users: number, orgs: number, rounds: number, bare: ChildTasks, warmUp: boolean, problems: string[]): Promise<ReconcileResult> {
  const load = new LoadWindow();
  const directory = new PushDirectory(users, orgs);
  const bench = await createBenchCenter(directory, { pageSize: PAGE_SIZE });
  const objects = users + orgs;
  const results: ReconcileRound[] = [];
  const sink = await startHoldingSink();
  const settings: BareReconcileTask = { sinkUrl: sink.url, users, orgs, concurrency: CONCURRENCY, pageSize: PAGE_SIZE };
  const task = { type: 'reconcile', ...settings };
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    const sourceId = await pushSource(bench.center, sink);
    const first = await measuredRun(bench.center, sourceId);
    const filled = await sink.stats();
    if (first.run.status !== 'succeeded' || filled.distinctExternalIds !== objects) problems.push(`(r) ${users} users: first push ${first.run.status}, the sink holds ${filled.distinctExternalIds} of ${objects}`);
    /** The bare client's pass over a freshly drifted sink, checked. */
    const bareRound = async (label: string) => {
      const drifted = await sink.drift();
      await sink.reset();
      const result = await bare.run<BareReconcileResult>(task);
      const { filteredReads, idleMs, openMs } = await sink.stats();
      const left = await sink.differing();
      if (result.patches !== drifted || left !== 0 || result.objects !== objects || filteredReads !== result.reads) problems.push(`${label}: bare client PATCHed ${result.patches} of ${drifted} drifted, ${left} left differing, ${result.objects} of ${objects} read`);
      return { result, idle: idleMs / openMs };
    };
    /** The reconciling sync over a freshly drifted sink, checked. */
    const productRound = async (label: string) => {
      const drifted = await sink.drift();
      await sink.reset();
      global.gc?.();
      const run = await measuredRun(bench.center, sourceId);
      const read = await sink.stats();
      const left = await sink.differing();
      if (run.run.status !== 'succeeded' || read.writes !== drifted || left !== 0) problems.push(`${label}: reconciling sync ${run.run.status} with ${read.writes} writes for ${drifted} drifted, ${left} left differing`);
      return { run, drifted, read };
    };
    if (warmUp) {
      // Untimed: both sides' code is compiled (JIT) before the first round.
      await bareRound(`(r) ${users} users, warm-up`);
      await productRound(`(r) ${users} users, warm-up`);
    }
    for (let round = 1; round <= rounds; round += 1) {
      const label = `(r) ${users} users, round ${round}`;
      const { result: bareResult, idle: bareIdle } = await bareRound(label);
      const { run: reconcile, drifted, read } = await productRound(label);
      if (read.filteredReads !== bareResult.reads) problems.push(`${label}: the reconciling sync sent ${read.filteredReads} filtered reads, the bare client ${bareResult.reads}`);
      await sink.reset();
      const trusting = await measuredRun(bench.center, sourceId, { trustLinks: true });
      const trustingWrites = (await sink.stats()).writes;
      results.push({ bare: bareResult, bareIdle, idle: read.idleMs / read.openMs, reconcile, reads: read.reads, drifted, writes: read.writes, trusting, trustingWrites });
      process.stderr.write(`reconciling sync: ${label} done\n`);
    }
    await bench.center.sources.disable(sourceId);
    await bench.center.sources.delete(sourceId);
    return { users, objects, rounds: results, load: load.close() };
  } finally {
    await sink.close();
    await bench.close();
  }
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const mb = (bytes: number) => bytes / 1024 / 1024;

export function reconcileRows(result: ReconcileResult): Row[] {
  const { users, objects, rounds } = result;
  const load = result.load.toString();
  const over = (value: (round: ReconcileRound) => number) => spreadOf(rounds.map(value));
  const mainThread = rounds.every((round) => round.reconcile.cpu.mainThreadUs !== null);
  const rows = [
    figure(`(r) reconciling manual sync, ${objects} objects held downstream, 1 % drifted: objects/s`, over((r) => perSecond(objects, r.reconcile.ms)), 0, load),
    figure(`(r)   bare client, same reads and PATCHes: objects/s`, over((r) => perSecond(r.bare.objects, r.bare.ms)), 0, load),
    figure(`(r)   ratio to the bare client, round by round`, over((r) => r.bare.ms / r.reconcile.ms), 2, load, '>= 0.5', (v) => v >= 0.5),
    figure(`(r)   reads sent (filtered listings, GETs)`, over((r) => r.reads), 0, load),
    figure(`(r)   PATCHes sent (= drifted objects)`, over((r) => r.writes), 0, load, 'drifted', () => rounds.every((r) => r.writes === r.drifted && r.bare.patches === r.drifted)),
    figure(`(r)   center process CPU per object (µs)`, over((r) => r.reconcile.cpu.processUs / objects), 0, load),
  ];
  if (mainThread) rows.push(figure(`(r)   main thread CPU per object (µs)`, over((r) => r.reconcile.cpu.mainThreadUs! / objects), 0, load));
  rows.push(
    figure(`(r)   main thread event loop busy (%)`, over((r) => r.reconcile.cpu.eventLoopBusy * 100), 0, load),
    figure(`(r)   bare client process CPU per object (µs)`, over((r) => r.bare.cpuUs / r.bare.objects), 0, load),
    figure(`(r)   share of the run with no request open at the sink (%)`, over((r) => r.idle * 100), 0, load),
    figure(`(r)   same, bare client (%)`, over((r) => r.bareIdle * 100), 0, load),
    figure(`(r)   peak RSS (MB)`, over((r) => mb(r.reconcile.peakRss)), 0, load),
    figure(`(r)   RSS rise during the run, peak − start (MB)`, over((r) => mb(r.reconcile.peakRss - r.reconcile.startRss)), 1, load),
    figure(`(r)   trusting the links, same sink: objects/s`, over((r) => perSecond(objects, r.trusting.ms)), 0, load),
    figure(`(r)   reconciling time ÷ trusting time`, over((r) => r.reconcile.ms / r.trusting.ms), 2, load),
    figure(`(r)   ${users} users: trusting writes sent`, over((r) => r.trustingWrites), 0, load, '0', (v) => v === 0),
  );
  return rows;
}

export function reconcileGrowthRows(small: ReconcileResult, large: ReconcileResult): Row[] {
  const load = `${small.load.start.toFixed(2)}→${large.load.end.toFixed(2)}`;
  const paired = (value: (s: ReconcileRound, l: ReconcileRound) => number) => spreadOf(small.rounds.map((round, index) => value(round, large.rounds[index]!)));
  return [
    figure(`(r) reconciling time(${large.users})/time(${small.users}), round by round`, paired((s, l) => l.reconcile.ms / s.reconcile.ms), 2, load, '<= 11', (v) => v <= 11),
    figure(`(r) reconciling RSS rise growth ${small.users}→${large.users} (MB)`, paired((s, l) => mb(l.reconcile.peakRss - l.reconcile.startRss - (s.reconcile.peakRss - s.reconcile.startRss))), 1, load, '<= 30', (v) => v <= 30),
    figure(`(r) reconciling peak RSS growth ${small.users}→${large.users} (MB, includes the first push before it)`, paired((s, l) => mb(l.reconcile.peakRss - s.reconcile.peakRss)), 1, load),
  ];
}
