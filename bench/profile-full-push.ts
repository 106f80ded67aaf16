/** Profiling aid: one full push of N users (default 20k), e.g. `node --cpu-prof --import tsx bench/profile-full-push.ts 20000`. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSyncCenter } from '../index.js';
import { startSink } from './scim-sink.js';

const users = Number(process.argv[2] ?? 20_000);
const sink = await startSink();
const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-prof-'));
const center = createSyncCenter({
  directory: {
    listUsers: ({ cursor, limit }) => {
      const start = Number(cursor ?? 0);
      const end = Math.min(users, start + limit);
      const items = [];
      for (let i = start; i < end; i += 1) items.push({ id: `u${String(i).padStart(7, '0')}`, userName: `u${i}@x.example`, displayName: `U ${i}`, emails: [{ value: `u${i}@x.example` }], orgIds: [`o${i % 200}`] });
      return { items, nextCursor: end < users ? String(end) : null };
    },
    listOrgs: () => ({ items: Array.from({ length: 200 }, (_, i) => ({ id: `o${i}`, name: `O ${i}` })) }),
  },
  admin: { isAdmin: () => true },
  sqliteFile: path.join(dir, 'p.sqlite'),
  secretKey: 'bench-secret-key-with-at-least-32-characters',
  allowHttpPush: true,
  allowPrivatePush: true,
  logger: { info() {}, warn() {}, error() {} },
});
await center.migrate();
await center.reconcile({ pageSize: 1000 });
const { source } = await center.sources.create({ name: 'p', mode: 'push', push: { auth: 'bearer', token: 't', userUrl: `${sink.url}/Users`, orgUrl: `${sink.url}/Organizations`, orgResource: 'organization' } });
await center.sources.enable(source.id);
(globalThis as any).gc?.();
const heap0 = process.memoryUsage().heapUsed;
let peak = 0;
let tick = 0;
const sampler = setInterval(() => { const m = process.memoryUsage(); peak = Math.max(peak, m.rss); if (process.env.TRACE_RSS && ++tick % 100 === 0) console.log(`rss ${(m.rss / 1e6).toFixed(0)} heapUsed ${(m.heapUsed / 1e6).toFixed(0)} heapTotal ${(m.heapTotal / 1e6).toFixed(0)} external ${(m.external / 1e6).toFixed(0)} arrayBuffers ${(m.arrayBuffers / 1e6).toFixed(0)}`); }, 20);
const cpu0 = process.cpuUsage();
const started = performance.now();
const run = await center.runs.settled((await center.runs.start(source.id)).id);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
(globalThis as any).gc?.();
console.log(`heap before ${(heap0 / 1e6).toFixed(1)} MB, after GC ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB, peak RSS ${(peak / 1e6).toFixed(0)} MB`);
console.log(`process CPU ${(((cpu.user + cpu.system) / 1000 / ms) * 100).toFixed(0)}% of one core over the run`);
console.log(run?.status, run?.created, `${ms.toFixed(0)} ms`, `${(((users + 200) / ms) * 1000).toFixed(0)} objects/s`);
await center.close();
await sink.close();
rmSync(dir, { recursive: true, force: true });
