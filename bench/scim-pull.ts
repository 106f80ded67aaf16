/**
 * Pull-mode benchmark: a sqlite mirror of 100k users in 2k orgs, served over real HTTP on
 * 127.0.0.1 and read with undici. Prints one table; every ratio is measured in this run.
 *
 *   npx tsx bench/scim-pull.ts            (USERS=20000 ORGS=400 for a quicker run)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { Pool } from 'undici';
import { createSyncCenter } from '../index.js';
import type { Directory, DirectoryOrg, DirectoryUser } from '../lib/hooks/directory.js';
import { toMirrorRecord } from '../lib/mirror/mirror-rows.js';
import type { MirrorUserData } from '../lib/mirror/normalize.js';
import { toScimUser } from '../lib/scim/presenters.js';
import { orgNameColumns } from '../lib/scim/resources/users.js';
import { URN } from '../lib/scim/urns.js';

const USERS = Number(process.env.USERS ?? 100_000);
const ORGS = Number(process.env.ORGS ?? 2_000);
const CLIENTS = 4;
const LOOKUPS_PER_CLIENT = 1_500;
const LATENCY_SAMPLES = 25;
const CHANGES = 1_000;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const orgId = (n: number) => `org-${pad(n, 5)}`;
const userId = (n: number) => `user-${pad(n, 6)}`;

/** A synthetic host directory, generated page by page (never held in memory at once). */
function syntheticDirectory(): Directory {
  const org = (n: number): DirectoryOrg => ({ id: orgId(n), name: `Department ${n}`, code: `D${n}`, parentId: n === 0 ? null : orgId(Math.floor((n - 1) / 20)), order: n % 20 });
  const user = (n: number): DirectoryUser => ({
    id: userId(n),
    userName: `user${n}@example.com`,
    displayName: `User ${n}`,
    name: { givenName: 'User', familyName: String(n) },
    emails: [{ value: `user${n}@example.com`, type: 'work', primary: true }],
    employeeNumber: `E${n}`,
    orgIds: [orgId(n % ORGS)],
  });
  const page = <T>(count: number, make: (n: number) => T, cursor: string | undefined, limit: number) => {
    const from = cursor === undefined ? 0 : Number(cursor);
    const to = Math.min(count, from + limit);
    return { items: Array.from({ length: to - from }, (_, i) => make(from + i)), nextCursor: to < count ? String(to) : null };
  };
  return {
    listOrgs: ({ cursor, limit }) => page(ORGS, org, cursor, limit),
    listUsers: ({ cursor, limit }) => page(USERS, user, cursor, limit),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-bench-'));
  const center = createSyncCenter({
    database: { client: 'sqlite3', connection: { filename: path.join(dir, 'bench.sqlite') }, useNullAsDefault: true },
    directory: syntheticDirectory(),
    admin: { isAdmin: () => false },
    secretKey: 'bench-secret-key-with-at-least-32-characters',
    pullRateLimit: { requestsPerMinute: 1e9 },
    logger: { info() {}, warn() {}, error: console.error },
  });
  const rows: Array<[string, string, string, string]> = [];
  try {
    await center.migrate();
    let started = performance.now();
    await center.reconcile({ pageSize: 2_000 });
    const fillSeconds = (performance.now() - started) / 1000;
    const { source, credentials } = await center.sources.create({ name: 'Bench', mode: 'pull' });
    await center.sources.enable(source.id);

    const app = express();
    app.use('/sync', center.router);
    // The baseline: the same indexed SELECT (with the department and organization names the
    // SCIM server reads alongside) and the same JSON, with no auth, scope, log or limits.
    const queryContext = { knex: center.knex, dialect: 'sqlite' as const, scopeOrgIds: [], tombstoneCutoff: '' };
    app.get('/bare/Users', async (req, res) => {
      const row = await center
        .knex('sync_users as u')
        .select('u.*', ...orgNameColumns(queryContext))
        .whereRaw('lower(u.user_name) = lower(?)', [String(req.query.userName)])
        .whereNull('u.deleted_at')
        .first();
      const base = { base: `${req.protocol}://${req.get('host')}/sync/scim/v2` };
      const resources = row
        ? [
            toScimUser(
              toMirrorRecord<MirrorUserData>(row),
              { orgIds: JSON.parse(row.data).orgIds, primaryOrgId: row.primary_org_id, department: row.ssc_department, organization: row.ssc_organization, managerVisible: false },
              base,
            ),
          ]
        : [];
      res.type('application/scim+json').json({ schemas: [URN.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pool = new Pool(origin, { connections: CLIENTS });
    const auth = { authorization: `Bearer ${credentials!.token}` };
    const get = async (pathname: string, headers: Record<string, string> = auth) => {
      const response = await pool.request({ method: 'GET', path: pathname, headers });
      const body = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${pathname} → ${response.statusCode}: ${body.slice(0, 200)}`);
      return body;
    };

    // (a) userName eq lookups per second, SCIM versus the bare route, a few concurrent clients.
    const lookups = async (url: (n: number) => string, headers?: Record<string, string>) => {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          for (let i = 0; i < LOOKUPS_PER_CLIENT; i += 1) await get(url((client * 7919 + i * 104_729) % USERS), headers);
        }),
      );
      return (CLIENTS * LOOKUPS_PER_CLIENT) / ((performance.now() - t0) / 1000);
    };
    const scimLookup = (n: number) => `/sync/scim/v2/Users?filter=${encodeURIComponent(`userName eq "USER${n}@example.com"`)}`;
    const bareLookup = (n: number) => `/bare/Users?userName=${encodeURIComponent(`USER${n}@example.com`)}`;
    await lookups(scimLookup);
    await lookups(bareLookup, {}); // warm both
    const scimRate = await lookups(scimLookup);
    const bareRate = await lookups(bareLookup, {});
    rows.push(['(a) userName eq lookups/s', `SCIM ${scimRate.toFixed(0)} vs bare ${bareRate.toFixed(0)}`, (scimRate / bareRate).toFixed(2), '≥ 0.5']);

    // (b) a deep page against the first page.
    const pageLatency = async (startIndex: number) => {
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
        const t0 = performance.now();
        await get(`/sync/scim/v2/Users?startIndex=${startIndex}&count=100`);
        samples.push(performance.now() - t0);
      }
      return median(samples);
    };
    const deepIndex = USERS - 99;
    await pageLatency(1);
    const firstPage = await pageLatency(1);
    const deepPage = await pageLatency(deepIndex);
    rows.push([`(b) page at startIndex ${deepIndex} vs first (median ms)`, `${deepPage.toFixed(1)} vs ${firstPage.toFixed(1)}`, (deepPage / firstPage).toFixed(2), '≤ 2']);

    // (c) an incremental page after 1k changes.
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let batch = 0; batch < CHANGES; batch += 250) {
      await center.changes.apply(
        Array.from({ length: 250 }, (_, i) => {
          const n = ((batch + i) * 97) % USERS;
          return { type: 'userUpserted' as const, user: { id: userId(n), userName: `user${n}@example.com`, title: 'Changed', orgIds: [orgId(n % ORGS)] } };
        }),
      );
    }
    const incremental = `/sync/scim/v2/Users?count=100&filter=${encodeURIComponent(`meta.lastModified gt "${before}"`)}`;
    const total = JSON.parse(await get(incremental)).totalResults as number;
    const incrementalSamples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
      const t0 = performance.now();
      await get(incremental);
      incrementalSamples.push(performance.now() - t0);
    }
    rows.push([`(c) meta.lastModified gt page after ${CHANGES} changes`, `${median(incrementalSamples).toFixed(1)} ms, totalResults ${total}`, '—', `${CHANGES} found`]);

    // (d) peak RSS while one client pages through every user.
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    started = performance.now();
    let seen = 0;
    const rssAt: number[] = [];
    for (let startIndex = 1; startIndex <= USERS; startIndex += 1000) {
      seen += (JSON.parse(await get(`/sync/scim/v2/Users?startIndex=${startIndex}&count=1000`)).Resources as unknown[]).length;
      if (startIndex % 20_001 === 1) rssAt.push(process.memoryUsage().rss);
    }
    clearInterval(sampler);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    rows.push([
      `(d) RSS paging all ${seen} users (count=1000)`,
      `before ${mb(rssBefore)}, peak ${mb(peak)}, at 0/20/40/60/80%: ${rssAt.map(mb).join(' ')}`,
      `${((peak - rssBefore) / 1024 / 1024).toFixed(0)} MB growth`,
      'flat',
    ]);
    rows.push(['(fill) reconcile into the mirror', `${USERS} users, ${ORGS} orgs in ${fillSeconds.toFixed(1)} s`, '—', '—']);
    rows.push(['(d) full pass', `${((performance.now() - started) / 1000).toFixed(1)} s for ${USERS / 1000} pages`, '—', '—']);

    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  } finally {
    await center.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2, 3].map((column) => Math.max(...[['measure', 'result', 'ratio', 'goal'], ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(['measure', 'result', 'ratio', 'goal']));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
