import { describe, expect, it } from 'vitest';
import { CancelWatch } from '../../../../lib/push/full-sync/cancel-watch.js';

/** A database question the test answers by hand. */
function question() {
  const asked: Array<{ resolve(value: boolean): void; reject(error: Error): void }> = [];
  const ask = () => new Promise<boolean>((resolve, reject) => asked.push({ resolve, reject }));
  return { ask, asked };
}

describe('CancelWatch', () => {
  it('answers per page at once with the last answer, with one question in flight at a time', async () => {
    const { ask, asked } = question();
    const watch = new CancelWatch(ask);
    expect(await watch.latest()).toBe(false);
    expect(await watch.latest()).toBe(false);
    expect(asked).toHaveLength(1); // the second call did not ask again while the first question was open
    asked[0]!.resolve(false);
    await watch.idle();
    expect(await watch.latest()).toBe(false);
    expect(asked).toHaveLength(2);
    asked[1]!.resolve(true);
    await watch.idle();
    expect(await watch.latest()).toBe(true);
    expect(await watch.fresh()).toBe(true);
    expect(asked).toHaveLength(2); // once cancelled, it stays cancelled without asking
  });

  it('between phases, waits for the database: a cancel is never missed there', async () => {
    const { ask, asked } = question();
    const watch = new CancelWatch(ask);
    void watch.latest();
    const fresh = watch.fresh();
    asked[0]!.resolve(false);
    await untilAsked(asked, 2);
    asked[1]!.resolve(true);
    expect(await fresh).toBe(true);
  });

  it('asks again after a question failed', async () => {
    const { ask, asked } = question();
    const watch = new CancelWatch(ask);
    void watch.latest();
    asked[0]!.reject(new Error('pool closed'));
    await watch.idle();
    expect(await watch.latest()).toBe(false);
    expect(asked).toHaveLength(2);
    asked[1]!.resolve(true);
    await watch.idle();
    expect(await watch.latest()).toBe(true);
  });
});

/** Lets the microtasks run until the watch has asked `count` questions. */
async function untilAsked(asked: unknown[], count: number): Promise<void> {
  for (let turn = 0; turn < 100 && asked.length < count; turn += 1) await Promise.resolve();
  expect(asked).toHaveLength(count);
}
