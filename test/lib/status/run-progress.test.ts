import { describe, expect, it } from 'vitest';
import type { Run } from '../../../lib/runs/run-store.js';
import { RunProgressMeter } from '../../../lib/status/run-progress.js';

const START = Date.parse('2026-12-02T10:00:00.000Z');

function runAt(processed: number, overrides: Partial<Run> = {}): Run {
  return {
    id: 7, sourceId: 's', kind: 'manual', status: 'running', startedBy: 'alice', createdAt: new Date(START).toISOString(), startedAt: new Date(START).toISOString(), finishedAt: null,
    total: 1000, processed, created: processed, updated: 0, deleted: 0, skipped: 0, failed: 0, error: null, options: {}, cancelRequested: false, ...overrides,
  };
}

describe('RunProgressMeter', () => {
  it('uses the average since the start until it has watched long enough, then the rate of the last minute', () => {
    let now = START + 10_000;
    const meter = new RunProgressMeter(() => new Date(now));
    // 100 objects in 10 s since the start: 10/s, 900 left: 90 s.
    expect(meter.measure(runAt(100), 'users', 'push')).toMatchObject({ phase: 'users', percent: 10, ratePerSecond: 10, etaSeconds: 90 });
    // Watched for 10 s more, 50 objects in them: 5/s now, not the 7.5/s average.
    now += 10_000;
    expect(meter.measure(runAt(150), 'users', 'push')).toMatchObject({ percent: 15, ratePerSecond: 5, etaSeconds: 170 });
    // Two minutes later, only the last minute counts: 60 objects in the 60 s since the previous look.
    now += 60_000;
    meter.measure(runAt(180), 'users', 'push');
    now += 60_000;
    expect(meter.measure(runAt(240), 'users', 'push')).toMatchObject({ ratePerSecond: 1, etaSeconds: 760 });
  });

  it('names the phase, holds the percentage under 100 while active, and gives no time left once past the counted phases', () => {
    const meter = new RunProgressMeter(() => new Date(START + 20_000));
    expect(meter.measure(runAt(0, { status: 'queued', startedAt: null }), null, 'push')).toMatchObject({ phase: 'queued', percent: 0, ratePerSecond: null, etaSeconds: null });
    expect(meter.measure(runAt(20), null, 'push').phase).toBe('orgs');
    expect(meter.measure(runAt(1000), 'managers', 'push')).toMatchObject({ phase: 'managers', percent: 99, etaSeconds: null });
    expect(meter.measure(runAt(1000), 'done', 'push').phase).toBe('deletes');
    expect(meter.measure(runAt(10, { total: 0 }), null, 'pull')).toMatchObject({ phase: 'directory', percent: null });
    expect(meter.measure(runAt(1000, { status: 'succeeded_with_failures' }), 'done', 'push')).toMatchObject({ phase: 'finished', active: false, percent: 100, ratePerSecond: null });
  });
});
