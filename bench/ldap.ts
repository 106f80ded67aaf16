/**
 * LDAP benchmark: writes 10k users in 1k orgs into a throw-away slapd **through the product** (a
 * center with an LDAP push source: a manual sync of its mirror, the engine driving the LDAP
 * connector, links and run log written to sqlite) and through the bare connector (orgs level by
 * level, then the users), against a bare `ldapts` client adding the same entries over the same
 * number of connections with the same number in flight (`--inflight`, the source's concurrency). Each case gets a
 * fresh slapd (dbnosync: with a flush per write both sides wait on the disk alike); the cases alternate over the rounds (`--rounds=N`, default 3). Then it moves an
 * org with 1,000 users below it and counts the modifyDN operations.
 *
 *   npx tsx bench/ldap.ts                 # 10k users, 3 rounds
 *   npx tsx bench/ldap.ts --quick         # 2k users, 1 round
 *   npx tsx bench/ldap.ts --users=100000 --rounds=1  # 100k users in the same 1k orgs
 *
 * Prints the median and min–max of each case's time and of the ratio bare/connector round by
 * round (goal ≥ 0.6), with the load average.
 */
import { Client } from 'ldapts';
import type { RemoteRef } from '../lib/push/connector.js';
import { childDn } from '../lib/connectors/ldap/dn.js';
import { LdapConnector } from '../lib/connectors/ldap/ldap-connector.js';
import { newUserEntry, orgEntry } from '../lib/connectors/ldap/ldap-entries.js';
import { validateLdapSettings } from '../lib/connectors/ldap/ldap-settings.js';
import type { LdapSettings } from '../lib/sources/ldap-destination.js';
import { normalizeOrg, normalizeUser, type MirrorOrgData, type MirrorUserData } from '../lib/mirror/normalize.js';
import { startSlapd, type Slapd } from '../test/support/slapd.js';
import { LoadWindow, loadAverage } from './support/machine.js';
import { createBenchCenter, measuredRun } from './support/push-center.js';
import { PushDirectory } from './support/push-directory.js';
import { intArgument, spreadOf } from './support/stats.js';
import { figure, note, renderTable, type Row } from './support/table.js';

const quick = process.argv.includes('--quick');
const USERS = intArgument('users', quick ? 2000 : 10_000);
const ORGS = intArgument('orgs', quick ? 200 : 1000);
const ROUNDS = intArgument('rounds', quick ? 1 : 3);
const CONNECTIONS = intArgument('connections', 4);
const INFLIGHT = intArgument('inflight', 16);

interface Tree {
  /** Level by level: every org's parent is in an earlier level. */
  levels: MirrorOrgData[][];
  users: MirrorUserData[];
}

