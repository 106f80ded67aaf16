import { Registry, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeliveryLatency } from '../../lib/metrics/delivery-latency.js';
import { buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

/** `name{labels} value` lines of an exposition text, comments left out. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    values.set(match[1]!, Number(match[2]));
  }
  return values;
}

describe('center.metrics', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('counts deliveries, times runs and delivery, and reads backlog and quarantine at scrape time, on its own registry', async () => {
    await t.center.start();
    const source = await createPushSource(t.center, server);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await t.center.push.drained(source.id);
    const run = await t.center.runs.start(source.id);
    await t.center.runs.settled(run.id);

    expect(t.center.metrics.contentType).toMatch(/^text\/plain/);
    const text = await t.center.metrics.text();
    const values = samples(text);
    expect(values.get(`scim_sync_deliveries_total{source="${source.id}",result="succeeded"}`)).toBe(1);
    expect(values.get(`scim_sync_backlog_changes{source="${source.id}"}`)).toBe(0);
    expect(values.get('scim_sync_quarantined_sources')).toBe(0);
    expect(values.get('scim_sync_delivery_latency_seconds_count')).toBe(1);
    expect(values.get('scim_sync_run_duration_seconds_count{mode="push",status="succeeded"}')).toBe(1);
    // The host's metrics stay the host's: nothing of ours in prom-client's default registry.
    expect(await globalRegistry.metrics()).not.toContain('scim_sync_');
    expect(t.center.metrics.registry).toBeInstanceOf(Registry);
  });

  it('shows a backlog while a downstream holds a change, and counts pull requests by status', async () => {
    const source = await createPushSource(t.center, server);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await t.center.changes.userUpserted(buildUser({ id: 'u2' }));
    // Not started: nothing delivers, so both changes wait behind the cursor.
    expect(samples(await t.center.metrics.text()).get(`scim_sync_backlog_changes{source="${source.id}"}`)).toBe(2);

    const { source: pull } = await t.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await t.center.logs.recordPulls([
      { sourceId: pull.id, method: 'GET', path: '/Users', status: 200, durationMs: 3 },
      { sourceId: pull.id, method: 'GET', path: '/Users/x', status: 404, durationMs: 2 },
    ]);
    const values = samples(await t.center.metrics.text());
    expect(values.get(`scim_sync_pull_requests_total{source="${pull.id}",status="200"}`)).toBe(1);
    expect(values.get(`scim_sync_pull_requests_total{source="${pull.id}",status="404"}`)).toBe(1);
  });
});

describe('DeliveryLatency', () => {
  it('times each delivery of a change this process committed, and forgets the oldest past its capacity', () => {
    let now = 0;
    const observed: number[] = [];
    const latency = new DeliveryLatency((seconds) => observed.push(seconds), () => now, 3);
    latency.committed(1);
    now = 100;
    latency.committed(2);
    now = 250;
    latency.delivered(2);
    latency.delivered(1);
    latency.delivered(1); // a second source delivering the same change
    latency.delivered(9); // committed elsewhere: not ours to time
    expect(observed).toEqual([0.15, 0.25, 0.25]);
    latency.committed(3);
    latency.committed(4); // capacity 3: seq 1 drops out
    now = 1_250;
    latency.delivered(1);
    latency.delivered(4);
    expect(observed).toEqual([0.15, 0.25, 0.25, 1]);
  });
});
