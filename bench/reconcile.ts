/**
 * Reconcile benchmark: fills an empty sqlite mirror from a synthetic directory of 10k and 100k
 * users (one org per ten users, a tree ten wide), once with knex over `sqlite3` and once over
 * `better-sqlite3`. Each case runs in its own child process so that peak RSS is its own; the
 * cases are interleaved over several rounds (`--rounds=N`, default 3). `better-sqlite3` is not a
 * dependency (a plain `npm install` need not compile it): without it the comparison is skipped,
 * with a line saying how to add it.
 *
 *   npm install --no-save better-sqlite3@12   # once, for the comparison (13 crashes on Node 20)
 *   npx tsx bench/reconcile.ts            # both drivers, 10k and 100k
 *   npx tsx bench/reconcile.ts --quick    # 2k and 20k, for a fast look
 *
 * Prints, per driver, the median and min–max over the rounds of the time and peak RSS of each
 * size and of the ratios 100k/10k taken round by round (goals: time ≤ 11, RSS growth ≤ 30 MB),
 * with the load average when the rounds started and ended.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncCenter } from '../index.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { intArgument, spreadOf } from './support/stats.js';
import { figure, renderTable, type Row } from './support/table.js';
import { syntheticDirectory } from './support/synthetic-directory.js';

type Driver = 'sqlite3' | 'better-sqlite3';
interface CaseResult {
  driver: Driver;
  users: number;
  seconds: number;
  peakRssMb: number;
  baselineRssMb: number;
  secondPassSeconds: number;
}

const silent = { info() {}, warn() {}, error() {} };

async function runCase(driver: Driver, users: number): Promise<CaseResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-bench-'));
  const center = createSyncCenter({
    directory: syntheticDirectory(users, Math.max(1, users / 10)),
    admin: { isAdmin: () => false },
    database: { client: driver, connection: { filename: path.join(dir, 'mirror.sqlite') }, useNullAsDefault: true },
    secretKey: 'benchmark-secret-key-of-at-least-32-characters',
    logger: silent,
  });
  await center.migrate();
  global.gc?.();
  const baselineRssMb = process.memoryUsage().rss / 2 ** 20;
  let peak = baselineRssMb;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20)), 20);
  const started = performance.now();
  const report = await center.reconcile();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
  if (report.users.created !== users) throw new Error(`expected ${users} users created, got ${report.users.created}`);
  const again = performance.now();
  const second = await center.reconcile();
  const secondPassSeconds = (performance.now() - again) / 1000;
  if (second.users.unchanged !== users) throw new Error('second pass changed something');
  await center.close();
  rmSync(dir, { recursive: true, force: true });
  return { driver, users, seconds, peakRssMb: peak, baselineRssMb, secondPassSeconds };
}

function runChild(driver: Driver, users: number): CaseResult {
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', driver, String(users)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').pop()!) as CaseResult;
}

/** Whether knex can open a database with `better-sqlite3`: installed, and its native part built. */
function betterSqlite3Works(): boolean {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (filename: string) => { close(): void };
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    console.log(JSON.stringify(await runCase(args[1] as Driver, Number(args[2]))));
    return;
  }
  const [small, large] = args.includes('--quick') ? [2_000, 20_000] : [10_000, 100_000];
  const rounds = intArgument('rounds', 3);
  const drivers: Driver[] = ['sqlite3'];
  if (betterSqlite3Works()) drivers.push('better-sqlite3');
  else console.log('better-sqlite3 is not installed: comparing with it is skipped. To include it: npm install --no-save better-sqlite3@12\n');
  const startLoad = loadAverage();
  const load = new LoadWindow();
  const results = new Map<Driver, Array<{ small: CaseResult; large: CaseResult }>>(drivers.map((driver) => [driver, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const driver of drivers) results.get(driver)!.push({ small: runChild(driver, small), large: runChild(driver, large) });
    process.stderr.write(`reconcile: round ${round} done\n`);
  }
  const at = load.close().toString();
  const rows: Row[] = [];
  for (const driver of drivers) {
    const over = (value: (pair: { small: CaseResult; large: CaseResult }) => number) => spreadOf(results.get(driver)!.map(value));
    rows.push(
      figure(`${driver}: ${small} users (s)`, over((pair) => pair.small.seconds), 2, at),
      figure(`${driver}: ${large} users (s)`, over((pair) => pair.large.seconds), 2, at),
      figure(`${driver}:   ${large} users/s`, over((pair) => pair.large.users / pair.large.seconds), 0, at),
      figure(`${driver}:   no-change pass of ${large} (s)`, over((pair) => pair.large.secondPassSeconds), 2, at),
      figure(`${driver}:   time ${large / 1000}k/${small / 1000}k, round by round`, over((pair) => pair.large.seconds / pair.small.seconds), 2, at, '<= 11', (v) => v <= 11),
      figure(`${driver}:   peak RSS at ${small} (MB)`, over((pair) => pair.small.peakRssMb), 0, at),
      figure(`${driver}:   peak RSS at ${large} (MB)`, over((pair) => pair.large.peakRssMb), 0, at),
      figure(`${driver}:   peak RSS growth, round by round (MB)`, over((pair) => pair.large.peakRssMb - pair.small.peakRssMb), 1, at, '<= 30', (v) => v <= 30),
    );
  }
  console.log(`Reconcile benchmark: ${rounds} rounds, each case in its own process`);
  console.log(`load average (1 min) at start ${startLoad.toFixed(2)}, at end ${loadAverage().toFixed(2)}`);
  console.log('');
  console.log(renderTable(rows));
}

await main();