/** The benchmark directory's orgs (ten roots, each org under a smaller one) and users, as the mirror holds them. */
function tree(directory: PushDirectory): Tree {
  const all = Array.from({ length: directory.orgCount }, (_, index) => normalizeOrg(directory.org(index)));
  const depth = new Map<string, number>();
  const levels: MirrorOrgData[][] = [];
  for (const org of all) {
    const level = org.parentId ? depth.get(org.parentId)! + 1 : 0;
    depth.set(org.id, level);
    (levels[level] ??= []).push(org);
  }
  return { levels, users: Array.from({ length: directory.userCount }, (_, index) => normalizeUser(directory.user(index))) };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inFlight<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function settingsFor(slapd: Slapd): LdapSettings {
  return validateLdapSettings({ url: slapd.url, tls: 'startTls', ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, connections: CONNECTIONS }, { allowPlain: false });
}

async function throughConnector(slapd: Slapd, data: Tree): Promise<number> {
  const connector = new LdapConnector(settingsFor(slapd), { bindPassword: slapd.rootPassword });
  const links = new Map<string, RemoteRef>();
  const started = performance.now();
  for (const level of data.levels) {
    await inFlight(level, INFLIGHT, async (org) => {
      links.set(org.id, (await connector.create({ kind: 'org', data: org }, { parent: org.parentId ? links.get(org.parentId) : undefined })).ref);
    });
  }
  await inFlight(data.users, INFLIGHT, async (user) => {
    links.set(user.id, (await connector.create({ kind: 'user', data: user }, { parent: links.get(user.primaryOrgId!) })).ref);
  });
  const seconds = (performance.now() - started) / 1000;
  await connector.close();
  return seconds;
}

/** A manual sync of an LDAP source through a center whose mirror holds the directory (read in before the clock starts). */
async function throughProduct(slapd: Slapd, directory: PushDirectory): Promise<{ seconds: number; cpuUs: number; failed: number }> {
  const bench = await createBenchCenter(directory);
  try {
    await bench.center.reconcile({ pageSize: 1000 });
    const { source } = await bench.center.sources.create({
      name: 'bench-ldap',
      protocol: 'ldap',
      mode: 'push',
      push: { ldap: { url: slapd.url, tls: 'startTls', ca: slapd.ca, bindDn: slapd.rootDn, baseDn: slapd.suffix, connections: CONNECTIONS }, bindPassword: slapd.rootPassword, concurrency: INFLIGHT, deletionThreshold: null },
    });
    await bench.center.sources.enable(source.id);
    const measured = await measuredRun(bench.center, source.id);
    const objects = directory.userCount + directory.orgCount;
    return { seconds: measured.ms / 1000, cpuUs: measured.cpu.processUs / objects, failed: measured.run.failed + (measured.run.status === 'succeeded' ? 0 : 1) };
  } finally {
    await bench.close();
  }
}

/** The same entries, DNs worked out from the tree, sent by plain ldapts clients. */
async function bare(slapd: Slapd, data: Tree): Promise<number> {
  const settings = settingsFor(slapd);
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const client = new Client({ url: slapd.url, timeout: 15_000 });
      await client.startTLS({ ca: [slapd.ca] });
      await client.bind(slapd.rootDn, slapd.rootPassword);
      return client;
    }),
  );
  let turn = 0;
  const client = () => clients[(turn = (turn + 1) % clients.length)]!;
  const dns = new Map<string, string>();
  const started = performance.now();
  for (const level of data.levels) {
    await inFlight(level, INFLIGHT, async (org) => {
      const dn = childDn('ou', org.name, org.parentId ? dns.get(org.parentId)! : slapd.suffix);
      dns.set(org.id, dn);
      await client().add(dn, orgEntry(settings, org));
    });
  }
  await inFlight(data.users, INFLIGHT, async (user) => {
    await client().add(childDn('uid', user.userName, dns.get(user.primaryOrgId!)!), newUserEntry(settings, user, true) as Record<string, string[]>);
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((each) => each.unbind()));
  return seconds;
}

async function withSlapd<T>(work: (slapd: Slapd) => Promise<T>): Promise<T> {
  const slapd = await startSlapd({ syncWrites: false });
  try {
    return await work(slapd);
  } finally {
    await slapd.stop();
  }
}

/** An org with ten suborgs of 100 users each moved under another org: the modifyDN operations it costs. */
async function orgMove(): Promise<{ modifyDN: number; movedEntries: number; seconds: number }> {
  return withSlapd(async (slapd) => {
    const connector = new LdapConnector(settingsFor(slapd), { bindPassword: slapd.rootPassword });
    const links = new Map<string, RemoteRef>();
    const orgs = [
      normalizeOrg({ id: 'a', name: 'A', order: 0 }),
      normalizeOrg({ id: 'b', name: 'B', order: 1 }),
      ...Array.from({ length: 10 }, (_, index) => normalizeOrg({ id: `a${index}`, name: `A${index}`, parentId: 'a', order: index })),
    ];
    for (const org of orgs) links.set(org.id, (await connector.create({ kind: 'org', data: org }, { parent: org.parentId ? links.get(org.parentId) : undefined })).ref);
    const users = Array.from({ length: 1000 }, (_, index) => normalizeUser({ id: `u${index}`, userName: `u${index}`, orgIds: [`a${index % 10}`] }));
    await inFlight(users, INFLIGHT, async (user) => {
      await connector.create({ kind: 'user', data: user }, { parent: links.get(user.primaryOrgId!) });
    });
    const before = connector.counts.modifyDN;
    const started = performance.now();
    await connector.move(links.get('a')!, { kind: 'org', data: { ...orgs[0]!, parentId: 'b' } }, { parent: links.get('b') });
    const seconds = (performance.now() - started) / 1000;
    const admin = await slapd.admin();
    const { searchEntries } = await admin.search(`ou=A,ou=B,${slapd.suffix}`, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['1.1'] });
    await admin.unbind();
    await connector.close();
    return { modifyDN: connector.counts.modifyDN - before, movedEntries: searchEntries.length, seconds };
  });
}

