/**
 * Mapping benchmark: `npx tsx bench/mappings.ts` (`--quick` for a small run, `--rounds=N`,
 * default 3). A full push of N users (Chinese names) to the SCIM sink with the default mappings
 * (no table: `userBody`) and with a table of ten expression mappings (Pinyin, Join, Append,
 * ToLower, Coalesce, Left, Switch, IIF, Trim, Replace), the two interleaved within each round
 * (the order alternating), on the same center and directory. Prints objects/s of each, their
 * ratio per round and its median (goal ≥ 0.9), and the load average over each round. Then the
 * body building alone, in this process, no I/O: µs per user for `userBody`, the mapper with the
 * default table and with the ten-row table
 * (a figure the machine's load disturbs less than the push's).
 */
import type { AttributeMapping } from '../lib/sources/source-types.js';
import { compileUserMappings, DEFAULT_USER_MAPPINGS } from '../lib/mappings/user-mapping.js';
import { normalizeUser } from '../lib/mirror/normalize.js';
import { userBody } from '../lib/push/bodies.js';
import { ChineseDirectory, TEN_MAPPINGS } from './support/chinese-directory.js';
import { LoadWindow } from './support/machine.js';
import { createBenchCenter, measuredRun, pushSource, removeSource, type MeasuredRun } from './support/push-center.js';
import type { PushDirectory } from './support/push-directory.js';
import { intArgument, median } from './support/stats.js';
import { startSink } from './scim-sink.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = intArgument('rounds', 3);
const USERS = QUICK ? 3_000 : 20_000;
const ORGS = QUICK ? 60 : 200;

async function main(): Promise<void> {
  const sink = await startSink();
  const directory = new ChineseDirectory(USERS, ORGS);
  const bench = await createBenchCenter(directory);
  const objects = USERS + ORGS;
  const rows: Array<{ round: number; plain: MeasuredRun; mapped: MeasuredRun; load: LoadWindow }> = [];
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    const push = async (mappings: AttributeMapping[] | null): Promise<MeasuredRun> => {
      await sink.reset();
      const sourceId = await pushSource(bench.center, sink, mappings ? { userMappings: mappings } : {});
      global.gc?.();
      const measured = await measuredRun(bench.center, sourceId);
      await removeSource(bench.center, sourceId);
      if (measured.run.status !== 'succeeded' || measured.run.failed !== 0) throw new Error(`push ${mappings ? 'with mappings' : 'default'}: ${measured.run.status}, ${measured.run.failed} failed`);
      return measured;
    };
    // Untimed warm-up of both paths (JIT), so the first round is not a cold start of one only.
    await push(null);
    await push(TEN_MAPPINGS);
    for (let round = 1; round <= ROUNDS; round += 1) {
      const load = new LoadWindow();
      let plain: MeasuredRun;
      let mapped: MeasuredRun;
      if (round % 2 === 1) {
        plain = await push(null);
        mapped = await push(TEN_MAPPINGS);
      } else {
        mapped = await push(TEN_MAPPINGS);
        plain = await push(null);
      }
      rows.push({ round, plain, mapped, load: load.close() });
    }
  } finally {
    await bench.close();
    await sink.close();
  }
  const rate = (run: MeasuredRun) => objects / (run.ms / 1000);
  console.log(`full push of ${USERS} users + ${ORGS} orgs: default mappings vs ten expression mappings (Pinyin, Join, …)\n`);
  console.log('| round | default objects/s | ten mappings objects/s | ratio | load start→end |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.round} | ${rate(row.plain).toFixed(0)} | ${rate(row.mapped).toFixed(0)} | ${(rate(row.mapped) / rate(row.plain)).toFixed(3)} | ${row.load} |`);
  const ratio = median(rows.map((row) => rate(row.mapped) / rate(row.plain)));
  console.log(`\nmedian ratio ten mappings ÷ default: ${ratio.toFixed(3)} (goal ≥ 0.9)`);
  bodyCost(directory);
  if (ratio < 0.9) process.exitCode = 1;
}

/**
 * µs per body over the directory's users (median of 5 passes, the three interleaved): `userBody`,
 * the mapper with the default table (what `userBody` builds, through the table), and the
 * ten-row table.
 */
function bodyCost(directory: PushDirectory): void {
  const users = Array.from({ length: USERS }, (_, index) => normalizeUser(directory.user(index)));
  const refs = { orgRef: (id: string) => id, managerRef: () => undefined, extensions: { enterprise: true, orgs: true } };
  const defaults = compileUserMappings(DEFAULT_USER_MAPPINGS);
  const mapper = compileUserMappings(TEN_MAPPINGS);
  const plain: number[] = [];
  const tabled: number[] = [];
  const mapped: number[] = [];
  const perUser = (started: number) => ((performance.now() - started) * 1000) / users.length;
  for (let pass = 0; pass < 5; pass += 1) {
    let started = performance.now();
    for (const user of users) userBody(user, refs);
    plain.push(perUser(started));
    started = performance.now();
    for (const user of users) defaults.map(user, refs, { creating: true });
    tabled.push(perUser(started));
    started = performance.now();
    for (const user of users) mapper.map(user, refs, { creating: true });
    mapped.push(perUser(started));
  }
  const load = new LoadWindow().start.toFixed(2);
  console.log(`body building alone: userBody ${median(plain).toFixed(2)} µs/user, ten mappings ${median(mapped).toFixed(2)} µs/user (load ${load})`);
  console.log(`mapper µs/user: defaults ${median(tabled).toFixed(2)} vs ten mappings ${median(mapped).toFixed(2)} (load ${load})`);
}

await main();
