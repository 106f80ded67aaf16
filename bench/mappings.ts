/**
 * Mapping benchmark: `npx tsx bench/mappings.ts` (`--quick` for a small run, `--rounds=N`,
 * default 3). A full push of N users (Chinese names) to the SCIM sink with the default mappings
 * (no table: `userBody`) and with a table of ten expression mappings (Pinyin, Join, Append,
 * ToLower, Coalesce, Left, Switch, IIF, Trim, Replace), the two interleaved within each round
 * (the order alternating), on the same center and directory. Prints objects/s of each, their
 * ratio per round and its median (goal ≥ 0.9), and the load average over each round. Then the
 * body building alone, in this process, no I/O: µs per user for `userBody` and for the table
 * (a figure the machine's load disturbs less than the push's).
 */
import type { DirectoryUser } from '../lib/hooks/directory.js';
import type { AttributeMapping } from '../lib/sources/source-types.js';
import { URN } from '../lib/scim/urns.js';
import { compileUserMappings } from '../lib/mappings/user-mapping.js';
import { normalizeUser } from '../lib/mirror/normalize.js';
import { userBody } from '../lib/push/bodies.js';
import { LoadWindow } from './support/machine.js';
import { createBenchCenter, measuredRun, pushSource, removeSource, type MeasuredRun } from './support/push-center.js';
import { PushDirectory } from './support/push-directory.js';
import { intArgument, median } from './support/stats.js';
import { startSink } from './scim-sink.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = intArgument('rounds', 3);
const USERS = QUICK ? 3_000 : 20_000;
const ORGS = QUICK ? 60 : 200;

const SURNAMES = ['张', '王', '李', '赵', '曾', '单', '欧阳', '陈'];
const GIVEN = ['伟', '芳', '小明', '秀英', '建国', '丽', '晓东', '静'];

/** The push benchmark's directory with Chinese names, so Pinyin has real work to do. */
class ChineseDirectory extends PushDirectory {
  override user(index: number, version = this.version): DirectoryUser {
    const user = super.user(index, version);
    const familyName = SURNAMES[index % SURNAMES.length]!;
    const givenName = GIVEN[Math.floor(index / SURNAMES.length) % GIVEN.length]!;
    return { ...user, displayName: `${familyName}${givenName}`, name: { givenName, familyName }, locale: index % 3 === 0 ? 'zh-CN' : 'en-US' };
  }
}

const TEN_MAPPINGS: AttributeMapping[] = [
  { target: 'externalId', expression: 'Coalesce([externalId], [id])' },
  { target: 'userName', expression: 'ToLower([userName])' },
  { target: 'displayName', expression: 'Pinyin([displayName], " ")' },
  { target: 'name.givenName', expression: 'Pinyin([name.givenName])' },
  { target: 'name.familyName', expression: 'Pinyin([name.familyName])' },
  { target: 'emails[type eq "work"].value', expression: 'Append(Join(".", Pinyin([name.familyName]), Pinyin([name.givenName])), "@corp.example")' },
  { target: 'title', expression: 'Trim(Replace([title], "  ", " "))' },
  { target: 'nickName', expression: 'Left([userName], 8)' },
  { target: 'preferredLanguage', expression: 'Switch([locale], "en", "zh-CN", "zh", "en-US", "en")' },
  { target: `${URN.enterpriseUser}:employeeNumber`, expression: 'IIF(IsPresent([employeeNumber]), [employeeNumber], [id])' },
];

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

/** µs per body, `userBody` vs the ten-row table, over the directory's users (median of 5 passes). */
function bodyCost(directory: PushDirectory): void {
  const users = Array.from({ length: USERS }, (_, index) => normalizeUser(directory.user(index)));
  const refs = { orgRef: (id: string) => id, managerRef: () => undefined, extensions: { enterprise: true, orgs: true } };
  const mapper = compileUserMappings(TEN_MAPPINGS);
  const plain: number[] = [];
  const mapped: number[] = [];
  for (let pass = 0; pass < 5; pass += 1) {
    let started = performance.now();
    for (const user of users) userBody(user, refs);
    plain.push(((performance.now() - started) * 1000) / users.length);
    started = performance.now();
    for (const user of users) mapper.map(user, refs, { creating: true });
    mapped.push(((performance.now() - started) * 1000) / users.length);
  }
  console.log(`body building alone: userBody ${median(plain).toFixed(2)} µs/user, ten mappings ${median(mapped).toFixed(2)} µs/user (load ${new LoadWindow().start.toFixed(2)})`);
}

await main();
