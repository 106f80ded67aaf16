import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { english } from '../support/messages.js';
import { MAX_TIMER_MS } from '../../lib/util/sleep.js';
import { buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

/**
 * A downstream that throttles with a long Retry-After must neither make a timer spin (Node's
 * 32-bit timer overflow) nor keep close() waiting: every wait is capped and abortable. The
 * waits here are real 120 s (or capped one-hour) timers: close() can only resolve within the
 * test's timeout by aborting them.
 */
describe('long Retry-After', () => {
  let t: TestCenter | undefined;
  let server: FakeScimServer;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(async () => {
    warnings.length = 0;
    process.on('warning', onWarning);
    server = await new FakeScimServer().start();
  });
  afterEach(async () => {
    process.off('warning', onWarning);
    vi.restoreAllMocks();
    await t?.close();
    t = undefined;
    await server.close();
  });

  async function throttledCenter(retryAfter: string, onlyWrites: boolean) {
    const logged: string[] = [];
    const logger = { info() {}, warn: (message: string) => logged.push(message), error() {} };
    // Real backoffs, as in production: only close() can cut them short.
    t = await createTestCenter({ push: { ...FAST_PUSH, retry: { baseMs: 1000, maxMs: 300_000, runAttempts: 3 }, quarantineMaxIntervalMs: 3_600_000 }, logger });
    await t.center.start();
    const source = await createPushSource(t.center, server, { concurrency: 2 });
    server.fault = (request) => (!onlyWrites || request.method !== 'GET' ? { status: 429, headers: { 'retry-after': retryAfter } } : undefined);
    await t.center.changes.apply(Array.from({ length: 6 }, (_, index) => ({ type: 'userUpserted' as const, user: buildUser({ id: `u${index}` }) })));
    return { source, logged };
  }

  it('close() ends the wait of requests queued behind a 429 with Retry-After: 120', async () => {
    await throttledCenter('120', true);
    // Two requests in flight got the 429; the other four wait in the source's rate limiter.
    await vi.waitFor(() => expect(server.requests.filter((request) => request.status === 429).length, 'the 429s').toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    await t!.center.close();
    expect(server.requests.filter((request) => request.method === 'POST'), 'no request sent after the pause began').toHaveLength(2);
  });

  it('close() ends the backoff of a downstream that answers nothing but 429', async () => {
    const { source } = await throttledCenter('120', false);
    await vi.waitFor(async () => expect((await t!.center.push.status(source.id)).worker?.state, 'backing off').toBe('backoff'), { timeout: 10_000 });
    const { nextAttemptAt } = (await t!.center.push.status(source.id)).worker!;
    expect(Date.parse(nextAttemptAt!) - Date.now(), 'Retry-After honoured').toBeGreaterThan(100_000);
    await t!.center.close();
  });

  it('close() ends a request still waiting for its answer, and the change stays to be delivered', async () => {
    // A two-minute request timeout: close() can only resolve within the test's timeout by aborting the request.
    t = await createTestCenter({ push: { ...FAST_PUSH, requestTimeoutMs: 120_000 } });
    await t.center.start();
    const source = await createPushSource(t.center, server);
    server.fault = (request) => (request.method === 'POST' ? 'hang' : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(() => expect(server.requests.filter((request) => request.method === 'POST'), 'the create in flight').toHaveLength(1), { timeout: 10_000 });
    await t.center.close();
    const sibling = await createTestCenter({ database: t.knex, push: FAST_PUSH });
    try {
      expect((await sibling.center.push.status(source.id)).pending + (await sibling.center.push.status(source.id)).retrying, 'the change is not lost').toBeGreaterThan(0);
    } finally {
      await sibling.close();
    }
  });

  it('caps a Retry-After of 10^9 seconds: no timer overflow, no timer above the cap, the log says so, close() is prompt', async () => {
    // The timers the center sets (node-cron's own, for the next daily retention, are not waits of push).
    const delays: number[] = [];
    const setTimer = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number, ...rest: unknown[]) => {
      if (!new Error().stack?.includes('node-cron')) delays.push(Number(ms ?? 0));
      return setTimer(callback, ms, ...rest);
    }) as typeof setTimeout);
    const { source, logged } = await throttledCenter('1000000000', false);
    await vi.waitFor(async () => expect((await t!.center.push.status(source.id)).worker?.state, 'backing off').toBe('backoff'), { timeout: 10_000 });
    const { nextAttemptAt, lastError } = (await t!.center.push.status(source.id)).worker!;
    expect(Date.parse(nextAttemptAt!) - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(english(lastError)).toMatch(/asked to wait 1000000000 s, the center waits 3600 s \(push\.maxRetryAfterMs\)/);
    expect(logged.some((message) => /Retry-After 1000000000 s; retrying after 3600 s \(push\.maxRetryAfterMs\)/.test(message)), logged.join('\n')).toBe(true);
    await t!.center.close();
    expect(Math.max(...delays), 'the longest timer set').toBeLessThanOrEqual(Math.min(MAX_TIMER_MS, 3_600_000));
    expect(warnings.filter((warning) => warning.name === 'TimeoutOverflowWarning')).toEqual([]);
  });
});
