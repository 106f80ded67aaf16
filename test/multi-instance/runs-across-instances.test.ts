import express from 'express';
import { describe, expect, it, vi } from 'vitest';
import { TABLES } from '../../lib/persistence/tables.js';
import { adminAgent } from '../support/admin-agent.js';
import { buildUser } from '../support/factories.js';
import { useFixture } from '../support/fixture.js';
import { createPushSource, createSiblingCenter, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { MOUNT, useTestCenter } from '../support/test-center.js';

/**
 * Two centers on one database stand for two instances behind a load balancer: A runs the sync,
 * the admin's requests land on B. (On PostgreSQL with SYNC_TEST_PG_URL; on sqlite both share one
 * connection, which shows the same thing: everything goes through sync_runs.)
 */
describe('a manual sync seen from another instance', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: { ...FAST_PUSH, pageSize: 10 } });
  // Instance B: a second center on A's database (built after A, closed before it).
  const b = useFixture(() => createSiblingCenter(t.knex, t.directory, { push: { ...FAST_PUSH, pageSize: 10 } }));

  async function twoInstances() {
    const appB = express();
    appB.use(MOUNT, b.router);
    const source = await createPushSource(t.center, server, { schedule: null });
    await t.center.changes.apply(Array.from({ length: 40 }, (_, index) => ({ type: 'userUpserted' as const, user: buildUser({ id: `r${String(index).padStart(2, '0')}` }) })));
    // The downstream answers the first 15 creates, then holds the rest until the test lets them go.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let posts = 0;
    server.delay = (request) => (request.method === 'POST' && ++posts > 15 ? gate : undefined);
    return { source, clientB: adminAgent(appB), release };
  }

  it('shows live progress of a run started on instance A on instance B, and B cancels it', async () => {
    const { source, clientB, release } = await twoInstances();
    const run = await t.center.runs.start(source.id);
    const progressUrl = `/sources/${source.id}/runs/${run.id}/progress`;
    // B reads sync_runs: the run is running on A, with the first page counted.
    const seen = await vi.waitFor(
      async () => {
        const { body } = await clientB.get(progressUrl);
        expect(body.status, "the run's progress on B").toBe('running');
        expect(body.processed, "the run's progress on B").toBeGreaterThanOrEqual(10);
        return body;
      },
      { timeout: 10_000 },
    );
    expect(seen).toMatchObject({ id: run.id, active: true, cancelRequested: false });
    expect(seen.processed).toBeLessThan(40);
    const page = await clientB.get(`/sources/${source.id}/sync`);
    expect(page.text).toContain(`data-progress-url="${MOUNT}${progressUrl}"`);
    // The run holds the source's lease, under A's name.
    const lease = await t.knex(TABLES.leases).where({ name: `push:${source.id}` }).first('holder');
    expect(String(lease.holder)).toContain(`:run:${run.id}`);

    // Cancel through B's console; A's run sees it between pages and stops.
    const cancel = await clientB.post(`/sources/${source.id}/runs/${run.id}/cancel`, {});
    expect(cancel.status).toBe(303);
    expect((await clientB.get(progressUrl)).body).toMatchObject({ cancelRequested: true });
    release();
    const done = await t.center.runs.settled(run.id);
    expect(done?.status).toBe('cancelled');
    expect(done!.processed).toBeLessThan(40);
    expect((await clientB.get(progressUrl)).body).toMatchObject({ status: 'cancelled', active: false });
    expect(server.resources('Users').length).toBeLessThan(40);
    // The lease is free again for the delivery workers of any instance.
    expect(await t.knex(TABLES.leases).where({ name: `push:${source.id}` }).first()).toBeUndefined();
  });

  it('refuses a second run of a source on another instance: one run per source, cluster-wide', async () => {
    const { source, clientB, release } = await twoInstances();
    const run = await t.center.runs.start(source.id);
    await expect(b!.runs.start(source.id)).rejects.toMatchObject({ reason: 'run_active' });
    const refused = await clientB.post(`/sources/${source.id}/sync`, {});
    expect(refused.status).toBe(409);
    release();
    expect((await t.center.runs.settled(run.id))?.status).toBe('succeeded');
    expect(server.resources('Users')).toHaveLength(40);
  });
});
