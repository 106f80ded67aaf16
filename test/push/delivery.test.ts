import { afterEach, describe, expect, it, vi } from 'vitest';
import { english } from '../support/messages.js';
import type { SyncCenter } from '../../index.js';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { replaceFixture, useFixture } from '../support/fixture.js';
import { createPushSource, createSiblingCenter, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

describe('incremental delivery worker', () => {
  const server = useFakeDownstream();
  // Each test starts its center with push options of its own (see started()).
  const t = useFixture<TestCenter>();
  const extra: SyncCenter[] = [];
  afterEach(async () => {
    for (const center of extra.splice(0)) await center.close();
  });

  async function started(push = FAST_PUSH, sourcePush: Parameters<typeof createPushSource>[2] = {}) {
    await replaceFixture(t, () => createTestCenter({ push }));
    await t.center.start();
    const source = await createPushSource(t.center, server, sourcePush);
    return source;
  }
  const writes = () => server.writes().map((request) => `${request.method} ${request.path.split('/')[3]} ${request.body?.externalId ?? request.body?.Operations?.[0]?.path ?? ''}`.trim());

  it('coalesces several changes of one object into one request, parents before children, orgs before users', async () => {
    const source = await started();
    const parent = buildOrg({ id: 'p' });
    const child = buildOrg({ id: 'c', parentId: 'p' });
    const user = buildUser({ id: 'u', orgIds: ['c'] });
    await t.center.changes.apply([
      { type: 'userUpserted', user: { ...user, orgIds: [] } },
      { type: 'orgUpserted', org: parent },
      { type: 'orgUpserted', org: child },
      { type: 'userUpserted', user: { ...user, title: 'first' } },
      { type: 'userUpserted', user: { ...user, title: 'second' } },
    ]);
    await t.center.push.drained(source.id);
    expect(writes()).toEqual(['POST Organizations p', 'POST Organizations c', 'POST Users u']);
    expect(server.resources('Users')[0]).toMatchObject({ title: 'second' });
    const entries = (await t.center.logs.deliveries(source.id)).entries;
    expect(entries).toHaveLength(3);
    expect(entries.every((entry) => entry.result === 'succeeded' && entry.attempt === 1)).toBe(true);
  });

  it('deletes users first, then orgs leaves first', async () => {
    const source = await started(FAST_PUSH, { deprovision: { users: 'delete', orgs: 'delete' } });
    await t.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'p' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'c', parentId: 'p' }) },
      { type: 'userUpserted', user: buildUser({ id: 'u', orgIds: ['c'] }) },
    ]);
    await t.center.push.drained(source.id);
    server.requests.length = 0;
    await t.center.changes.apply([
      { type: 'orgDeleted', id: 'c' },
      { type: 'orgDeleted', id: 'p' },
      { type: 'userDeleted', id: 'u' },
    ]);
    await t.center.push.drained(source.id);
    const order = server.writes().map((request) => request.path.split('/')[3]);
    expect(order).toEqual(['Users', 'Organizations', 'Organizations']);
    const remoteIds = server.writes().slice(1).map((request) => request.path.split('/')[4]);
    expect(server.resources('Organizations')).toHaveLength(0);
    expect(remoteIds).toHaveLength(2);
  });

  it('retries 500s with backoff, logs every attempt, and delivers once it works', async () => {
    const source = await started();
    let failures = 2;
    server.fault = (request) => (request.method === 'POST' && failures-- > 0 ? { status: 500 } : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(() => expect(server.resources('Users'), 'the user').toHaveLength(1), { timeout: 10_000 });
    await t.center.push.drained(source.id);
    const entries = (await t.center.logs.deliveries(source.id)).entries.reverse();
    expect(entries.map((entry) => [entry.result, entry.httpStatus, entry.attempt])).toEqual([
      ['retrying', 500, 1],
      ['retrying', 500, 2],
      ['succeeded', 201, 3],
    ]);
  });

  it('waits out a backoff on the center clock: the retry goes once that clock has passed it', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    await replaceFixture(t, () => createTestCenter({ push: { ...FAST_PUSH, retry: { baseMs: 60_000, maxMs: 60_000, runAttempts: 1 } }, clock: () => new Date(now) }));
    await t.center.start();
    const source = await createPushSource(t.center, server);
    let failures = 1;
    server.fault = (request) => (request.method === 'POST' && failures-- > 0 ? { status: 500 } : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    const worker = await vi.waitFor(async () => {
      const current = (await t.center.push.status(source.id)).worker;
      expect(current?.state, 'the worker backing off').toBe('backoff');
      return current;
    });
    // Half of the minute fixed, half jitter: a wall-clock wait would take half a minute or more.
    const retryAt = Date.parse(worker!.nextAttemptAt!);
    expect(retryAt - now).toBeGreaterThanOrEqual(30_000);
    now = retryAt;
    await t.center.changes.userUpserted(buildUser({ id: 'u2' })); // wakes the worker, which finds the backoff over
    await vi.waitFor(() => expect(server.resources('Users'), 'both users').toHaveLength(2), { timeout: 10_000 });
  });

  it('honours 429 Retry-After, and survives timeouts and connection resets', async () => {
    const source = await started();
    const plan: Array<'429' | 'hang' | 'reset'> = ['429', 'hang', 'reset'];
    server.fault = (request) => {
      if (request.method !== 'POST') return undefined;
      const next = plan.shift();
      if (next === '429') return { status: 429, headers: { 'retry-after': '0' } };
      return next;
    };
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(() => expect(server.resources('Users'), 'the user').toHaveLength(1), { timeout: 10_000 });
    await t.center.push.drained(source.id);
    const entries = (await t.center.logs.deliveries(source.id)).entries.reverse();
    expect(entries.map((entry) => entry.result)).toEqual(['retrying', 'retrying', 'retrying', 'succeeded']);
    expect(entries[0]!.httpStatus).toBe(429);
    expect(english(entries[1]!.error)).toMatch(/timeout/);
    expect(english(entries[2]!.error)).toMatch(/reset|socket/i);
  });

  it('loses nothing while the downstream is down, and delivers in order once it is back', async () => {
    const source = await started();
    await server.down();
    const users = Array.from({ length: 5 }, (_, index) => buildUser({ id: `d${index}` }));
    for (const user of users) await t.center.changes.userUpserted(user);
    await t.center.changes.userUpserted({ ...users[0]!, title: 'changed while down' });
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).worker?.failures ?? 0, 'failed attempts').toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect((await t.center.push.status(source.id)).cursor).toBeLessThan(await t.center.mirror.currentSequence());
    await server.up();
    await vi.waitFor(() => expect(server.resources('Users'), 'all users').toHaveLength(5), { timeout: 10_000 });
    await t.center.push.drained(source.id);
    expect(server.resources('Users').find((user) => user.externalId === 'd0')).toMatchObject({ title: 'changed while down' });
    expect(server.writes().filter((request) => request.method === 'POST')).toHaveLength(5);
  });

  it('quarantines a source at once on 401, says why, and delivers after an admin resumes it', async () => {
    const source = await started();
    server.options.token = 'rotated-on-the-downstream';
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    const quarantined = await vi.waitFor(
      async () => {
        const current = await t.center.sources.get(source.id);
        expect(current.status).toBe('quarantined');
        return current;
      },
      { timeout: 10_000 },
    );
    expect(quarantined!.quarantine!.reason).toMatch(/401/);
    const audit = await t.center.audit.list({ sourceId: source.id });
    expect(audit.some((entry) => entry.action === 'source.quarantine')).toBe(true);
    await t.center.sources.update(source.id, { push: { token: 'rotated-on-the-downstream' } });
    await t.center.sources.resume(source.id);
    await vi.waitFor(() => expect(server.resources('Users'), 'delivery after resume').toHaveLength(1), { timeout: 10_000 });
    expect((await t.center.sources.get(source.id)).status).toBe('enabled');
  });

  it('quarantines when (nearly) every request fails, keeps retrying, and lifts it once a retry is delivered', async () => {
    const source = await started({ ...FAST_PUSH, quarantineAfter: 3 });
    let failing = true;
    server.fault = (request) => (failing && request.method === 'POST' ? { status: 503 } : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status, 'quarantine').toBe('quarantined'), { timeout: 10_000 });
    expect(english((await t.center.sources.get(source.id)).quarantine!.reason)).toMatch(/quarantined after 3 failed requests in a row within 10 minutes/);
    failing = false;
    await vi.waitFor(() => expect(server.resources('Users'), 'a retry while quarantined').toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status, 'quarantine lifted').toBe('enabled'), { timeout: 10_000 });
  });

  it('logs a permanent rejection and moves on', async () => {
    const source = await started();
    server.fault = (request) => (request.body?.externalId === 'bad' ? { status: 400, body: { scimType: 'invalidValue', detail: 'bad email' } } : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'bad' }));
    await t.center.changes.userUpserted(buildUser({ id: 'good' }));
    await vi.waitFor(() => expect(server.resources('Users').map((user) => user.externalId), 'the next user').toContain('good'), { timeout: 10_000 });
    await t.center.push.drained(source.id);
    const [rejected] = (await t.center.logs.deliveries(source.id, { result: 'rejected' })).entries;
    expect(rejected).toMatchObject({ objectId: 'bad', httpStatus: 400, error: expect.stringContaining('bad email') });
    const [link] = (await t.center.push.links(source.id, { status: 'rejected' })).links;
    expect(link).toMatchObject({ localId: 'bad', remoteId: null });
  });

  it('holds deletions above the threshold until an admin confirms them', async () => {
    const source = await started(FAST_PUSH, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } });
    const users = [buildUser({ id: 'a' }), buildUser({ id: 'b' }), buildUser({ id: 'c' })];
    await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    await t.center.push.drained(source.id);
    await t.center.changes.apply([{ type: 'userDeleted', id: 'a' }, { type: 'userDeleted', id: 'b' }]);
    const hold = await vi.waitFor(
      async () => {
        const { hold } = await t.center.push.status(source.id);
        expect(hold, 'the hold').not.toBeNull();
        return hold;
      },
      { timeout: 10_000 },
    );
    expect(hold).toMatchObject({ deletes: 2 });
    expect(renderMessage(translator('en'), hold!.reason)).toContain('2 deletions exceed the threshold of 1');
    expect(server.resources('Users')).toHaveLength(3);
    await t.center.push.confirmDeletions(source.id, { actor: 'alice' });
    await vi.waitFor(() => expect(server.resources('Users'), 'confirmed deletions').toHaveLength(1), { timeout: 10_000 });
  });

  it('leaves cancelled deletions undone and goes on delivering', async () => {
    const source = await started(FAST_PUSH, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } });
    await t.center.changes.apply(['a', 'b', 'c'].map((id) => ({ type: 'userUpserted' as const, user: buildUser({ id }) })));
    await t.center.push.drained(source.id);
    await t.center.changes.apply([{ type: 'userDeleted', id: 'a' }, { type: 'userDeleted', id: 'b' }]);
    await vi.waitFor(async () => expect((await t.center.push.status(source.id)).hold, 'the hold').not.toBeNull(), { timeout: 10_000 });
    await t.center.push.cancelDeletions(source.id);
    await t.center.changes.userUpserted(buildUser({ id: 'd' }));
    await vi.waitFor(() => expect(server.resources('Users'), 'the next change').toHaveLength(4), { timeout: 10_000 });
    await t.center.push.drained(source.id);
    expect(server.writes().filter((request) => request.method === 'DELETE')).toHaveLength(0);
  });

  it('after a restart mid-delivery, resumes from the cursor without creating anything twice', async () => {
    await replaceFixture(server, () => new FakeScimServer({ uniqueUserName: false }).start());
    const source = await started();
    // The downstream creates the user, but the answer never arrives; then the process goes away.
    server.fault = (request) => (request.method === 'POST' ? 'drop-response' : undefined);
    await t.center.changes.apply([{ type: 'userUpserted', user: buildUser({ id: 'u1', userName: 'one@example.com' }) }]);
    await vi.waitFor(() => expect(server.resources('Users'), 'the first create').toHaveLength(1), { timeout: 10_000 });
    await t.center.close();
    server.fault = () => undefined;
    const again = await createSiblingCenter(t.knex, t.directory);
    extra.push(again);
    await again.changes.userUpserted(buildUser({ id: 'u2', userName: 'two@example.com' }));
    await again.start();
    await again.push.drained(source.id);
    const names = server.resources('Users').map((user) => user.userName).sort();
    expect(names).toEqual(['one@example.com', 'two@example.com']);
    expect((await again.push.links(source.id)).links.map((link) => link.lastStatus)).toEqual(['synced', 'synced']);
  });

  it('lets one instance at a time deliver a source: two centers on one database create each user once', async () => {
    await replaceFixture(server, () => new FakeScimServer({ uniqueUserName: false }).start());
    const source = await started();
    const second = await createSiblingCenter(t.knex, t.directory);
    extra.push(second);
    await second.start();
    for (let index = 0; index < 20; index += 1) {
      const center = index % 2 === 0 ? t.center : second;
      await center.changes.userUpserted(buildUser({ id: `m${index}`, userName: `m${index}@example.com` }));
    }
    await vi.waitFor(() => expect(server.resources('Users').length, 'all users').toBeGreaterThanOrEqual(20), { timeout: 15_000 });
    await t.center.push.drained(source.id);
    await second.push.drained(source.id);
    const names = server.resources('Users').map((user) => user.userName);
    expect(new Set(names).size).toBe(20);
    expect(names).toHaveLength(20);
    const cursor = await t.knex(TABLES.cursors).where({ source_id: source.id }).first('seq');
    expect(Number(cursor.seq)).toBe(await t.center.mirror.currentSequence());
  });

  it('never writes the token into the delivery log, the run log, the quarantine reason or the audit log', async () => {
    const source = await started();
    const token = server.options.token;
    // A careless downstream echoes the Authorization header in its errors.
    server.fault = (request) => (request.method !== 'GET' ? { status: request.body?.externalId === 'x1' ? 400 : 403, body: { detail: `got ${request.authorization}` } } : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'x1' }));
    await t.center.changes.userUpserted(buildUser({ id: 'x2' }));
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status, 'quarantine').toBe('quarantined'), { timeout: 10_000 });
    const run = await t.center.runs.settled((await t.center.runs.start(source.id)).id);
    const everything = JSON.stringify([
      await t.center.logs.deliveries(source.id, { limit: 500 }),
      await t.center.runs.items(run!.id, { limit: 500 }),
      run,
      await t.center.sources.get(source.id),
      await t.center.audit.list({ sourceId: source.id }),
      await t.center.push.links(source.id),
    ]);
    expect(everything).toContain('got Bearer ***');
    expect(everything).not.toContain(token);
  });
});
