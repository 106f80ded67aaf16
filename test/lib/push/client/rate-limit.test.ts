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

/** `count` answers of 2xx spread evenly over `ms` of the fake clock. */
function acceptOver(limiter: AdaptiveRateLimiter, clock: ReturnType<typeof fakeClock>, count: number, ms: number): void {
  for (let i = 0; i < count; i += 1) {
    clock.advance(ms / count);
    limiter.onAccepted();
  }
}

describe('AdaptiveRateLimiter learning', () => {
  it('learns from the first 429 of a burst only: the others were sent before it came', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    acceptOver(limiter, clock, 450, 1500);
    limiter.onThrottled(1000);
    const learned = limiter.rate;
    expect(learned).toBeGreaterThan(250);
    expect(learned).toBeLessThan(300);
    // The three requests in flight answer 429 too, the slowest almost half a second later.
    for (let i = 0; i < 3; i += 1) {
      clock.advance(150);
      limiter.onThrottled(1000);
    }
    expect(limiter.rate).toBe(learned);
  });

  it('counts what was accepted since the last pause, not the answers before it', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    acceptOver(limiter, clock, 400, 1000);
    limiter.onThrottled(1000);
    const first = limiter.rate;
    // Answers of requests in flight during the pause, then a second and a half at 200/s.
    acceptOver(limiter, clock, 20, 20);
    clock.advance(1000);
    acceptOver(limiter, clock, 300, 1500);
    limiter.onThrottled(1000);
    expect(first).toBeGreaterThan(350);
    expect(limiter.rate).toBeGreaterThan(180);
    expect(limiter.rate).toBeLessThan(200);
  });

  it('spreads what a long Retry-After window allowed over that window (a quota per minute)', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    // 600 requests a minute, all spent in the first two seconds; the window ends in 58 s.
    acceptOver(limiter, clock, 600, 2000);
    limiter.onThrottled(58_000);
    expect(limiter.rate).toBeGreaterThan(9);
    expect(limiter.rate).toBeLessThanOrEqual(10);
  });

  it('does not spread a quota over an idle stretch before the first request', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    clock.advance(600_000);
    acceptOver(limiter, clock, 600, 2000);
    limiter.onThrottled(58_000);
    expect(limiter.rate).toBeGreaterThan(9);
  });

  it('learns once from a burst of 429s with Retry-After 0', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    acceptOver(limiter, clock, 480, 1200);
    limiter.onThrottled(0);
    const learned = limiter.rate;
    for (let i = 0; i < 3; i += 1) {
      clock.advance(20);
      limiter.onThrottled(0);
    }
    expect(limiter.rate).toBe(learned);
  });

  it('steps down gently on a 429 soon after a pause, where the count covers only part of the window', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    acceptOver(limiter, clock, 400, 1000);
    limiter.onThrottled(1000);
    const settled = limiter.rate;
    clock.advance(1000);
    acceptOver(limiter, clock, 40, 300);
    limiter.onThrottled(1000);
    expect(limiter.rate).toBeLessThan(settled);
    expect(limiter.rate).toBeGreaterThan(settled * 0.9);
  });

  it('holds just under a ceiling learned over a full second', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    acceptOver(limiter, clock, 480, 1200);
    limiter.onThrottled(1000);
    const learned = limiter.rate;
    clock.advance(1000);
    for (let second = 0; second < 10; second += 1) acceptOver(limiter, clock, Math.floor(limiter.rate), 1000);
    expect(limiter.rate).toBeLessThan(400);
    expect(limiter.rate).toBeGreaterThanOrEqual(learned);
  });

  it('does not collapse on a 429 after a stretch in which little was sent', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter(clock);
    acceptOver(limiter, clock, 480, 1200);
    limiter.onThrottled(1000);
    const settled = limiter.rate;
    // Idle for five seconds, then the first request is refused (another client spent the allowance).
    clock.advance(5000);
    limiter.onThrottled(1000);
    expect(limiter.rate).toBeGreaterThan(settled * 0.45);
  });

  it('never learns a rate above the configured one', () => {
    const clock = fakeClock();
    const limiter = new AdaptiveRateLimiter({ ...clock, ratePerSecond: 100 });
    acceptOver(limiter, clock, 100, 1000);
    limiter.onThrottled(30_000);
    expect(limiter.rate).toBeLessThanOrEqual(100);
    expect(limiter.rate).toBeGreaterThan(1);
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
