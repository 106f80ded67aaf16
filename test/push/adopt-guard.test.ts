import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { english } from '../support/messages.js';
import { buildUser } from '../support/factories.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH } from '../support/push-helpers.js';
import { createTestCenter, type TestCenter } from '../support/test-center.js';
import { DIALECT } from '../support/test-database.js';

/**
 * Issue 14 item 2, push side: a remote object already linked to one local object is never
 * adopted by another, neither after a 409 nor by the look-up before a create.
 */
describe(`adopting never takes another object's remote object (${DIALECT})`, () => {
  let t: TestCenter;
  let server: FakeScimServer;
  afterEach(async () => {
    await t?.close();
    await server.close();
  });

  async function started(options: ConstructorParameters<typeof FakeScimServer>[0] = {}) {
    server = await new FakeScimServer(options).start();
    t = await createTestCenter({ push: FAST_PUSH });
    await t.center.start();
    return createPushSource(t.center, server);
  }

  async function firstLinked(sourceId: string) {
    await t.center.changes.userUpserted(buildUser({ id: 'a', userName: 'a@example.com', externalId: 'shared' }));
    await t.center.push.drained(sourceId);
    const link = await t.center.push.link(sourceId, 'user', 'a');
    expect(link?.remoteId).toBeTruthy();
    return link!.remoteId!;
  }

  it('a 409 whose look-up finds an object linked to another user is a failure of the newcomer', async () => {
    const source = await started({ uniqueExternalId: true });
    const remoteId = await firstLinked(source.id);
    server.requests.length = 0;
    await t.center.changes.userUpserted(buildUser({ id: 'b', userName: 'b@example.com', externalId: 'shared' }));
    await t.center.push.drained(source.id);
    const [entry] = (await t.center.logs.deliveries(source.id)).entries.filter((row) => row.objectId === 'b');
    expect(entry).toMatchObject({ operation: 'create', result: 'rejected' });
    expect(english(entry?.error)).toContain(`already linked to the local object "a"`);
    expect(server.requests.filter((request) => request.path.includes(remoteId) && request.method !== 'GET')).toEqual([]);
    expect(await t.center.push.link(source.id, 'user', 'a')).toMatchObject({ remoteId, lastStatus: 'synced' });
    expect(await t.center.push.link(source.id, 'user', 'b')).toMatchObject({ remoteId: null, lastStatus: 'rejected' });
    expect(server.resources('Users').find((user) => user.id === remoteId)).toMatchObject({ userName: 'a@example.com' });
  });

  it('the look-up before a create does not adopt an object linked to another user either', async () => {
    const source = await started();
    const remoteId = await firstLinked(source.id);
    // The downstream's admin renames a's account to b's userName; b's first create then fails.
    server.store.get('Users')!.get(remoteId)!.userName = 'b@example.com';
    let failed = false;
    server.fault = (request) => (request.method === 'POST' && !failed ? ((failed = true), { status: 500 }) : undefined);
    await t.center.changes.userUpserted(buildUser({ id: 'b', userName: 'b@example.com' }));
    await vi.waitFor(async () => {
      const entries = (await t.center.logs.deliveries(source.id)).entries.filter((row) => row.objectId === 'b');
      expect(entries.map((row) => row.result), 'a retry that looks first').toContain('rejected');
    }, { timeout: 10_000 });
    const rejected = (await t.center.logs.deliveries(source.id)).entries.find((row) => row.objectId === 'b' && row.result === 'rejected');
    expect(english(rejected?.error)).toMatch(new RegExp(`"${remoteId}" is already linked to the local object "a"`));
    expect(await t.center.push.link(source.id, 'user', 'a')).toMatchObject({ remoteId, lastStatus: 'synced' });
    expect((await t.center.push.link(source.id, 'user', 'b'))?.remoteId).toBeNull();
    expect(server.writes().filter((request) => request.path.includes(remoteId))).toEqual([]);
  });
});
