/**
 * Multi-instance benchmark: `npx tsx bench/multi-instance.ts` (`--quick` for a small run,
 * `--changes=N` to choose the feed). Needs PostgreSQL at SYNC_BENCH_PG_URL (default
 * postgres://postgres:postgres@127.0.0.1:5432/test); it creates its own schema per measurement
 * and drops it afterwards.
 *
 * Incremental delivery throughput for 20 push sources with 1, 2 and 3 host instances (child
 * processes running `test/support/worker-process.ts`), against a minimal fast SCIM sink (plain
 * node http in a worker thread) on 127.0.0.1. Every change is a new user, so nothing coalesces:
 * each source delivers every change as one request. The clock starts when the whole feed is
 * committed (the instances are up and idle by then) and stops when every source's cursor is at
 * the head. Bounded: every wait has a deadline, and it stops by itself. The instance counts are
 * interleaved over several rounds (`--rounds=N`, default 3): median, min–max and the load average.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import knexFactory, { type Knex } from 'knex';
import { createSyncCenter } from '../index.js';
import type { PushOptions } from '../lib/options.js';
import { TABLES } from '../lib/persistence/tables.js';
import { MemoryDirectory } from '../test/support/memory-directory.js';
import { TEST_KEY } from '../test/support/test-center.js';
import { WorkerFleet } from '../test/support/worker-fleet.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { intArgument, spreadOf } from './support/stats.js';
import { figure, note, renderTable, type Row } from './support/table.js';
import { startSink, type Sink } from './scim-sink.js';

const PG_URL = process.env.SYNC_BENCH_PG_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/test';
const QUICK = process.argv.includes('--quick');
const SOURCES = 20;
const CHANGES = Number(process.argv.find((arg) => arg.startsWith('--changes='))?.slice(10) ?? (QUICK ? 300 : 1_500));
const INSTANCES = [1, 2, 3];
const ROUNDS = intArgument('rounds', 3);
const DEADLINE_MS = Number(process.env.SYNC_BENCH_DEADLINE_MS ?? 300_000);
const silent = { info() {}, warn() {}, error() {} };
/**
 * The defaults, but a 1 s poll (5 s by default) so that the instances that did not write the feed
 * notice it soon. Idle polling costs a few queries per source and instance per poll.
 */
const PUSH: PushOptions = { pollIntervalMs: 1_000 };

interface Measure {
  instances: number;
  seconds: number;
  perSecond: number;
  requests: number;
  sourcesPerInstance: string;
}

async function measure(instances: number, sink: Sink): Promise<Measure> {
  const schema = `bench_multi_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: PG_URL });
  await admin.raw('CREATE SCHEMA ??', [schema]);
  const knex: Knex = knexFactory({ client: 'pg', connection: PG_URL, searchPath: [schema], pool: { min: 0, max: 4 } });
  // Every instance must hold the key the credentials were stored with: the workers use TEST_KEY.
  const feeder = createSyncCenter({ database: knex, directory: new MemoryDirectory(), admin: { isAdmin: () => false }, secretKey: TEST_KEY, allowHttpPush: true, allowPrivatePush: true, logger: silent });
  const fleet = new WorkerFleet({ pgUrl: PG_URL, schema, push: PUSH, readyTimeoutMs: 60_000 });
  try {
    await feeder.migrate();
    for (let index = 0; index < SOURCES; index += 1) {
      const { source } = await feeder.sources.create({
        name: `Sink ${index}`,
        mode: 'push',
        push: { auth: 'bearer', token: 't', userUrl: `${sink.url}/s${index}/Users`, orgResource: 'organization', schedule: null, deletionThreshold: null },
      });
      await feeder.sources.enable(source.id);
    }
    for (let index = 0; index < instances; index += 1) await fleet.spawn();
    await sink.reset();
    // One transaction: the whole feed becomes visible at once.
    const users = Array.from({ length: CHANGES }, (_, index) => ({ type: 'userUpserted' as const, user: { id: `b${index}`, userName: `b${index}@example.com`, displayName: `Bench ${index}`, active: true } }));
    await feeder.changes.apply(users);
    const startedAt = process.hrtime.bigint();
    const head = await feeder.mirror.currentSequence();
    const holders = new Map<string, Set<string>>();
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      for (const lease of await knex(TABLES.leases).where('name', 'like', 'push:%').select('name', 'holder')) {
        const pid = String(lease.holder).split(':')[1]!;
        if (!holders.has(pid)) holders.set(pid, new Set());
        holders.get(pid)!.add(String(lease.name));
      }
      const behind = await knex(TABLES.cursors).where('seq', '<', head).count({ n: '*' });
      if (Number(behind[0]!.n) === 0) break;
      if (Date.now() > deadline) {
        const failures = await knex(TABLES.deliveryLog).whereNot({ result: 'succeeded' }).orderBy('id', 'desc').limit(3).select('result', 'method', 'path', 'http_status', 'error');
        const cursors = await knex(TABLES.cursors).select('seq');
        throw new Error(`not delivered within ${DEADLINE_MS / 1000} s (head ${head}, cursors ${cursors.map((row) => row.seq).join(',')}; last failures ${JSON.stringify(failures)})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const stats = await sink.stats();
    const perInstance = [...holders.values()].map((names) => names.size).sort((a, b) => b - a);
    return { instances, seconds, perSecond: (CHANGES * SOURCES) / seconds, requests: stats.writes, sourcesPerInstance: perInstance.join('/') };
  } finally {
    await fleet.close();
    await feeder.close();
    await knex.raw('DROP SCHEMA ?? CASCADE', [schema]).catch(() => undefined);
    await knex.destroy();
    await admin.destroy();
  }
}

async function main(): Promise<void> {
  console.log(`multi-instance delivery: ${SOURCES} push sources, ${CHANGES} changes each (${CHANGES * SOURCES} deliveries), ${os.cpus().length} cores, PostgreSQL ${PG_URL.replace(/\/\/[^@]*@/, '//')}, ${ROUNDS} rounds`);
  const startLoad = loadAverage();
  const load = new LoadWindow();
  const sink = await startSink();
  const rounds: Measure[][] = [];
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const measures: Measure[] = [];
      for (const instances of INSTANCES) {
        const result = await measure(instances, sink);
        measures.push(result);
        console.log(`  round ${round}, ${instances} instance(s): ${result.seconds.toFixed(1)} s`);
      }
      rounds.push(measures);
    }
  } finally {
    await sink.close();
  }
  const at = load.close().toString();
  const rows: Row[] = [];
  INSTANCES.forEach((instances, column) => {
    const over = (value: (measure: Measure, base: Measure) => number) => spreadOf(rounds.map((measures) => value(measures[column]!, measures[0]!)));
    rows.push(
      figure(`${instances} instance(s): changes delivered/s`, over((m) => m.perSecond), 0, at),
      figure(`${instances} instance(s):   ratio to 1 instance, round by round`, over((m, base) => m.perSecond / base.perSecond), 2, at),
      figure(`${instances} instance(s):   sink writes`, over((m) => m.requests), 0, at),
      note(`${instances} instance(s):   sources held per instance, each round`, rounds.map((measures) => measures[column]!.sourcesPerInstance).join(', '), at),
    );
  });
  console.log('');
  console.log(`load average (1 min) at start ${startLoad.toFixed(2)}, at end ${loadAverage().toFixed(2)}`);
  console.log('');
  console.log(renderTable(rows));
}

await main();
