import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { english } from '../support/messages.js';
import type { Fault } from '../support/fake-scim-server.js';
import { buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';
import { DIALECT } from '../support/test-database.js';

/**
 * Issue 14 item 3: a create reaches the downstream but its answer is lost, and the user is
 * deleted before the retry. The delete must find the account (look-up by userName) and apply
 * the policy to it, not log "not on the downstream" and leave it active.
 */
describe(`a deletion after a create whose answer was lost (${DIALECT})`, () => {
  let t: TestCenter;
  let server: FakeScimServer;
  let now: number;
  beforeEach(async () => {
    server = await new FakeScimServer().start();
    now = Date.parse('2030-01-01T00:00:00.000Z');
    // A minute's backoff on the center clock: the deletion lands before the retry, as in the report.
    t = await createTestCenter({ push: { ...FAST_PUSH, retry: { baseMs: 60_000, maxMs: 60_000, runAttempts: 1 } }, clock: () => new Date(now) });
    await t.center.start();
  });
  afterEach(async () => {
    await t?.close();
    await server.close();
  });

  async function createThenDelete(fault: Fault, users: 'disable' | 'delete') {
    const source = await createPushSource(t.center, server, { deprovision: { users, orgs: 'delete' } });
    let faulted = false;
    server.fault = (request) => {
      if (request.method !== 'POST' || faulted) return undefined;
      faulted = true;
      return fault;
    };
    await t.center.changes.userUpserted(buildUser({ id: 'u1', userName: 'lost@example.com' }));
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).worker?.state, 'the worker backing off').toBe('backoff'), { timeout: 10_000 });
    expect(server.resources('Users'), 'the create reached the downstream').toHaveLength(1);
    await t.center.changes.userDeleted('u1');
    now += 3_600_000;
    await t.center.changes.userUpserted(buildUser({ id: 'wake' })); // wakes the worker past its backoff
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).cursor, 'caught up').toBe(await t.center.mirror.currentSequence()), { timeout: 10_000 });
    return source;
  }

  it.each([
    ['the connection is reset after the create', 'drop-response'],
    ['the create times out', 'handle-then-hang'],
  ] as const)('disables the account when %s', async (_, fault) => {
    const source = await createThenDelete(fault, 'disable');
    const account = server.resources('Users').find((user) => user.userName === 'lost@example.com');
    expect(account?.active).toBe(false);
    const entries = (await t.center.logs.deliveries(source.id)).entries.filter((entry) => entry.objectId === 'u1').reverse();
    expect(entries.map((entry) => [entry.operation, entry.result])).toEqual([
      ['create', 'retrying'],
      ['disable', 'succeeded'],
    ]);
    expect(entries.some((entry) => /not on the downstream/.test(entry.error ?? ''))).toBe(false);
    expect(await t.center.push.link(source.id, 'user', 'u1')).toMatchObject({ remoteId: account!.id, lastStatus: 'disabled' });
  });

  it('deletes the account when the policy deletes', async () => {
    const source = await createThenDelete('drop-response', 'delete');
    expect(server.resources('Users').map((user) => user.userName)).not.toContain('lost@example.com');
    const deletes = server.requests.filter((request) => request.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(await t.center.push.link(source.id, 'user', 'u1')).toBeUndefined();
  });

  it('still skips, after looking, a deleted user whose failed create never reached the downstream', async () => {
    const source = await createPushSource(t.center, server, { deprovision: { users: 'disable', orgs: 'delete' } });
    let faulted = false;
    server.fault = (request) => (request.method === 'POST' && !faulted ? ((faulted = true), 'reset') : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'u2', userName: 'never@example.com' }));
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).worker?.state, 'the worker backing off').toBe('backoff'), { timeout: 10_000 });
    await t.center.changes.userDeleted('u2');
    now += 3_600_000;
    await t.center.changes.userUpserted(buildUser({ id: 'wake2' }));
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).cursor, 'caught up').toBe(await t.center.mirror.currentSequence()), { timeout: 10_000 });
    expect(server.requests.some((request) => request.method === 'GET' && new URL(request.path, 'http://x').searchParams.get('filter') === 'userName eq "never@example.com"')).toBe(true);
    const [skip] = (await t.center.logs.deliveries(source.id)).entries.filter((entry) => entry.objectId === 'u2' && entry.result === 'skipped');
    expect(english(skip?.error)).toMatch(/not on the downstream/);
    expect(await t.center.push.link(source.id, 'user', 'u2')).toBeUndefined();
  });
});
