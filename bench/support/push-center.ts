import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSyncCenter, type SyncCenter } from '../../index.js';
import type { Directory } from '../../lib/hooks/directory.js';
import type { PushOptions } from '../../lib/options.js';
import type { Run } from '../../lib/runs/run-store.js';
import { cpuMeter, type CpuUsed } from './machine.js';
import { PeakRss } from './peak-rss.js';
import type { Sink } from '../scim-sink.js';

export const CONCURRENCY = 4;
const silent = { info() {}, warn() {}, error() {} };

export interface BenchCenter {
  center: SyncCenter;
  close(): Promise<void>;
}

/** A center on a fresh sqlite file in a temporary folder, removed on close. */
export async function createBenchCenter(directory: Directory, push: PushOptions = {}): Promise<BenchCenter> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ssc-bench-'));
  const center = createSyncCenter({
    directory,
    admin: { isAdmin: () => true },
    sqliteFile: path.join(dir, 'bench.sqlite'),
    secretKey: 'bench-secret-key-with-at-least-32-characters',
    allowHttpPush: true,
    allowPrivatePush: true,
    logger: silent,
    push: { concurrency: CONCURRENCY, pageSize: 500, ...push },
  });
  await center.migrate();
  return {
    center,
    async close() {
      await center.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An enabled push source to the sink; its links start empty, so its first run creates everything. */
export async function pushSource(center: SyncCenter, sink: Sink, push: Record<string, unknown> = {}): Promise<string> {
  const { source } = await center.sources.create({
    name: `bench-${Math.random().toString(36).slice(2, 8)}`,
    mode: 'push',
    push: { auth: 'bearer', token: 'bench-token', userUrl: `${sink.url}/Users`, orgUrl: `${sink.url}/Organizations`, orgResource: 'organization', deletionThreshold: null, ...push },
  });
  await center.sources.enable(source.id);
  return source.id;
}

/** Drops a source with its links, so the next round's database is the same size. */
export async function removeSource(center: SyncCenter, sourceId: string): Promise<void> {
  await center.sources.disable(sourceId);
  await center.sources.delete(sourceId);
}

export interface MeasuredRun {
  run: Run;
  ms: number;
  /** Highest RSS during the run: the kernel's high-water mark where it can be reset (see PeakRss), else sampled. */
  peakRss: number;
  /** Whether `peakRss` is the kernel's exact figure (false: the highest of 20 ms samples). */
  peakExact: boolean;
  /** RSS when the run started (what earlier work in this process left). */
  startRss: number;
  /** Highest V8 heap (heapTotal) sampled every 20 ms: what of the RSS peak is the JavaScript heap. */
  peakHeap: number;
  /** V8 heap in use when the run started (after a full GC, when the caller ran one). */
  startHeapUsed: number;
  cpu: CpuUsed;
}

/** One full sync of the source (run `options` such as `trustLinks`), timed from start() to settled, with its RSS peak and CPU. */
export async function measuredRun(center: SyncCenter, sourceId: string, options?: Record<string, unknown>): Promise<MeasuredRun> {
  const start = process.memoryUsage();
  let peakHeap = start.heapTotal;
  const heapSampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapTotal);
  }, 20);
  const rss = new PeakRss();
  const cpu = cpuMeter();
  const started = performance.now();
  try {
    const run = await center.runs.settled((await center.runs.start(sourceId, { options })).id);
    const ms = performance.now() - started;
    if (!run) throw new Error(`run of ${sourceId} vanished`);
    const used = cpu();
    const peak = rss.peak();
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapTotal);
    return { run, ms, cpu: used, startRss: start.rss, peakRss: peak.bytes, peakExact: peak.exact, peakHeap, startHeapUsed: start.heapUsed };
  } finally {
    rss.stop();
    clearInterval(heapSampler);
  }
}
