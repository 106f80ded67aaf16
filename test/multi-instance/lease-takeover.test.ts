import { describe, expect, it } from 'vitest';
import { TABLES } from '../../lib/persistence/tables.js';
import { LeaseStore } from '../../lib/persistence/leases.js';
import { buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

/**
 * What a takeover finds: the dead holder's lease row, expired, and possibly creates it sent that
 * reached the downstream without their links being written. The multi-process test does this
 * with a real SIGKILL; these tests set the scene by hand so that it is exact.
 */
describe('taking over the lease of a dead instance', () => {
  const server = useFakeDownstream({ uniqueUserName: false });
  const t = useTestCenter({ push: FAST_PUSH });

  /** A downstream that would take a second create of the same user (no uniqueness on userName). */
  async function scene(leaseRow: 'expired' | 'none') {
    const source = await createPushSource(t.center, server, { schedule: null });
    const user = buildUser({ id: 'tk1', userName: 'tk1@example.com', title: 'v1' });
    await t.center.changes.userUpserted(user);
    // The dead instance's create reached the downstream; its link never made it to the database.
    server.store.get('Users')!.set('remote-1', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'remote-1', externalId: 'tk1', userName: 'tk1@example.com', meta: { resourceType: 'Users' } });
    if (leaseRow === 'expired') {
      await t.knex(TABLES.leases).insert({ name: `push:${source.id}`, holder: 'dead-host:4242:abcd:delivery', expires_at: new Date(Date.now() - 1000).toISOString() });
    }
    await t.center.start();
    await t.center.push.drained(source.id);
    return source;
  }

  it('looks unlinked objects up before creating them, so the create the dead holder sent is adopted, not repeated', async () => {
    const source = await scene('expired');
    expect(server.writes().filter((request) => request.method === 'POST')).toHaveLength(0);
    expect(server.requests.some((request) => request.method === 'GET' && request.path.includes('filter='))).toBe(true);
    expect(server.resources('Users')).toHaveLength(1);
    expect(server.resources('Users')[0]).toMatchObject({ id: 'remote-1', title: 'v1' });
    const [link] = (await t.center.push.links(source.id)).links;
    expect(link).toMatchObject({ localId: 'tk1', remoteId: 'remote-1' });
  });

  it('looks up by the matching setting alone when the lease was free (the previous holder let go cleanly)', async () => {
    const source = await scene('none');
    // Matching before creating (issue 10) looks every create up, by userName here; only a takeover adds the other identifiers.
    expect(server.writes().filter((request) => request.method === 'POST')).toHaveLength(0);
    const lookUps = server.requests.filter((request) => request.method === 'GET' && request.path.includes('filter='));
    expect(lookUps.map((request) => new URLSearchParams(request.path.split('?')[1]).get('filter'))).toEqual(['userName eq "tk1@example.com"']);
    expect((await t.center.push.link(source.id, 'user', 'tk1'))?.remoteId).toBe('remote-1');
  });
});

describe('LeaseStore.claim', () => {
  const t = useTestCenter();

  it('tells a takeover of an expired lease from a fresh or renewed claim, and refuses a live one', async () => {
    let now = new Date('2030-01-01T00:00:00.000Z');
    const leases = new LeaseStore(t.knex, () => now);
    expect(await leases.claim('push:x', 'a', 1000)).toEqual({ tookOver: false });
    expect(await leases.claim('push:x', 'a', 1000)).toEqual({ tookOver: false });
    expect(await leases.claim('push:x', 'b', 1000)).toBeNull();
    now = new Date(now.getTime() + 1001);
    expect(await leases.claim('push:x', 'b', 1000)).toEqual({ tookOver: true });
    expect(await leases.renew('push:x', 'a', 1000)).toBe(false);
    await leases.release('push:x', 'b');
    expect(await leases.claim('push:x', 'a', 1000)).toEqual({ tookOver: false });
  });
});
