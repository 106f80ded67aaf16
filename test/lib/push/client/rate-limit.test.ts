import { describe, expect, it, vi } from 'vitest';
import { TransientPushError } from '../../../../lib/push/client/errors.js';
import { AdaptiveRateLimiter, Semaphore } from '../../../../lib/push/client/rate-limit.js';
import { backoffDelay } from '../../../../lib/sources/source-health.js';

/** A clock that only moves when the limiter sleeps: no wall-clock time passes in these tests. */
function fakeClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

describe('AdaptiveRateLimiter', () => {
  it('does not wait without a limit or a throttle', async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    for (let i = 0; i < 100; i += 1) await limiter.take();
    expect(clock.sleeps).toEqual([]);
  });

  it('spaces requests to the configured rate', async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter({ ...clock, ratePerSecond: 10 });
    const start = clock.now();
    for (let i = 0; i < 21; i += 1) await limiter.take();
    // 21 requests at 10/s: the first is free, the other 20 take two seconds.
    expect(clock.now() - start).toBeGreaterThanOrEqual(1900);
    expect(clock.now() - start).toBeLessThanOrEqual(2100);
  });

  it('pauses every request until Retry-After has passed, then settles under the accepted rate', async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    for (let i = 0; i < 50; i += 1) {
      await limiter.take();
      limiter.onAccepted();
    }
    limiter.onThrottled(1000);
    const throttledAt = clock.now();
    await limiter.take();
    expect(clock.now()).toBeGreaterThanOrEqual(throttledAt + 1000);
    expect(limiter.rate).toBeLessThan(50);
    expect(limiter.rate).toBeGreaterThan(40);
  });

  it('honours a pause from a 503 without slowing down', async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    limiter.pause(500);
    await limiter.take();
    expect(clock.sleeps).toEqual([500]);
    expect(limiter.rate).toBe(Infinity);
  });
});

describe('Semaphore', () => {
  it('keeps at most max holders', async () => {
    const semaphore = new Semaphore(2);
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    let third = false;
    const c = semaphore.acquire().then((release) => {
      third = true;
      return release;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    a();
    (await c)();
    b();
    expect(semaphore.active).toBe(0);
  });

  it('runs work holding a place and releases it whether the work resolves or throws', async () => {
    const semaphore = new Semaphore(1);
    let inside = 0;
    const held = semaphore.run(async () => {
      inside = semaphore.active;
      return 'done';
    });
    const failing = semaphore.run(async () => {
      throw new Error('boom');
    });
    expect(await held).toBe('done');
    expect(inside).toBe(1);
    await expect(failing).rejects.toThrow('boom');
    expect(semaphore.active).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter, capped, and never undercuts Retry-After', () => {
    expect(backoffDelay(1, 100, 10_000, 0, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, 0, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, 0, () => 1)).toBe(800);
    expect(backoffDelay(40, 100, 10_000, 0, () => 1)).toBe(10_000);
    expect(backoffDelay(1, 100, 10_000, 5_000, () => 1)).toBe(5_000);
  });
});

describe('AdaptiveRateLimiter waits', () => {
  it('pauses no longer than maxPauseMs, however long the Retry-After', async () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter({ ...clock, maxPauseMs: 3_600_000 });
    limiter.onThrottled(10 ** 12);
    expect(limiter.pausedUntil - clock.now()).toBe(3_600_000);
    limiter.pause(Infinity);
    expect(limiter.pausedUntil - clock.now()).toBe(3_600_000);
  });

  it('ends a pending wait when closed (or when its signal aborts), refusing the request as transient', async () => {
    vi.useFakeTimers();
    try {
      const limiter = new AdaptiveRateLimiter();
      limiter.onThrottled(120_000);
      const waiting = [limiter.take(), limiter.take()];
      limiter.close();
      for (const take of waiting) await expect(take).rejects.toBeInstanceOf(TransientPushError);
      await expect(limiter.take()).rejects.toBeInstanceOf(TransientPushError);

      const controller = new AbortController();
      const shared = new AdaptiveRateLimiter({ signal: controller.signal });
      shared.pause(120_000);
      const pending = shared.take();
      controller.abort();
      await expect(pending).rejects.toThrow(/closed while waiting/);
      expect(vi.getTimerCount(), 'no timer left behind').toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
