/**
 * Node keeps timer delays in a signed 32-bit count of milliseconds: a longer delay fires after
 * 1 ms with a TimeoutOverflowWarning, and a loop waiting on it spins. No timer of the center is
 * set above this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `setTimeout` with the delay bounded to what Node's timers hold (and at least 1 ms). */
export function boundedTimeout(callback: () => void, ms: number): NodeJS.Timeout {
  const delay = Number.isFinite(ms) ? Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(ms))) : MAX_TIMER_MS;
  return setTimeout(callback, delay);
}

/**
 * Waits `ms` (through as many bounded timers as it takes), or until `signal` aborts. Resolves
 * true when the whole time passed, false when it was cut short; never rejects.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  let left = ms;
  while (left > 0) {
    if (signal?.aborted) return false;
    const step = Math.min(left, MAX_TIMER_MS);
    const slept = await new Promise<boolean>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = boundedTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, step);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (!slept) return false;
    left -= step;
  }
  return !signal?.aborted;
}
