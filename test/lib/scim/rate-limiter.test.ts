import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../lib/scim/pull/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of the per-minute rate, then refills at that rate', () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => new Date(now));
    for (let i = 0; i < 60; i += 1) expect(limiter.take('s').allowed).toBe(true);
    expect(limiter.take('s')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1000;
    expect(limiter.take('s').allowed).toBe(true);
    expect(limiter.take('s').allowed).toBe(false);
    expect(limiter.take('other').allowed).toBe(true);
  });
});
