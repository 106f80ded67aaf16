import { sleep } from '../../util/sleep.js';
import { engineMessage } from '../../i18n/engine-message.js';
import { TransientPushError } from './errors.js';

/**
 * Flow control for one source: a bounded number of requests in flight (Semaphore) and a
 * request rate (AdaptiveRateLimiter) that honours `Retry-After` and learns the downstream's limit.
 */

export type Release = () => void;

/** At most `max` holders at once; waiters are served in order. */
export class Semaphore {
  #active = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(private max: number) {}

  setMax(max: number): void {
    this.max = Math.max(1, max);
    this.#drain();
  }

  get active(): number {
    return this.#active;
  }

  /** Holders allowed at once. */
  get limit(): number {
    return this.max;
  }

  async acquire(): Promise<Release> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    else this.#active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active -= 1;
      this.#drain();
    };
  }

  /** Runs `work` holding one place, released however it ends. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  #drain(): void {
    while (this.#active < this.max && this.#waiters.length > 0) {
      this.#active += 1;
      this.#waiters.shift()!();
    }
  }
}

export interface RateLimiterOptions {
  /** The admin's ceiling in requests per second; null or 0 for none (the limiter still learns from 429s). */
  ratePerSecond?: number | null;
  now?: () => number;
  /** How a wait is slept; it must end early when `signal` aborts. @default a bounded timer */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  /** The longest pause a throttle may impose (`push.maxRetryAfterMs`). @default one hour */
  maxPauseMs?: number;
  /** Aborted when the center closes: every wait ends and its request is not sent. */
  signal?: AbortSignal;
}

const WINDOW_MS = 1000;
/** After a 429 we settle just under the rate the downstream accepted, then probe upwards slowly. */
const SETTLE_FACTOR = 0.98;
const FAST_GROWTH = 0.05;
const PROBE_GROWTH = 0.002;
/** After a throttle, hold just under the learned ceiling this long before probing above it. */
const HOLD_DOWN_MS = 60_000;
const DEFAULT_PAUSE_MS = 1000;
const DEFAULT_MAX_PAUSE_MS = 3_600_000;
/** Fewer accepted requests than this in the last window say nothing about the downstream's limit. */
const MIN_SAMPLE = 10;

/**
 * A GCRA limiter whose rate adapts like TCP congestion control: unlimited (or the configured
 * rate) until the downstream throttles; then just under the rate it accepted during the last
 * second, growing quickly back to that ceiling and only slowly beyond it. A `Retry-After` pauses
 * every request of the source until it has passed.
 */
