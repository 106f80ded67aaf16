import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console: links of a push source', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  /** 30 users and 2 orgs pushed by a manual sync: 32 links. */
  const synced = async () => {
    const orgs = [buildOrg({ id: 'o-sales', name: 'Sales' }), buildOrg({ id: 'o-ops', name: 'Ops' })];
    const users = Array.from({ length: 30 }, (_, index) =>
      buildUser({ id: `u${String(index).padStart(2, '0')}`, userName: `user${index}@example.com`, displayName: index === 7 ? 'Grace Hopper' : `User ${index}`, orgIds: ['o-sales'] }),
    );
    await test.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    const source = await createPushSource(test.center, server);
    await test.center.runs.settled((await test.center.runs.start(source.id)).id);
    return source;
  };
  const en = (path: string) => client.get(path).set('accept-language', 'en');
  const rows = (html: string) => [...html.matchAll(/<tr data-link="([^"]+)"/g)].map((match) => match[1]);

  it('lists the links with local object, remote id, status and time, paged and filtered by kind, status and text', async () => {
    const source = await synced();
    const page = await en(`/sources/${source.id}/links`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${MOUNT}/sources/${source.id}/links" aria-current="page"`);
    expect(rows(page.text)).toHaveLength(25);
    expect(page.text).toContain('Page 1 of 2 · 32 entries');
    const grace = (await test.center.push.links(source.id, { q: 'u07' })).links[0]!;
    expect(page.text).toContain('Grace Hopper');
    expect(page.text).toContain(`<code class="wrap">${grace.remoteId}</code>`);
    expect(page.text).toContain('Synced');

    expect(rows((await en(`/sources/${source.id}/links?kind=org`)).text).sort()).toEqual(['org:o-ops', 'org:o-sales']);
    expect(rows((await en(`/sources/${source.id}/links?q=grace`)).text)).toEqual(['user:u07']);
    expect(rows((await en(`/sources/${source.id}/links?q=${encodeURIComponent(grace.remoteId!)}`)).text)).toEqual(['user:u07']);
    const second = await en(`/sources/${source.id}/links?kind=user&page=2`);
    expect(rows(second.text)).toHaveLength(5);
    expect(second.text).toContain(`href="${MOUNT}/sources/${source.id}/links?kind=user" rel="prev"`);
    expect((await en(`/sources/${source.id}/links?status=failed`)).text).toContain('No links match these filters.');
  });

  it('says so when there are no links yet, and has no links page for a pull source', async () => {
    const source = await createPushSource(test.center, server);
    expect((await en(`/sources/${source.id}/links`)).text).toContain('No links yet.');
    const { source: pull } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    expect((await en(`/sources/${pull.id}/links`)).status).toBe(404);
    expect((await en(`/sources/${pull.id}`)).text).not.toContain(`/sources/${pull.id}/links`);
  });

  it('unlinks after a confirmation, audited with the actor, back to the same filtered list', async () => {
    const source = await synced();
    const list = `${MOUNT}/sources/${source.id}/links?q=grace`;
    const confirm = await en(`/sources/${source.id}/links/user/u07/unlink?returnTo=${encodeURIComponent(list)}`);
    expect(confirm.text).toContain('Forget that User &#34;Grace Hopper&#34; is');
    expect(confirm.text).toContain(`action="${MOUNT}/sources/${source.id}/links/user/u07/unlink"`);
    const res = await client.post(`/sources/${source.id}/links/user/u07/unlink`, { returnTo: list });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${list}&done=unlinked`);
    expect(await test.center.push.link(source.id, 'user', 'u07')).toBeUndefined();
    expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'push.unlink', detail: { kind: 'user', localId: 'u07' } });
    expect((await en(res.headers.location!.slice(MOUNT.length))).text).toContain('Unlinked. The next sync creates or adopts the object again.');
    // Unlinking what has no link is a 404, and a return address outside the center is ignored.
    expect((await client.post(`/sources/${source.id}/links/user/u07/unlink`, {})).status).toBe(404);
    const elsewhere = await client.post(`/sources/${source.id}/links/user/u08/unlink`, { returnTo: 'https://evil.example/' });
    expect(elsewhere.headers.location).toBe(`${MOUNT}/sources/${source.id}/links?done=unlinked`);
  });

  it('relinks to a remote id entered by hand, audited; a taken or empty id is said inline', async () => {
    const source = await synced();
    server.store.get('Users')!.set('hand-made', { id: 'hand-made', userName: 'grace.old@example.com', schemas: [] });
    const form = await en(`/sources/${source.id}/links/user/u07/relink`);
    expect(form.text).toContain('name="remoteId"');
    const res = await client.post(`/sources/${source.id}/links/user/u07/relink`, { remoteId: ' hand-made ' });
    expect(res.status).toBe(303);
    expect(await test.center.push.link(source.id, 'user', 'u07')).toMatchObject({ remoteId: 'hand-made', lastStatus: 'manual' });
    expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'push.relink', detail: { kind: 'user', localId: 'u07', remoteId: 'hand-made' } });

    const taken = await client.agent
      .post(`${MOUNT}/sources/${source.id}/links/user/u08/relink`)
      .set(ADMIN_HEADER, 'alice')
      .set('accept-language', 'en')
      .type('form')
      .send(new URLSearchParams({ _csrf: await client.csrf(), remoteId: 'hand-made' }).toString());
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('Another object of this source is already linked to this remote ID.');
    expect(taken.text).toContain('value="hand-made"');
    const empty = await client.post(`/sources/${source.id}/links/user/u08/relink`, { remoteId: '  ' });
    expect(empty.status).toBe(422);
    expect((await test.center.push.link(source.id, 'user', 'u08'))!.remoteId).not.toBe('hand-made');
  });

  it('refuses unlink and relink without the CSRF token', async () => {
    const source = await synced();
    await client.csrf();
    for (const action of ['unlink', 'relink']) {
      const res = await client.agent.post(`${MOUNT}/sources/${source.id}/links/user/u07/${action}`).set(ADMIN_HEADER, 'alice').type('form').send('remoteId=x');
      expect(res.status).toBe(403);
    }
    expect((await test.center.push.link(source.id, 'user', 'u07'))!.lastStatus).toBe('synced');
    expect((await test.center.audit.list({ sourceId: source.id })).map((entry) => entry.action)).not.toContain('push.unlink');
  });
});
