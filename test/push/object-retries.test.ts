import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { english } from '../support/messages.js';
import type { SyncCenter } from '../../index.js';
import type { DeliveryEvent } from '../../lib/events.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { FakeScimServer, type Fault, type RecordedRequest } from '../support/fake-scim-server.js';
import { createPushSource, createSiblingCenter, FAST_PUSH } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';

/**
 * 30 % of requests fail, chosen by a seeded hash of the request (method, object, how many times
 * it was sent): the same faults on every run, whatever order the concurrent requests arrive in.
 */
function seededFaults(seed: number, rate: number): (request: RecordedRequest) => Fault {
  const sent = new Map<string, number>();
  return (request) => {
    const key = `${request.method} ${request.body?.externalId ?? request.path.replace(/\/[0-9a-f-]{36}$/, '')}`;
    const attempt = (sent.get(key) ?? 0) + 1;
    sent.set(key, attempt);
    return unit(`${seed}:${key}#${attempt}`) < rate ? { status: 500 } : undefined;
  };
}

/** FNV-1a of a string with murmur3's final mix (so near-equal strings land far apart), as a number in [0, 1). */
function unit(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) / 4294967296;
}

/**
 * Objects that fail are retried one by one (`sync_push_retries`): the others go on, the cursor
 * moves past the failures, what depends on a failing object waits for it, and quarantine follows
 * the failure rate rather than the number of failed batches.
 */