export class AdaptiveRateLimiter {
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<unknown>;
  readonly #maxPauseMs: number;
  /** Ends every wait: the center closes, or the source's client is replaced. */
  readonly #closed = new AbortController();
  #configured: number;
  #rate: number;
  #ceiling = Infinity;
  /** The time the next request may go (GCRA's theoretical arrival time). */
  #nextSlot = 0;
  #throttledAt = 0;
  #lastGrowth: number;
  #pausedUntil = 0;
  /** Accepted requests per 100 ms slot over the last window, to measure what the downstream takes. */
  readonly #slots = new SlotCounter(WINDOW_MS, 10);
  #queue: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
    this.#maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
    const outer = options.signal;
    if (outer?.aborted) this.#closed.abort();
    else outer?.addEventListener('abort', () => this.close(), { once: true });
    this.#configured = options.ratePerSecond && options.ratePerSecond > 0 ? options.ratePerSecond : Infinity;
    this.#rate = this.#configured;
    this.#lastGrowth = this.#now();
  }

  /** The rate currently allowed, requests per second (Infinity: no limit). */
  get rate(): number {
    return this.#rate;
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  setConfiguredRate(ratePerSecond: number | null | undefined): void {
    this.#configured = ratePerSecond && ratePerSecond > 0 ? ratePerSecond : Infinity;
    this.#rate = Math.min(this.#rate === Infinity ? this.#configured : this.#rate, this.#configured);
  }

  /** Ends every wait now and refuses later ones (with a TransientPushError: the requests are retried later). */
  close(): void {
    this.#closed.abort();
  }

  /** Waits for the pause to pass and for a token. Callers are served one at a time, in order. */
  take(): Promise<void> {
    if (this.#closed.signal.aborted) return Promise.reject(closedError());
    // Nothing to wait for (no limit, no pause, nobody queued): no promise chain per request.
    if (this.#rate === Infinity && this.#waiting === 0 && this.#now() >= this.#pausedUntil) return Promise.resolve();
    this.#waiting += 1;
    const turn = this.#queue.then(() => this.#waitForToken()).finally(() => {
      this.#waiting -= 1;
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** The downstream accepted a request. */
  onAccepted(): void {
    const now = this.#now();
    this.#slots.add(now);
    this.#grow(now);
  }

  /** The downstream said "too many" (429, or 503 with Retry-After): pause and slow down. */
  onThrottled(retryAfterMs: number | undefined): void {
    const now = this.#now();
    this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.min(this.#maxPauseMs, retryAfterMs ?? DEFAULT_PAUSE_MS));
    const accepted = this.#slots.count(now);
    if (accepted < MIN_SAMPLE && this.#configured === Infinity && this.#rate === Infinity) return; // too little to learn from: only pause
    const acceptedRate = Math.max(1, accepted * (1000 / WINDOW_MS));
    this.#ceiling = Math.min(this.#configured, acceptedRate);
    this.#rate = Math.max(1, this.#ceiling * SETTLE_FACTOR);
    this.#lastGrowth = this.#pausedUntil;
    this.#throttledAt = now;
  }

  /** A server error with `Retry-After` that says nothing about our rate: only pause. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.min(this.#maxPauseMs, ms));
  }

  /**
   * GCRA (virtual scheduling): each request gets the next slot on an exact timeline, so the
   * average rate holds whatever the timer granularity; no catching up after an idle gap once the
   * downstream has throttled us (that burst is what tips a fixed window over).
   */
  async #waitForToken(): Promise<void> {
    for (;;) {
      if (this.#closed.signal.aborted) throw closedError();
      const now = this.#now();
      if (now < this.#pausedUntil) {
        await this.#sleep(this.#pausedUntil - now, this.#closed.signal);
        continue;
      }
      if (this.#rate === Infinity) return;
      const interval = 1000 / this.#rate;
      // Before any throttle, a small burst; after, 1% of a second's slots of catch-up at most (a
      // page boundary or a busy event loop must not cost requests, yet never enough to tip a
      // fixed window, which the 2% settle margin leaves room for).
      const tolerance = this.#ceiling === Infinity ? interval * Math.max(0, this.#rate / 20 - 1) : interval * Math.max(2, this.#rate / 100);
      const slot = Math.max(this.#nextSlot, now - tolerance);
      if (slot - now >= 1) {
        await this.#sleep(slot - now, this.#closed.signal);
        continue;
      }
      this.#nextSlot = slot + interval;
      return;
    }
  }

  #grow(now: number): void {
    if (this.#rate === Infinity || this.#rate >= this.#configured) return;
    const seconds = (now - this.#lastGrowth) / 1000;
    if (seconds < 0.25) return;
    const below = this.#rate < this.#ceiling * SETTLE_FACTOR;
    if (!below && now < this.#throttledAt + HOLD_DOWN_MS) return;
    const factor = below ? FAST_GROWTH : PROBE_GROWTH;
    this.#rate = Math.min(this.#configured, this.#rate * (1 + factor * seconds));
    this.#lastGrowth = now;
  }
}

function closedError(): TransientPushError {
  return new TransientPushError(engineMessage('engine.push.closedWhileWaiting'));
}

/** Counts events over a sliding window in fixed slots: constant memory at any rate. */
class SlotCounter {
  readonly #slotMs: number;
  readonly #counts: number[];
  readonly #ids: number[];

  constructor(windowMs: number, slots: number) {
    this.#slotMs = windowMs / slots;
    this.#counts = new Array(slots).fill(0);
    this.#ids = new Array(slots).fill(-1);
  }

  add(now: number): void {
    const id = Math.floor(now / this.#slotMs);
    const index = id % this.#counts.length;
    if (this.#ids[index] !== id) {
      this.#ids[index] = id;
      this.#counts[index] = 0;
    }
    this.#counts[index]! += 1;
  }

  count(now: number): number {
    const current = Math.floor(now / this.#slotMs);
    let total = 0;
    for (let index = 0; index < this.#counts.length; index += 1) {
      if (this.#ids[index]! > current - this.#counts.length) total += this.#counts[index]!;
    }
    return total;
  }
}
