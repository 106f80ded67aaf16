export interface LoginThrottleOptions {
  /** Failed sign-ins allowed per user name and address within the window. @default 5 */
  maxFailures?: number;
  /** @default 15 minutes */
  windowMs?: number;
  /** How many (user name, address) pairs are remembered; the oldest is forgotten first. @default 10_000 */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Slows password guessing on the demo's login: after `maxFailures` failed sign-ins for one user
 * name from one address within the window, further attempts for that pair are refused, right
 * password or not, until the oldest failure leaves the window. In memory, which is enough for a
 * single-process demo; a real host keeps this where all its instances see it.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until this pair may try again; 0 when it may now. */
  retryAfterMs(username: string, address: string): number {
    const recent = this.recent(key(username, address));
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures]! + this.windowMs - this.now();
  }

  recordFailure(username: string, address: string): void {
    const pair = key(username, address);
    const recent = [...this.recent(pair), this.now()].slice(-this.maxFailures);
    // Re-inserted so that the Map's order is least recently failed first.
    this.failures.delete(pair);
    this.failures.set(pair, recent);
    if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A successful sign-in forgets the pair's failures. */
  clear(username: string, address: string): void {
    this.failures.delete(key(username, address));
  }

  private recent(pair: string): number[] {
    const since = this.now() - this.windowMs;
    const recent = (this.failures.get(pair) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(pair);
    return recent;
  }
}

function key(username: string, address: string): string {
  return `${address}\u0000${username.slice(0, 256)}`;
}