describe('per-object retries', () => {
  let t: TestCenter;
  let server: FakeScimServer;
  const extra: SyncCenter[] = [];
  const push = { ...FAST_PUSH, batchSize: 60, quarantineAfter: 10 };
  beforeEach(async () => {
    server = await new FakeScimServer().start();
    t = await createTestCenter({ push });
    await t.center.start();
  });
  afterEach(async () => {
    for (const center of extra.splice(0)) await center.close();
    await t.close();
    await server.close();
  });
  const retryRows = (sourceId: string) => t.knex(TABLES.pushRetries).where({ source_id: sourceId });

  it('delivers everything through 30 % random 500s, without holding the successes back and without quarantine', async () => {
    const source = await createPushSource(t.center, server);
    server.fault = seededFaults(14, 0.3);
    const batches: DeliveryEvent[] = [];
    t.center.events.on('delivery', (event) => batches.push(event));
    const orgs = [buildOrg({ id: 'root' }), ...Array.from({ length: 4 }, (_, index) => buildOrg({ id: `o${index}`, parentId: 'root' }))];
    const users = Array.from({ length: 150 }, (_, index) => buildUser({ id: `u${index}`, orgIds: index % 3 === 0 ? [] : [`o${index % 4}`] }));
    await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    // Later changes of the same objects: the downstream must end with these.
    await t.center.changes.apply(users.slice(0, 30).map((user) => ({ type: 'userUpserted' as const, user: { ...user, title: 'second' } })));

    await vi.waitFor(() => expect(server.resources('Users'), 'every user').toHaveLength(150), { timeout: 20_000 });
    await t.center.push.drained(source.id, 20_000);
    expect(server.resources('Organizations')).toHaveLength(5);
    const titles = new Map(server.resources('Users').map((user) => [user.externalId, user.title]));
    expect(users.slice(0, 30).every((user) => titles.get(user.id) === 'second'), 'the latest state of each object').toBe(true);
    expect(await retryRows(source.id)).toHaveLength(0);
    expect((await t.center.push.status(source.id)).retrying).toBe(0);

    // The first batch that sent anything went on past its failures: it delivered most of what it tried and moved the cursor over all of it.
    const first = batches.find((batch) => batch.delivered > 0)!;
    expect(first.status).toBe('progress');
    expect(first.delivered, 'delivered by the first batch').toBeGreaterThanOrEqual(20);
    expect(first.cursor, 'the cursor moved past the whole first batch').toBe(push.batchSize);
    // The cursor reached the end of the feed with most objects delivered on the way (a third of the
    // requests fail, and some objects wait for their org); the failed ones followed on their own.
    const end = await t.center.mirror.currentSequence();
    const reachedEnd = batches.findIndex((batch) => batch.cursor === end);
    expect(reachedEnd, 'the cursor reached the end of the feed').toBeGreaterThanOrEqual(0);
    const deliveredOnTheWay = batches.slice(0, reachedEnd + 1).reduce((sum, batch) => sum + batch.delivered, 0);
    expect(deliveredOnTheWay, 'delivered by the time the cursor reached the end').toBeGreaterThanOrEqual(75);
    const failed = server.requests.filter((request) => request.status === 500).length;
    expect(failed, 'failures did happen').toBeGreaterThan(20);
    expect((await t.center.sources.get(source.id)).status).toBe('enabled');
    expect((await t.center.audit.list({ sourceId: source.id })).some((entry) => entry.action === 'source.quarantine')).toBe(false);
  });

  it('quarantines by failure rate when every request fails, keeps each object for its retry, and delivers them once it works', async () => {
    const source = await createPushSource(t.center, server);
    let failing = true;
    server.fault = (request) => (failing && request.method !== 'GET' ? { status: 500 } : undefined);
    await t.center.changes.apply(Array.from({ length: 12 }, (_, index) => ({ type: 'userUpserted' as const, user: buildUser({ id: `f${index}` }) })));
    const quarantined = await vi.waitFor(
      async () => {
        const current = await t.center.sources.get(source.id);
        expect(current.status, 'quarantined').toBe('quarantined');
        return current;
      },
      { timeout: 10_000 },
    );
    expect(english(quarantined.quarantine!.reason)).toMatch(/^quarantined after (\d+ failed requests in a row|\d+ of \d+ requests failed) within 10 minutes\. Last error: POST .* 500/);
    // Nothing acknowledged is lost: every object the cursor passed has its retry row.
    expect((await t.center.push.status(source.id)).cursor).toBe(await t.center.mirror.currentSequence());
    expect((await retryRows(source.id)).map((row) => row.local_id).sort()).toEqual(Array.from({ length: 12 }, (_, index) => `f${index}`).sort());
    expect((await t.center.push.status(source.id)).retrying, 'the status counts them').toBe(12);
    failing = false;
    await vi.waitFor(() => expect(server.resources('Users'), 'delivered by their retries').toHaveLength(12), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await t.center.sources.get(source.id)).status, 'quarantine lifted').toBe('enabled'), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await retryRows(source.id), 'rows cleared with the deliveries').toHaveLength(0), { timeout: 10_000 });
  });

  it('lets a failing parent org hold back only what depends on it', async () => {
    const source = await createPushSource(t.center, server);
    let failing = true;
    server.fault = (request) => (failing && request.method === 'POST' && request.body?.externalId === 'p' ? { status: 503 } : undefined);
    await t.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'p' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'c', parentId: 'p' }) },
      { type: 'orgUpserted', org: buildOrg({ id: 'other' }) },
      { type: 'userUpserted', user: buildUser({ id: 'in-child', orgIds: ['c'] }) },
      { type: 'userUpserted', user: buildUser({ id: 'elsewhere', orgIds: ['other'] }) },
      { type: 'userUpserted', user: buildUser({ id: 'no-org', orgIds: [] }) },
    ]);
    await vi.waitFor(() => expect(server.resources('Users').map((user) => user.externalId).sort(), 'the independent users').toEqual(['elsewhere', 'no-org']), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await retryRows(source.id)).map((row) => `${row.kind}:${row.local_id}`).sort()).toEqual(['org:c', 'org:p', 'user:in-child']), { timeout: 10_000 });
    expect(server.resources('Organizations').map((org) => org.externalId)).toEqual(['other']);
    failing = false;
    await vi.waitFor(() => expect(server.resources('Users'), 'the dependant user').toHaveLength(3), { timeout: 10_000 });
    await t.center.push.drained(source.id);
    const creates = server.writes().filter((request) => request.method === 'POST' && request.status === 201).map((request) => request.body.externalId);
    expect(creates.indexOf('p')).toBeLessThan(creates.indexOf('c'));
    expect(creates.indexOf('c')).toBeLessThan(creates.indexOf('in-child'));
    const child = server.resources('Organizations').find((org) => org.externalId === 'c')!;
    expect(child.parent).toBe(server.resources('Organizations').find((org) => org.externalId === 'p')!.id);
  });

  it('keeps a failed object across a restart: the next instance retries it from its row', async () => {
    const source = await createPushSource(t.center, server);
    server.fault = (request) => (request.method === 'POST' && request.body?.externalId === 'x' ? { status: 500 } : undefined);
    await t.center.changes.apply([
      { type: 'userUpserted', user: buildUser({ id: 'x' }) },
      { type: 'userUpserted', user: buildUser({ id: 'y' }) },
    ]);
    await vi.waitFor(async () => expect((await retryRows(source.id)).map((row) => row.local_id)).toEqual(['x']), { timeout: 10_000 });
    expect((await t.center.push.status(source.id)).cursor).toBe(await t.center.mirror.currentSequence());
    await t.center.close();
    server.fault = () => undefined;
    const again = await createSiblingCenter(t.knex, t.directory, { push });
    extra.push(again);
    await again.start();
    await vi.waitFor(() => expect(server.resources('Users').map((user) => user.externalId).sort()).toEqual(['x', 'y']), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await retryRows(source.id)).toHaveLength(0), { timeout: 10_000 });
  });
});
