/**
 * Profiling aid: the no-change re-sync trusting the links (bench/push.ts (c)) and, with `--update`,
 * the update run after 10 % of users changed ((u)), of N users (default 20k); only that run is profiled.
 * `node --expose-gc --import tsx bench/profile-resync.ts 20000 [--update] [--out=file.cpuprofile]`
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createBenchCenter, measuredRun, pushSource } from './support/push-center.js';
import { PushDirectory } from './support/push-directory.js';
import { startSink } from './scim-sink.js';

const users = Number(process.argv[2] ?? 20_000);
const update = process.argv.includes('--update');
const out = process.argv.find((arg) => arg.startsWith('--out='))?.slice(6);
const sink = await startSink();
const directory = new PushDirectory(users, 400);
const bench = await createBenchCenter(directory);
await bench.center.reconcile({ pageSize: 1000 });
const sourceId = await pushSource(bench.center, sink);
await measuredRun(bench.center, sourceId);
if (update) {
  directory.version += 1;
  for (let index = 0, batch = []; index < directory.userCount; index += 1) {
    if (PushDirectory.isChanged(index)) batch.push({ type: 'userUpserted' as const, user: directory.user(index) });
    if (batch.length === 1000 || index === directory.userCount - 1) {
      await bench.center.changes.apply(batch);
      batch = [];
    }
  }
}
const session = new Session();
session.connect();
if (out) {
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const run = await measuredRun(bench.center, sourceId, { trustLinks: true });
if (out) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
}
const objects = users + 400;
const per = update ? directory.changedCount() : objects;
console.log(`${update ? 'update' : 're-sync'} ${run.run.status} ${run.ms.toFixed(0)} ms, process CPU ${(run.cpu.processUs / per).toFixed(0)} µs per ${update ? 'changed user' : 'object'}, main thread ${run.cpu.mainThreadUs === null ? '?' : (run.cpu.mainThreadUs / per).toFixed(0)} µs, created ${run.run.created} updated ${run.run.updated} skipped ${run.run.skipped}`);
await bench.close();
await sink.close();
