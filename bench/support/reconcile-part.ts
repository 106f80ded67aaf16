import { startHoldingSink } from './holding-sink.js';
import { LoadWindow } from './machine.js';
import { createBenchCenter, measuredRun, pushSource, type MeasuredRun } from './push-center.js';
import { PushDirectory } from './push-directory.js';
import { spreadOf } from './stats.js';
import { figure, type Row } from './table.js';

/** One round of part (r): the first push into a holding sink, then the reconciling and the trusting re-sync of it. */
interface ReconcileRound {
  reconcile: MeasuredRun;
  reads: number;
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
 * against a downstream that already holds every object, so it reads everything and writes
 * nothing. Each round uses a fresh holding sink and source; the first push that fills it is not
 * timed here (part a times it).
 */
export async function reconcilingSyncs(users: number, orgs: number, rounds: number, problems: string[]): Promise<ReconcileResult> {
  const load = new LoadWindow();
  const directory = new PushDirectory(users, orgs);
  const bench = await createBenchCenter(directory);
  const objects = users + orgs;
  const results: ReconcileRound[] = [];
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    for (let round = 1; round <= rounds; round += 1) {
      const label = `(r) ${users} users, round ${round}`;
      const sink = await startHoldingSink();
      try {
        const sourceId = await pushSource(bench.center, sink);
        const first = await measuredRun(bench.center, sourceId);
        const filled = await sink.stats();
        if (first.run.status !== 'succeeded' || filled.distinctExternalIds !== objects) problems.push(`${label}: first push ${first.run.status}, the sink holds ${filled.distinctExternalIds} of ${objects}`);
        await sink.reset();
        global.gc?.();
        const reconcile = await measuredRun(bench.center, sourceId);
        const read = await sink.stats();
        if (reconcile.run.status !== 'succeeded' || read.writes !== 0) problems.push(`${label}: reconciling sync ${reconcile.run.status} with ${read.writes} writes`);
        await sink.reset();
        const trusting = await measuredRun(bench.center, sourceId, { trustLinks: true });
        const trustingWrites = (await sink.stats()).writes;
        results.push({ reconcile, reads: read.reads, writes: read.writes, trusting, trustingWrites });
        await bench.center.sources.disable(sourceId);
        await bench.center.sources.delete(sourceId);
      } finally {
        await sink.close();
      }
      process.stderr.write(`reconciling sync: ${label} done\n`);
    }
    return { users, objects, rounds: results, load: load.close() };
  } finally {
    await bench.close();
  }
}

const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const mb = (bytes: number) => bytes / 1024 / 1024;

export function reconcileRows(result: ReconcileResult): Row[] {
  const { users, objects, rounds } = result;
  const load = result.load.toString();
  const over = (value: (round: ReconcileRound) => number) => spreadOf(rounds.map(value));
  return [
    figure(`(r) reconciling manual sync, ${objects} objects held downstream: objects/s`, over((r) => perSecond(objects, r.reconcile.ms)), 0, load),
    figure(`(r)   reads sent (filtered listings, GETs)`, over((r) => r.reads), 0, load),
    figure(`(r)   writes sent`, over((r) => r.writes), 0, load, '0', (v) => v === 0),
    figure(`(r)   center process CPU per object (µs)`, over((r) => r.reconcile.cpu.processUs / objects), 0, load),
    figure(`(r)   peak RSS (MB)`, over((r) => mb(r.reconcile.peakRss)), 0, load),
    figure(`(r)   RSS rise during the run, peak − start (MB)`, over((r) => mb(r.reconcile.peakRss - r.reconcile.startRss)), 1, load),
    figure(`(r)   trusting the links, same sink: objects/s`, over((r) => perSecond(objects, r.trusting.ms)), 0, load),
    figure(`(r)   reconciling time ÷ trusting time`, over((r) => r.reconcile.ms / r.trusting.ms), 2, load),
    figure(`(r)   ${users} users: trusting writes sent`, over((r) => r.trustingWrites), 0, load, '0', (v) => v === 0),
  ];
}

export function reconcileGrowthRows(small: ReconcileResult, large: ReconcileResult): Row[] {
  const load = `${small.load.start.toFixed(2)}→${large.load.end.toFixed(2)}`;
  const paired = (value: (s: ReconcileRound, l: ReconcileRound) => number) => spreadOf(small.rounds.map((round, index) => value(round, large.rounds[index]!)));
  return [
    figure(`(r) reconciling time(${large.users})/time(${small.users}), round by round`, paired((s, l) => l.reconcile.ms / s.reconcile.ms), 2, load, '<= 11', (v) => v <= 11),
    // The first push that filled the sink ran in this process just before: the rise during the reconciling run is its own memory.
    figure(`(r) reconciling RSS rise growth ${small.users}→${large.users} (MB)`, paired((s, l) => mb(l.reconcile.peakRss - l.reconcile.startRss - (s.reconcile.peakRss - s.reconcile.startRss))), 1, load, '<= 30', (v) => v <= 30),
    figure(`(r) reconciling peak RSS growth ${small.users}→${large.users} (MB, includes the first push before it)`, paired((s, l) => mb(l.reconcile.peakRss - s.reconcile.peakRss)), 1, load),
  ];
}
