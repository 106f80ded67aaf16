import knexFactory from 'knex';
import { describe, expect, it, vi } from 'vitest';
import { createSyncCenter } from '../../lib/sync-center.js';
import { buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { silentLogger, TEST_KEY, useTestCenter } from '../support/test-center.js';

describe('center.health()', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('is not ready before start(), and says why', async () => {
    const report = await t.center.health();
    expect(report).toMatchObject({ ok: false, state: 'created', database: { ok: true }, deliveryWorkers: [], leases: [] });
  });

  it('is ready once started, listing the delivery workers and the leases this instance holds', async () => {
    await t.center.start();
    // The first create waits until the test has looked: the worker holds its lease while it delivers.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    server.delay = (request) => (request.method === 'POST' ? held : undefined);
    const source = await createPushSource(t.center, server);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(async () => expect((await t.center.health()).leases.map((lease) => lease.name), 'the delivery lease').toContain(`push:${source.id}`), { timeout: 10_000 });
    const report = await t.center.health();
    expect(report.ok).toBe(true);
    expect(report.state).toBe('started');
    expect(report.deliveryWorkers).toEqual([source.id]);
    expect(report.database).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    release();
    await t.center.push.drained(source.id);
    expect((await t.center.health()).leases).toEqual([]);
  });

  it('is not ready after close()', async () => {
    await t.center.start();
    await t.center.close();
    expect(await t.center.health()).toMatchObject({ ok: false, state: 'closed', deliveryWorkers: [], leases: [] });
  });

  it('reports a database that does not answer, without hanging', async () => {
    const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    const center = createSyncCenter({ database: knex, directory: { listUsers: () => ({ items: [], nextCursor: null }), listOrgs: () => ({ items: [], nextCursor: null }) }, admin: { isAdmin: () => true }, secretKey: TEST_KEY, logger: silentLogger });
    await center.migrate();
    await knex.destroy();
    const report = await center.health();
    expect(report.ok).toBe(false);
    expect(report.database).toMatchObject({ ok: false, error: expect.any(String) });
  });
});
