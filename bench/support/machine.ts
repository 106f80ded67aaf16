import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/** The 1-minute load average, from /proc/loadavg (os.loadavg() elsewhere). */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return os.loadavg()[0]!;
  }
}

/** Records the load average when a part of a benchmark starts and ends, to print beside its figures. */
export class LoadWindow {
  readonly start = loadAverage();
  end = this.start;

  close(): this {
    this.end = loadAverage();
    return this;
  }

  toString(): string {
    return `${this.start.toFixed(2)}→${this.end.toFixed(2)}`;
  }
}

/** CPU used between `cpuMeter()` and calling the function it returns. */
export interface CpuUsed {
  /** User + system CPU of the whole process (every thread: main, libuv pool, GC helpers), from process.cpuUsage(). */
  processUs: number;
  /** User + system CPU of the main thread alone, from /proc/self/task/<pid>/stat (10 ms ticks); null off Linux. */
  mainThreadUs: number | null;
  /** performance.eventLoopUtilization(): share of wall time the main thread's event loop was not waiting for I/O. */
  eventLoopBusy: number;
}

/** Linux reports thread times in USER_HZ ticks, 100 per second on every architecture node runs on. */
const MICROSECONDS_PER_TICK = 10_000;

function mainThreadTicks(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

export function cpuMeter(): () => CpuUsed {
  const process0 = process.cpuUsage();
  const main0 = mainThreadTicks();
  const loop0 = performance.eventLoopUtilization();
  return () => {
    const used = process.cpuUsage(process0);
    const main1 = mainThreadTicks();
    return {
      processUs: used.user + used.system,
      mainThreadUs: main0 === null || main1 === null ? null : (main1 - main0) * MICROSECONDS_PER_TICK,
      eventLoopBusy: performance.eventLoopUtilization(loop0).utilization,
    };
  };
}
