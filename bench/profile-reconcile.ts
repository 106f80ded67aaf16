/**
 * Profiling aid for part (r): fills a holding sink with N users (default 20k) and 400 orgs, drifts
 * 1 % of them, and CPU-profiles only the reconciling manual sync that follows (node:inspector, so
 * the mirror load and the first push are left out):
 * `node --expose-gc --import tsx bench/profile-reconcile.ts 20000 /tmp/prof/reconcile.cpuprofile`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startHoldingSink } from './support/holding-sink.js';
import { createBenchCenter, measuredRun, pushSource } from './support/push-center.js';
import { PushDirectory } from './support/push-directory.js';

const users = Number(process.argv[2] ?? 20_000);
const output = process.argv[3] ?? 'reconcile.cpuprofile';
const orgs = 400;
const bench = await createBenchCenter(new PushDirectory(users, orgs), { pageSize: 500 });
const sink = await startHoldingSink();
try {
  await bench.center.reconcile({ pageSize: 1000 });
  const sourceId = await pushSource(bench.center, sink);
  await measuredRun(bench.center, sourceId);
  // One untimed reconciling sync first, so the profile shows compiled code.
  await sink.drift();
  await measuredRun(bench.center, sourceId);
  const drifted = await sink.drift();
  await sink.reset();
  global.gc?.();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const run = await measuredRun(bench.center, sourceId);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(output, JSON.stringify(profile));
  const stats = await sink.stats();
  const objects = users + orgs;
  console.log(
    `${run.run.status}: ${objects} objects in ${run.ms.toFixed(0)} ms (${((objects / run.ms) * 1000).toFixed(0)}/s), ` +
      `${stats.writes} writes for ${drifted} drifted, ${(run.cpu.processUs / objects).toFixed(0)} µs process CPU per object, ` +
      `${run.cpu.mainThreadUs === null ? '?' : (run.cpu.mainThreadUs / objects).toFixed(0)} µs main thread, loop busy ${(run.cpu.eventLoopBusy * 100).toFixed(0)} %, ` +
      `no request open at the sink ${((stats.idleMs / stats.openMs) * 100).toFixed(0)} % → ${output}`,
  );
} finally {
  await sink.close();
  await bench.close();
}
