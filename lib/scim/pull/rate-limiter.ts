export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until a request would be allowed again (for `Retry-After`). */
  retryAfterSeconds: number;
}

/**
 * A token bucket per key (a pull source): it holds up to `requestsPerMinute` requests and refills
 * at that rate, so a client may burst, then settles to the rate. Held in this process's memory,
 * so with several host instances each one allows the rate (documented trade-off: no database
 * write per request). The clock is injected so tests move time instead of waiting.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #capacity: number;
  readonly #perMs: number;

  constructor(
    requestsPerMinute: number,
    private readonly clock: () => Date,
  ) {
    this.#capacity = requestsPerMinute;
    this.#perMs = requestsPerMinute / 60_000;
  }

  take(key: string): RateDecision {
    const now = this.clock().getTime();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, at: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  /** Forgets a source (deleted, or its limit should start afresh). */
  forget(key: string): void {
    this.#buckets.delete(key);
  }
}
