import { getTasks } from 'node-cron';
import { describe, expect, it, vi } from 'vitest';
import { TABLES } from '../../../lib/persistence/tables.js';
import { LeaseStore } from '../../../lib/persistence/leases.js';
import { RetryStore } from '../../../lib/push/delivery/retry-store.js';
import { buildUser, createRun } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

describe('Scheduler', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  it('schedules a reconcile per enabled push source, follows edits, and destroys its own tasks on close', async () => {
    await t.center.start();
    const source = await createPushSource(t.center, server, { schedule: '*/5 * * * *' });
    const name = `reconcile:${source.id}`;
    await vi.waitFor(() => expect(t.center.scheduler.jobs()[name], 'the source schedule').toBeTruthy(), { timeout: 5_000 });
    expect(t.center.scheduler.jobs()).toMatchObject({ sweep: '* * * * *', retention: '17 2 * * *', [name]: '*/5 * * * *' });
    await t.center.sources.update(source.id, { push: { schedule: '0 4 * * *' } });
    await vi.waitFor(() => expect(t.center.scheduler.jobs()[name], 'the new schedule').toBe('0 4 * * *'), { timeout: 5_000 });
    await t.center.sources.disable(source.id);
    await vi.waitFor(() => expect(t.center.scheduler.jobs()[name], 'the schedule to go').toBeUndefined(), { timeout: 5_000 });
    const ours = () => [...getTasks().values()].filter((task) => task.name?.startsWith('scim-sync-center:'));
    expect(ours().length).toBeGreaterThan(0);
    await t.center.close();
    expect(ours()).toHaveLength(0);
  });

  it('purges old logs, finished runs and tombstones every push cursor has passed', async () => {
    const source = await createPushSource(t.center, server);
    await t.center.changes.apply([{ type: 'userUpserted', user: buildUser({ id: 'gone' }) }, { type: 'userUpserted', user: buildUser({ id: 'pending' }) }]);
    await t.center.changes.userDeleted('gone');
    const old = new Date(Date.now() - 90 * 86_400_000).toISOString();
    await t.knex(TABLES.users).update({ deleted_at: old }).where({ id: 'gone' });
    const goneSeq = Number((await t.knex(TABLES.users).where({ id: 'gone' }).first()).seq);
    await t.center.changes.userDeleted('pending');
    await t.knex(TABLES.users).update({ deleted_at: old }).where({ id: 'pending' });
    await t.knex(TABLES.cursors).where({ source_id: source.id }).update({ seq: goneSeq });
    await t.knex(TABLES.deliveryLog).insert({ source_id: source.id, at: old, kind: 'user', object_id: 'x', operation: 'create', result: 'succeeded' });
    await createRun(t.knex, { sourceId: source.id, status: 'succeeded', at: old });
    const report = await t.center.scheduler.retention();
    expect(report).toMatchObject({ logEntries: 1, runs: 1, tombstones: 1 });
    expect(await t.knex(TABLES.users).where({ id: 'gone' }).first()).toBeUndefined();
    expect(await t.knex(TABLES.users).where({ id: 'pending' }).first()).toBeDefined(); // its deletion is not delivered yet
  });

  it('keeps the tombstone of a deletion a source still retries, though its cursor has passed it', async () => {
    const source = await createPushSource(t.center, server);
    await t.center.changes.userUpserted(buildUser({ id: 'retried' }));
    await t.center.changes.userDeleted('retried');
    const old = new Date(Date.now() - 90 * 86_400_000).toISOString();
    await t.knex(TABLES.users).update({ deleted_at: old }).where({ id: 'retried' });
    const seq = Number((await t.knex(TABLES.users).where({ id: 'retried' }).first()).seq);
    await t.knex(TABLES.cursors).where({ source_id: source.id }).update({ seq });
    const retries = new RetryStore(t.knex, () => new Date());
    await t.knex.transaction((trx) => retries.save(trx, source.id, [{ kind: 'user', localId: 'retried', firstSeq: seq, attempts: 3, nextAttemptAt: new Date().toISOString(), lastError: 'HTTP 500' }]));
    expect((await t.center.scheduler.retention()).tombstones).toBe(0);
    expect(await t.knex(TABLES.users).where({ id: 'retried' }).first()).toBeDefined();
    await t.knex.transaction((trx) => retries.clear(trx, source.id, [{ kind: 'user', id: 'retried' }]));
    expect((await t.center.scheduler.retention()).tombstones).toBe(1);
  });
});

describe('LeaseStore', () => {
  const t = useTestCenter();

  it('gives a lease to one holder until it expires, and lets the holder renew it', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const leases = new LeaseStore(t.knex, () => new Date(now));
    expect(await leases.acquire('push:s', 'a', 1000)).toBe(true);
    expect(await leases.acquire('push:s', 'b', 1000)).toBe(false);
    expect(await leases.renew('push:s', 'a', 1000)).toBe(true);
    now += 1500;
    expect(await leases.acquire('push:s', 'b', 1000)).toBe(true);
    expect(await leases.renew('push:s', 'a', 1000)).toBe(false); // a lost it: it must stop
    await leases.release('push:s', 'b');
    expect(await leases.acquire('push:s', 'a', 1000)).toBe(true);
  });

  it('lets only the first instance claim a cron slot', async () => {
    const leases = new LeaseStore(t.knex, () => new Date());
    const claims = await Promise.all([leases.claimSlot('cron:x:2026-01-01T03:00', 'a', 60_000), leases.claimSlot('cron:x:2026-01-01T03:00', 'b', 60_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