const directory = new PushDirectory(USERS, ORGS);
const data = tree(directory);
const entries = USERS + ORGS;
const cases = ['bare', 'connector', 'product'] as const;
const times = { connector: [] as number[], bare: [] as number[], product: [] as number[], ratio: [] as number[], productRatio: [] as number[], cpu: [] as number[] };
const load = new LoadWindow();
let failures = 0;
for (let round = 0; round < ROUNDS; round += 1) {
  // Rotate which goes first, so a warming machine favours none.
  const order = cases.map((_, index) => cases[(index + round) % cases.length]!);
  const seconds: Record<string, number> = {};
  for (const which of order) {
    seconds[which] = await withSlapd(async (slapd) => {
      if (which === 'bare') return bare(slapd, data);
      if (which === 'connector') return throughConnector(slapd, data);
      const product = await throughProduct(slapd, directory);
      times.cpu.push(product.cpuUs);
      failures += product.failed;
      return product.seconds;
    });
  }
  times.connector.push(seconds.connector!);
  times.bare.push(seconds.bare!);
  times.product.push(seconds.product!);
  times.ratio.push(seconds.bare! / seconds.connector!);
  times.productRatio.push(seconds.bare! / seconds.product!);
  console.log(`round ${round + 1} (load ${loadAverage().toFixed(2)}): bare ${seconds.bare!.toFixed(2)} s, connector ${seconds.connector!.toFixed(2)} s, product ${seconds.product!.toFixed(2)} s; bare/product ${(seconds.bare! / seconds.product!).toFixed(2)}`);
}
load.close();
const moveLoad = new LoadWindow();
const move = await orgMove();
moveLoad.close();

const rows: Row[] = [
  figure(`bare ldapts: ${USERS} users + ${ORGS} orgs (s)`, spreadOf(times.bare), 2, load.toString()),
  figure(`product (manual sync of an LDAP source): the same (s)`, spreadOf(times.product), 2, load.toString()),
  figure(`product entries/s`, spreadOf(times.product.map((value) => entries / value)), 0, load.toString()),
  figure('product process CPU per entry (µs)', spreadOf(times.cpu), 0, load.toString()),
  figure('ratio bare/product', spreadOf(times.productRatio), 2, load.toString(), '≥ 0.6', (value) => value >= 0.6),
  figure(`bare connector (no engine): the same (s)`, spreadOf(times.connector), 2, load.toString()),
  figure('ratio bare/connector', spreadOf(times.ratio), 2, load.toString()),
  note('org move, 1,000 users below: modifyDN ops', `${move.modifyDN} (${move.movedEntries} users moved, ${move.seconds.toFixed(2)} s)`, moveLoad.toString(), '≤ 1 per entry, 1 with subtree rename', move.modifyDN === 1 && move.movedEntries === 1000),
];
console.log(`\n${CONNECTIONS} connections, ${INFLIGHT} operations in flight, StartTLS, slapd back-mdb with dbnosync\n`);
console.log(renderTable(rows));
if (failures > 0) console.log(`\nPROBLEM: the product's runs had ${failures} failures: the figures do not count`);
if (failures > 0 || rows.some((row) => row.result === 'MISSED')) process.exitCode = 1;
