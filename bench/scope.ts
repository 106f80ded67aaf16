/**
 * Scope benchmark: `npx tsx bench/scope.ts` (`--quick` for 20k users, `--rounds=N`, default 2).
 * 100k users in 10 subtrees of equal size (10 roots, 10 orgs under each); in each round, against
 * the bench sink (bench/scim-sink.ts, a child process on 127.0.0.1), an unscoped full push and a
 * full push scoped to one subtree (10 % of the users), interleaved, each on a fresh source (empty
 * links, so each creates what it covers). Prints time(scoped) ÷ time(unscoped), per round and its
 * median, goal ≤ 0.2; that the scoped push sent only its subtree; and the query plan of a user
 * filter scope query (EXPLAIN QUERY PLAN on sqlite): one pass over an index or the table, no
 * per-user round trip. Every figure comes with the load average.
 */
import type { Knex } from 'knex';
import type { Directory, DirectoryOrg, DirectoryPage, DirectoryPageRequest, DirectoryUser } from '../lib/hooks/directory.js';
import { compileUserScope } from '../lib/scim/query/source-scope.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { createBenchCenter, measuredRun, pushSource, removeSource } from './support/push-center.js';
import { intArgument, spreadOf } from './support/stats.js';
import { figure, note, renderTable, type Row } from './support/table.js';
import { startSink } from './scim-sink.js';

const QUICK = process.argv.includes('--quick');
const USERS = QUICK ? 20_000 : 100_000;
const ROUNDS = intArgument('rounds', 2);
const SUBTREES = 10;
const CHILDREN = 10;
const TRUST_LINKS = { trustLinks: true };

/** Root r is `root<r>`; its children `org<r>-<c>`; user i is in child (i / 10) % 10 of root i % 10. */
class SubtreeDirectory implements Directory {
  readonly orgs: DirectoryOrg[] = [];

  constructor(readonly userCount: number) {
    for (let root = 0; root < SUBTREES; root += 1) {
      this.orgs.push({ id: `root${root}`, name: `Subtree ${root}`, order: root });
      for (let child = 0; child < CHILDREN; child += 1) this.orgs.push({ id: `org${root}-${child}`, name: `Team ${root}.${child}`, parentId: `root${root}`, order: child });
    }
  }

  user(index: number): DirectoryUser {
    return {
      id: `user${String(index).padStart(7, '0')}`,
      userName: `user${index}@bench.example`,
      displayName: `User ${index}`,
      emails: [{ value: `user${index}@bench.example`, type: 'work', primary: true }],
      title: index % 3 === 0 ? 'Engineer' : 'Sales Rep',
      orgIds: [`org${index % SUBTREES}-${Math.floor(index / SUBTREES) % CHILDREN}`],
    };
  }

  listUsers({ cursor, limit }: DirectoryPageRequest): DirectoryPage<DirectoryUser> {
    const start = cursor ? Number(cursor) : 0;
    const end = Math.min(this.userCount, start + limit);
    const items: DirectoryUser[] = [];
    for (let index = start; index < end; index += 1) items.push(this.user(index));
    return { items, nextCursor: end < this.userCount ? String(end) : null };
  }

  listOrgs({ cursor, limit }: DirectoryPageRequest): DirectoryPage<DirectoryOrg> {
    const start = cursor ? Number(cursor) : 0;
    return { items: this.orgs.slice(start, start + limit), nextCursor: start + limit < this.orgs.length ? String(start + limit) : null };
  }
}

async function queryPlan(knex: Knex): Promise<string[]> {
  const query = compileUserScope(knex, { orgIds: ['root3'], userFilter: 'title eq "Engineer" and active eq true' }).idsQuery().toSQL().toNative();
  const rows: Array<{ detail: string }> = await knex.raw(`EXPLAIN QUERY PLAN ${query.sql}`, query.bindings as Knex.RawBinding[]);
  return rows.map((row) => row.detail);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const problems: string[] = [];
  const directory = new SubtreeDirectory(USERS);
  const bench = await createBenchCenter(directory);
  const { center } = bench;
  const seeded = await center.reconcile();
  console.log(`seeded ${USERS} users in ${directory.orgs.length} orgs (${JSON.stringify(seeded).slice(0, 120)}…), load ${loadAverage().toFixed(2)}`);
  const sink = await startSink();
  const load = new LoadWindow();
  const ratios: number[] = [];
  const scopedMs: number[] = [];
  const fullMs: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      // Interleaved, and the order alternates so neither always runs on a warmer machine.
      const order = round % 2 === 0 ? (['full', 'scoped'] as const) : (['scoped', 'full'] as const);
      const times: Record<string, number> = {};
      for (const kind of order) {
        const sourceId = await pushSource(center, sink, kind === 'scoped' ? { scope: { orgIds: ['root3'] } } : {});
        const before = (await sink.stats()).writes;
        const measured = await measuredRun(center, sourceId, TRUST_LINKS);
        const writes = (await sink.stats()).writes - before;
        if (measured.run.status !== 'succeeded') problems.push(`${kind} run ${measured.run.id} ended ${measured.run.status}`);
        const expected = kind === 'scoped' ? USERS / SUBTREES + 1 + CHILDREN : USERS + directory.orgs.length;
        if (writes !== expected) problems.push(`${kind} push wrote ${writes} objects, expected ${expected}`);
        times[kind] = measured.ms;
        console.log(`round ${round + 1} ${kind}: ${(measured.ms / 1000).toFixed(1)} s, ${writes} writes, load ${loadAverage().toFixed(2)}`);
        await removeSource(center, sourceId);
      }
      fullMs.push(times.full!);
      scopedMs.push(times.scoped!);
      ratios.push(times.scoped! / times.full!);
    }
    load.close();
    rows.push(figure(`unscoped full push of ${USERS / 1000}k users (s)`, spreadOf(fullMs.map((ms) => ms / 1000)), 1, load.toString()));
    rows.push(figure(`full push scoped to 1 of 10 subtrees (s)`, spreadOf(scopedMs.map((ms) => ms / 1000)), 2, load.toString()));
    rows.push(figure('time(scoped 10 %) ÷ time(unscoped), per round', spreadOf(ratios), 3, load.toString(), '≤ 0.2', (value) => value <= 0.2));
    const planLoad = new LoadWindow();
    const plan = await queryPlan(center.knex);
    planLoad.close();
    const perUser = plan.some((line) => /CORRELATED/.test(line) && /sync_users/.test(line));
    rows.push(note('user filter scope query plan', plan.join(' ; '), planLoad.toString(), 'one scan or index, no per-user query', !perUser));
  } finally {
    await sink.close();
    await bench.close();
  }
  console.log(renderTable(rows));
  if (problems.length > 0) {
    console.log(`\nproblems:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
