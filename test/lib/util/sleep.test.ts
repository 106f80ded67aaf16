import { afterEach, describe, expect, it, vi } from 'vitest';
import { boundedTimeout, MAX_TIMER_MS, sleep } from '../../../lib/util/sleep.js';

describe('bounded sleeps', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('never sets a timer above what Node holds, however long the wait', async () => {
    vi.useFakeTimers();
    const timeout = vi.spyOn(globalThis, 'setTimeout');
    const done = sleep(10 ** 12);
    let finished = false;
    void done.then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(finished, 'a 10^12 ms wait is not over after one timer').toBe(false);
    const delays = timeout.mock.calls.map((call) => call[1] as number);
    expect(delays.length).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS);
    boundedTimeout(() => undefined, Infinity);
    boundedTimeout(() => undefined, 1e300);
    expect(Math.max(...timeout.mock.calls.map((call) => call[1] as number))).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('ends at once when its signal aborts, without any timer firing', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const done = sleep(3_600_000, controller.signal);
    controller.abort();
    await expect(done).resolves.toBe(false);
    await expect(sleep(10, controller.signal)).resolves.toBe(false);
    expect(vi.getTimerCount(), 'the aborted timer was cleared').toBe(0);
  });

  it('resolves true once the whole time passed', async () => {
    vi.useFakeTimers();
    const done = sleep(5000);
    await vi.advanceTimersByTimeAsync(5000);
    await expect(done).resolves.toBe(true);
  });
});
