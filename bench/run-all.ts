/**
 * Runs every benchmark, one after the other, each in its own process: `npm run bench`, or
 * `npm run bench -- --quick` for a short pass (`--quick` and `--rounds=N` are passed on).
 * `--benchmarks=push,scim-pull` runs some of them only. Exits 1 when any of them failed.
 * multi-instance needs PostgreSQL (SYNC_BENCH_PG_URL); without it, it fails and says so. ldap needs
 * slapd (apt-get install slapd ldap-utils).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadAverage } from './support/machine.js';

const BENCHMARKS = ['reconcile', 'push', 'push-memory', 'mappings', 'scope', 'scim-pull', 'multi-instance', 'ldap'];
const chosen = process.argv.find((arg) => arg.startsWith('--benchmarks='))?.slice(13).split(',') ?? BENCHMARKS;
const unknown = chosen.filter((name) => !BENCHMARKS.includes(name));
if (unknown.length > 0) throw new TypeError(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
const passedOn = process.argv.slice(2).filter((arg) => arg === '--quick' || arg.startsWith('--rounds='));

const outcomes: Array<{ name: string; status: string; seconds: number; load: string }> = [];
for (const name of chosen) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  console.log(`\n## ${name} ${passedOn.join(' ')}\n`);
  const load = loadAverage();
  const started = performance.now();
  // --expose-gc: the benchmarks collect garbage before each measured run when they can.
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...passedOn], { stdio: 'inherit' });
  const status = child.error ? `error: ${child.error.message}` : child.status === 0 ? 'ok' : `FAILED (exit ${child.status ?? child.signal})`;
  outcomes.push({ name, status, seconds: (performance.now() - started) / 1000, load: `${load.toFixed(2)}→${loadAverage().toFixed(2)}` });
}

console.log('\n## summary\n');
console.log('| benchmark | result | time (s) | load start→end |');
console.log('|---|---|---|---|');
for (const outcome of outcomes) console.log(`| ${outcome.name} | ${outcome.status} | ${outcome.seconds.toFixed(0)} | ${outcome.load} |`);
if (outcomes.some((outcome) => outcome.status !== 'ok')) process.exitCode = 1;
