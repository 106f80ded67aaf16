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
/** The counter's resolution: a sample of 0.9 s or more covers its whole window. */
const SLOT_MS = 100;
/** After a 429 we settle just under the rate the downstream accepted, then probe upwards slowly. */
const SETTLE_FACTOR = 0.98;
const FAST_GROWTH = 0.05;
const PROBE_GROWTH = 0.002;
/** After a throttle, hold just under the learned ceiling this long before probing above it. */
const HOLD_DOWN_MS = 60_000;
const DEFAULT_PAUSE_MS = 1000;
const DEFAULT_MAX_PAUSE_MS = 3_600_000;
/** Fewer accepted requests than this since the last pause say nothing about the downstream's limit. */
const MIN_SAMPLE = 10;
/**
 * A 429 less than a second after a pause ended, while we already keep to a learned rate: the
 * count since the pause covers only part of the downstream's window, so it says only that the
 * rate is a little too high. Step down by this share instead of trusting the partial count.
 */
const GENTLE_STEP_DOWN = 0.05;
/** One 429 at most halves a learned rate: a second in which we sent little (idle, or a busy event loop) is no measure. */
const MAX_STEP_DOWN = 0.5;
/** However short the Retry-After, the 429s of requests already in flight (sent before the first came back) arrive within this. */
const STALE_GUARD_MS = 250;

/**
 * A GCRA limiter whose rate adapts like TCP congestion control: unlimited (or the configured
 * rate) until the downstream throttles; then just under the rate it accepted, growing quickly back
 * to that ceiling and only slowly beyond it. A `Retry-After` pauses every request of the source
 * until it has passed.
 *
 * What a 429 teaches is taken from what was accepted since the last pause ended (before it, the
 * downstream's allowance was spent differently), and only from the first 429 of a burst: the
 * requests in flight when it came were sent before we knew, and their 429s say nothing new. The
 * allowance is measured over the downstream's own period as far as the answer shows it: a
 * `Retry-After` longer than a second says the allowance spent since the pause lasts until then
 * (a fixed window of a minute, a token bucket that refills slowly), so the rate is what was
 * accepted over that whole span; a short one (or none) leaves the last second's count.
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
  /** Until the pause of the last 429 we learned from has passed, later 429s are of requests sent before it. */
  #learnedUntil = 0;
  /** When the last throttle's pause ended; the requests accepted since, and when the first of them was. */
  #epochStart = 0;
  #epochAccepted = 0;
  #epochFirstAt = 0;
  /** Accepted requests per 100 ms slot over the last window, to measure what the downstream takes. */
  readonly #slots = new SlotCounter(WINDOW_MS, WINDOW_MS / SLOT_MS);
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
    // Answers that arrive during a pause belong to the allowance before it.
    if (now >= this.#epochStart) {
      this.#slots.add(now);
      if (this.#epochAccepted === 0) this.#epochFirstAt = now;
      this.#epochAccepted += 1;
    }
    this.#grow(now);
  }

  /** The downstream said "too many" (429, or 503 with Retry-After): pause and slow down. */
  onThrottled(retryAfterMs: number | undefined): void {
    const now = this.#now();
    const pauseMs = Math.min(this.#maxPauseMs, retryAfterMs ?? DEFAULT_PAUSE_MS);
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pauseMs);
    if (now < this.#learnedUntil) return; // sent before the 429 we learned from came back
    const learned = this.#allowance(now, retryAfterMs);
    this.#learnedUntil = Math.max(this.#pausedUntil, now + STALE_GUARD_MS);
    this.#epochStart = this.#pausedUntil;
    this.#epochAccepted = 0;
    if (!learned) return; // too little to learn from: only pause
    const limited = this.#rate !== Infinity;
    // Already limited, a complete sample is trusted (never above the rate that was too high); a partial one only nudges down.
    const ceiling = !limited ? learned.rate : learned.complete ? Math.min(this.#rate, Math.max(learned.rate, this.#rate * (1 - MAX_STEP_DOWN))) : this.#rate * (1 - GENTLE_STEP_DOWN);
    this.#ceiling = Math.min(this.#configured, Math.max(1, ceiling));
    this.#rate = Math.max(1, this.#ceiling * SETTLE_FACTOR);
    this.#lastGrowth = this.#pausedUntil;
    this.#throttledAt = now;
  }

  /** A server error with `Retry-After` that says nothing about our rate: only pause. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.min(this.#maxPauseMs, ms));
  }

  /**
   * The rate (per second) the downstream allowed since the last pause ended, as far as this 429
   * shows it, and whether the sample covers the downstream's period (complete) or only part of
   * it; undefined when too few requests went through to tell.
   *
   * A 429 means the downstream's allowance was spent within its period: a fixed window's quota
   * within the window (all in the last second for a one-second window, plus the tail of the one
   * before), a sliding window's in the last window, a token bucket's refill and burst. So the count
   * of the last full second is never much below the limit, whatever slowed us down meanwhile.
   */
  #allowance(now: number, retryAfterMs: number | undefined): { rate: number; complete: boolean } | undefined {
    if (this.#epochAccepted < MIN_SAMPLE && this.#rate === Infinity) return undefined;
    // From the first request accepted since the pause: an idle stretch before it says nothing.
    const sinceMs = this.#epochAccepted === 0 ? 0 : now - this.#epochFirstAt;
    if (retryAfterMs !== undefined && retryAfterMs > WINDOW_MS) {
      // What went through since the pause had to last until the downstream takes requests again.
      const spanMs = Math.max(WINDOW_MS, sinceMs + Math.min(this.#maxPauseMs, retryAfterMs));
      return { rate: (this.#epochAccepted * 1000) / spanMs, complete: true };
    }
    return { rate: Math.max(1, this.#slots.count(now, this.#epochStart) * (1000 / WINDOW_MS)), complete: sinceMs >= WINDOW_MS - SLOT_MS };
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

  /** Events in the window up to `now`, in slots that did not end before `since`. */
  count(now: number, since = -Infinity): number {
    const current = Math.floor(now / this.#slotMs);
    const first = Math.max(current - this.#counts.length + 1, Math.floor(since / this.#slotMs));
    let total = 0;
    for (let index = 0; index < this.#counts.length; index += 1) {
      if (this.#ids[index]! >= first) total += this.#counts[index]!;
    }
    return total;
  }
}
