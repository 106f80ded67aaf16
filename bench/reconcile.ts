/**
 * Reconcile benchmark: fills an empty sqlite mirror from a synthetic directory of 10k and 100k
 * users (one org per ten users, a tree ten wide), once with knex over `sqlite3` and once over
 * `better-sqlite3`. Each case runs in its own child process so that peak RSS is its own.
 * `better-sqlite3` is not a dependency (a plain `npm install` need not compile it): without it
 * the comparison is skipped, with a line saying how to add it.
 *
 *   npm install --no-save better-sqlite3@12   # once, for the comparison (13 crashes on Node 20)
 *   npx tsx bench/reconcile.ts            # both drivers, 10k and 100k
 *   npx tsx bench/reconcile.ts --quick    # 2k and 20k, for a fast look
 *
 * Prints the time and peak RSS of each case and the ratios 100k/10k (goals: time ≤ 11, RSS growth ≤ 30 MB).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncCenter } from '../index.js';
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
  const rows: string[] = [];
  const drivers: Driver[] = ['sqlite3'];
  if (betterSqlite3Works()) drivers.push('better-sqlite3');
  else console.log('better-sqlite3 is not installed: comparing with it is skipped. To include it: npm install --no-save better-sqlite3@12\n');
  for (const driver of drivers) {
    const a = runChild(driver, small);
    const b = runChild(driver, large);
    const line = (result: CaseResult) =>
      `${driver.padEnd(15)} ${String(result.users).padStart(7)} users  ${result.seconds.toFixed(2).padStart(7)} s  ${Math.round(result.users / result.seconds)
        .toString()
        .padStart(6)} users/s  peak RSS ${result.peakRssMb.toFixed(0).padStart(4)} MB  (no-change pass ${result.secondPassSeconds.toFixed(2)} s)`;
    console.log(line(a));
    console.log(line(b));
    rows.push(
      `${driver.padEnd(15)} time ratio ${large / 1000}k/${small / 1000}k = ${(b.seconds / a.seconds).toFixed(2)} (goal ≤ 11)   peak RSS growth = ${(b.peakRssMb - a.peakRssMb).toFixed(1)} MB (goal ≤ 30)`,
    );
  }
  console.log('');
  for (const row of rows) console.log(row);
}

await main();
