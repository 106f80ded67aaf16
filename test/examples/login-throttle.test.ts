import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../examples/demo/login-throttle.js';

const MINUTE = 60_000;

function throttleAt(start = 1_000_000) {
  const clock = { now: start };
  const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 15 * MINUTE, maxKeys: 2, now: () => clock.now });
  return { clock, throttle };
}

describe('LoginThrottle', () => {
  it('refuses a pair after maxFailures within the window, until the oldest failure leaves it', () => {
    const { clock, throttle } = throttleAt();
    throttle.recordFailure('alice', '10.0.0.1');
    clock.now += 5 * MINUTE;
    throttle.recordFailure('alice', '10.0.0.1');
    expect(throttle.retryAfterMs('alice', '10.0.0.1')).toBe(0);
    throttle.recordFailure('alice', '10.0.0.1');
    expect(throttle.retryAfterMs('alice', '10.0.0.1')).toBe(10 * MINUTE);
    clock.now += 10 * MINUTE;
    expect(throttle.retryAfterMs('alice', '10.0.0.1')).toBe(0);
  });

  it('counts each user name and address on its own', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 3; i++) throttle.recordFailure('alice', '10.0.0.1');
    expect(throttle.retryAfterMs('alice', '10.0.0.1')).toBeGreaterThan(0);
    expect(throttle.retryAfterMs('alice', '10.0.0.2')).toBe(0);
    expect(throttle.retryAfterMs('bob', '10.0.0.1')).toBe(0);
  });

  it('forgets a pair on a successful sign-in', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 3; i++) throttle.recordFailure('alice', '10.0.0.1');
    throttle.clear('alice', '10.0.0.1');
    expect(throttle.retryAfterMs('alice', '10.0.0.1')).toBe(0);
  });

  it('remembers at most maxKeys pairs, forgetting the least recently failed', () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 3; i++) throttle.recordFailure('alice', '10.0.0.1');
    for (let i = 0; i < 3; i++) throttle.recordFailure('bob', '10.0.0.1');
    throttle.recordFailure('alice', '10.0.0.1');
    throttle.recordFailure('carol', '10.0.0.1');
    expect(throttle.retryAfterMs('bob', '10.0.0.1')).toBe(0);
    expect(throttle.retryAfterMs('alice', '10.0.0.1')).toBeGreaterThan(0);
  });
});
