/**
 * Memory of a full push by size: `node --expose-gc --import tsx bench/push-memory.ts` (`--quick`
 * for small sizes, `--rounds=N`, default 2). For 10k, 30k, 50k and 100k users (2k orgs), each in
 * a fresh center and sink as in bench/push.ts: peak RSS and peak V8 heap during the push, and the
 * live heap after a full collection at its end. It shows where push (b)'s growth comes from: the
 * live heap hardly changes with size, and the peak stops growing once a push is long enough for
 * V8's old generation to reach its band (up to 4× the live heap, see the README's Memory note).
 * Add `--trace-gc-verbose` to see V8's reason for the band ("factor 4.0 based on …").
 */
import os from 'node:os';
import { createBenchCenter, measuredRun, pushSource, removeSource } from './support/push-center.js';
import { PushDirectory } from './support/push-directory.js';
import { LoadWindow } from './support/machine.js';
import { intArgument, spreadOf } from './support/stats.js';
import { figure, renderTable, type Row } from './support/table.js';
import { startSink } from './scim-sink.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = intArgument('rounds', 2);
const SIZES = QUICK ? [2_000, 10_000, 20_000] : [10_000, 30_000, 50_000, 100_000];
const ORGS = QUICK ? 400 : 2_000;
const MB = 1024 * 1024;

if (!global.gc) throw new TypeError('run with node --expose-gc: the live heap is measured after a full collection');

interface SizeMemory {
  peakRss: number[];
  peakHeap: number[];
  liveHeap: number[];
  load: LoadWindow;
}

async function measure(users: number): Promise<SizeMemory> {
  const load = new LoadWindow();
  const sink = await startSink();
  const bench = await createBenchCenter(new PushDirectory(users, ORGS));
  const result: SizeMemory = { peakRss: [], peakHeap: [], liveHeap: [], load };
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    // Untimed warm-up, as in bench/push.ts: compiled code and the database's pages are in place.
    for (let round = 0; round <= ROUNDS; round += 1) {
      await sink.reset();
      const sourceId = await pushSource(bench.center, sink);
      global.gc!();
      const run = await measuredRun(bench.center, sourceId);
      if (run.run.status !== 'succeeded') throw new Error(`push of ${users} users ${run.run.status}`);
      global.gc!();
      if (round > 0) {
        result.peakRss.push(run.peakRss / MB);
        result.peakHeap.push(run.peakHeap / MB);
        result.liveHeap.push(process.memoryUsage().heapUsed / MB);
      }
      await removeSource(bench.center, sourceId);
    }
    result.load.close();
    return result;
  } finally {
    await bench.close();
    await sink.close();
  }
}

const rows: Row[] = [];
console.log(`Push memory by size: node ${process.version}, ${os.cpus().length} cores, ${ROUNDS} rounds per size, ${ORGS} orgs`);
for (const users of SIZES) {
  const size = await measure(users);
  const load = size.load.toString();
  rows.push(
    figure(`${users} users: peak RSS during the push (MB)`, spreadOf(size.peakRss), 1, load),
    figure(`${users} users:   peak V8 heap (heapTotal, MB)`, spreadOf(size.peakHeap), 1, load),
    figure(`${users} users:   live heap after the push, after a full GC (MB)`, spreadOf(size.liveHeap), 1, load),
  );
  process.stderr.write(`push memory: ${users} users done\n`);
}
console.log(renderTable(rows));
