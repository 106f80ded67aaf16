import { beforeEach, describe, expect, it } from 'vitest';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

describe('center.status', () => {
  const server = useFakeDownstream();
  let now = new Date('2026-12-02T10:30:00.000Z');
  const test = useTestCenter(() => ({ push: FAST_PUSH, clock: () => now }));
  beforeEach(() => {
    now = new Date('2026-12-02T10:30:00.000Z');
  });

  const seed = (count: number, from = 0) =>
    test.center.changes.apply(Array.from({ length: count }, (_, index) => ({ type: 'userUpserted' as const, user: buildUser({ id: `u${from + index}`, userName: `user${from + index}@example.com` }) })));
  const sync = async (sourceId: string, dryRun = false) => test.center.runs.settled((await test.center.runs.start(sourceId, { dryRun })).id);

  it('does not count a dry run as the last sync, and shows what a full sync left: links, cursor, no backlog', async () => {
    await seed(3);
    const source = await createPushSource(test.center, server);
    await sync(source.id, true);
    let status = await test.center.status.source(source.id);
    expect(status.lastFullSync).toBeNull();
    expect(status.lastRun).toBeNull();
    expect(status.source.lastSync).toBeNull();
    expect(status.reasons).toContain('never_synced');
    expect(status.state).toBe('attention');

    const run = await sync(source.id);
    status = await test.center.status.source(source.id);
    expect(status.lastFullSync).toMatchObject({ id: run!.id, status: 'succeeded' });
    expect(status.linked).toEqual({ users: 3, orgs: 0 });
    expect(status.backlog).toEqual({ changes: 0, capped: false, retries: 0 });
    expect(status.state).toBe('healthy');
    expect(status.reasons).toEqual([]);

    await seed(2, 10);
    expect((await test.center.status.source(source.id)).backlog).toMatchObject({ changes: 2 });
  });

  it('takes the last incremental delivery and the failures of the last 24 hours from the hourly sums of the log', async () => {
    const source = await createPushSource(test.center, server);
    await sync(source.id);
    const entry = { sourceId: source.id, kind: 'user' as const, objectId: 'u1', operation: 'update' as const };
    now = new Date('2026-12-01T08:10:00.000Z'); // more than a day ago
    await test.center.logs.recordDeliveries([{ ...entry, result: 'failed' }]);
    now = new Date('2026-12-02T09:15:00.000Z');
    await test.center.logs.recordDeliveries([{ ...entry, result: 'succeeded' }, { ...entry, result: 'retrying' }, { ...entry, result: 'skipped' }]);
    now = new Date('2026-12-02T10:30:00.000Z');

    const status = await test.center.status.source(source.id);
    expect(status.lastDelivery).toBe('2026-12-02T09:15:00.000Z');
    expect(status.failures24h).toEqual({ deliveries: 1, runs: 0 });
    expect(status.reasons).toEqual(['recent_failures']);

    const history = await test.center.status.history(source.id);
    expect(history.hours).toHaveLength(7 * 24);
    expect(history.hours.at(-1)!.hour).toBe('2026-12-02T10');
    expect(history.hours.find((hour) => hour.hour === '2026-12-02T09')).toEqual({ hour: '2026-12-02T09', delivered: 1, failed: 1 });
    expect(history.hours.find((hour) => hour.hour === '2026-12-01T08')).toEqual({ hour: '2026-12-01T08', delivered: 0, failed: 1 });
    expect(history.runs).toHaveLength(1);
  });

  it('counts the requests a pull source answered, and its errors', async () => {
    const { source } = await test.center.sources.create({ name: 'Puller', mode: 'pull' });
    await test.center.logs.recordPulls([
      { sourceId: source.id, method: 'GET', path: '/Users', status: 200, durationMs: 3, at: '2026-12-02T10:01:00.000Z' },
      { sourceId: source.id, method: 'GET', path: '/Users', status: 401, durationMs: 1, at: '2026-12-02T10:02:00.000Z' },
    ]);
    const status = await test.center.status.source(source.id);
    expect(status).toMatchObject({ lastDelivery: '2026-12-02T10:01:00.000Z', failures24h: { deliveries: 1, runs: 0 }, backlog: null, linked: null, state: 'disabled' });
  });

  it('filters the list by text, mode and state', async () => {
    const push = await createPushSource(test.center, server, {}, 'Payroll');
    now = new Date(now.getTime() + 1000); // the list is in creation order
    await test.center.sources.create({ name: 'Wiki', description: 'the team wiki', mode: 'pull' });
    await sync(push.id);
    const names = async (filter: Parameters<typeof test.center.status.list>[0]) => (await test.center.status.list(filter)).map((status) => status.source.name);
    expect(await names({})).toEqual(['Payroll', 'Wiki']);
    expect(await names({ q: 'TEAM' })).toEqual(['Wiki']);
    expect(await names({ mode: 'push' })).toEqual(['Payroll']);
    expect(await names({ state: 'disabled' })).toEqual(['Wiki']);
    expect(await names({ state: 'healthy', q: 'pay' })).toEqual(['Payroll']);
    expect(await names({ state: 'quarantined' })).toEqual([]);
  });

  it("gives a started center's next periodic full sync of a push source, from its cron", async () => {
    const source = await createPushSource(test.center, server, { schedule: '0 3 * * *' });
    expect((await test.center.status.source(source.id)).nextRun).toBeNull(); // not started: nothing is scheduled here
    await test.center.start();
    const next = new Date((await test.center.status.source(source.id)).nextRun!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect([next.getHours(), next.getMinutes()]).toEqual([3, 0]);
  });

  it('measures a run: phase from its checkpoint, percentage, rate over the time watched, and time left', async () => {
    const source = await createPushSource(test.center, server);
    const run = await test.center.runs.start(source.id);
    await test.center.runs.settled(run.id);
    // A finished run: 100 %, no rate.
    expect(await test.center.status.progress(run.id)).toMatchObject({ active: false, phase: 'finished', percent: 100, ratePerSecond: null, etaSeconds: null });
    expect(await test.center.status.progress(999_999)).toBeUndefined();
  });
});
