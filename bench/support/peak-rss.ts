import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The highest RSS of this process between `start()` and `peak()`. On Linux that is the kernel's
 * own high-water mark (VmHWM, reset by writing 5 to /proc/self/clear_refs), exact whatever
 * happens between two samples; elsewhere, or when the reset is refused, the highest of samples
 * taken every 20 ms (which can miss a peak shorter than that, or one while the event loop is busy).
 */
export class PeakRss {
  #sampled: number;
  #kernel = false;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#sampled = process.memoryUsage().rss;
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      this.#kernel = highWaterMark() !== null;
    } catch {
      this.#kernel = false;
    }
    this.#timer = setInterval(() => this.sample(), 20);
  }

  sample(): void {
    this.#sampled = Math.max(this.#sampled, process.memoryUsage().rss);
  }

  /** The peak so far (bytes), and how it was measured. */
  peak(): { bytes: number; exact: boolean } {
    this.sample();
    const kernel = this.#kernel ? highWaterMark() : null;
    return kernel === null ? { bytes: this.#sampled, exact: false } : { bytes: Math.max(kernel, this.#sampled), exact: true };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

function highWaterMark(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
