import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildUser } from '../support/factories.js';
import { FakeScimServer, type RecordedRequest } from '../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

/**
 * While a source fails, a cheap probe (GET Users?startIndex=1&count=1) runs at
 * `push.probeIntervalMs` and ends the backoff as soon as it answers 2xx. The center's clock
 * stands still here, so the backoff (a minute and more) never ends by itself: whatever is
 * delivered after the downstream recovers was started by a probe.
 */
describe('probing a failing source', () => {
  let t: TestCenter;
  let server: FakeScimServer;
  const now = Date.parse('2030-01-01T00:00:00.000Z');
  beforeEach(async () => {
    server = await new FakeScimServer().start();
    t = await createTestCenter({
      push: { ...FAST_PUSH, retry: { baseMs: 60_000, maxMs: 3_600_000, runAttempts: 1 }, quarantineAfter: 1, quarantineMaxIntervalMs: 3_600_000, probeIntervalMs: 30 },
      clock: () => new Date(now),
    });
    await t.center.start();
  });
  afterEach(async () => {
    await t.close();
    await server.close();
  });
  const isProbe = (request: RecordedRequest) => request.method === 'GET' && /\/Users\?startIndex=1&count=1$/.test(request.path);
  const probes = (status?: number) => server.requests.filter((request) => isProbe(request) && (status === undefined || request.status === status));

  it('resumes delivery as soon as a probe answers after an outage', async () => {
    const source = await createPushSource(t.center, server);
    await server.down();
    await t.center.changes.apply(['a', 'b', 'c'].map((id) => ({ type: 'userUpserted' as const, user: buildUser({ id }) })));
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).worker?.failures ?? 0, 'a failed attempt').toBeGreaterThanOrEqual(1), { timeout: 10_000 });
    const { worker } = await t.center.push.status(source.id);
    expect(worker).toMatchObject({ state: 'backoff', nextProbeAt: expect.any(String) });
    expect(Date.parse(worker!.nextAttemptAt!) - now, 'the backoff alone would wait a minute or more').toBeGreaterThanOrEqual(30_000);
    expect((await t.center.sources.get(source.id)).status).toBe('quarantined');
    await server.up();
    await vi.waitFor(() => expect(server.resources('Users'), 'delivered after the outage').toHaveLength(3), { timeout: 10_000 });
    expect(probes(200).length, 'the probe that found the downstream back').toBeGreaterThanOrEqual(1);
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status, 'quarantine lifted by the delivery').toBe('enabled'), { timeout: 10_000 });
    expect((await t.center.push.status(source.id)).worker).toMatchObject({ failures: 0, nextProbeAt: null });
  });

  it('does not resume a source quarantined for refused credentials until a probe authenticates', async () => {
    const source = await createPushSource(t.center, server);
    const stored = server.options.token;
    server.options.token = 'rotated-on-the-downstream';
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status, 'quarantined').toBe('quarantined'), { timeout: 10_000 });
    // Probes go on and are refused: nothing is sent, the quarantine stays.
    await vi.waitFor(() => expect(probes(401).length, 'refused probes').toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    expect(server.writes()).toHaveLength(0);
    expect((await t.center.sources.get(source.id)).status).toBe('quarantined');
    // The downstream takes the stored token again: the next probe authenticates, delivery resumes.
    server.options.token = stored;
    await vi.waitFor(() => expect(server.resources('Users'), 'delivered once a probe authenticated').toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status).toBe('enabled'), { timeout: 10_000 });
    const audit = await t.center.audit.list({ sourceId: source.id });
    expect(audit.map((entry) => entry.action)).toContain('source.quarantine_lifted');
  });

  it('stops probing a source that answers reads but refuses writes with 403, until an admin acts', async () => {
    const source = await createPushSource(t.center, server);
    let forbidden = true;
    server.fault = (request) => (forbidden && request.method !== 'GET' ? { status: 403 } : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    // The first attempt is refused; a probe answers 200 and starts one more attempt; it is refused too.
    await vi.waitFor(() => expect(server.writes().length, 'two refused attempts').toBe(2), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).worker, 'probes suspended').toMatchObject({ state: 'backoff', nextProbeAt: null }), { timeout: 10_000 });
    expect(probes(200)).toHaveLength(1);
    expect((await t.center.sources.get(source.id)).status).toBe('quarantined');
    forbidden = false;
    await t.center.sources.resume(source.id);
    await vi.waitFor(() => expect(server.resources('Users'), 'delivered after the resume').toHaveLength(1), { timeout: 10_000 });
  });
});
