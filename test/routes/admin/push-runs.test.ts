import { english } from '../../support/messages.js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../../../lib/runs/run-store.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console: manual sync, dry run and deletion holds of a push source', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  const en = (path: string) => client.get(path).set('accept-language', 'en');
  const users = (count: number) => Array.from({ length: count }, (_, index) => buildUser({ id: `u${index}`, userName: `user${index}@example.com`, displayName: `User ${index}` }));
  const seed = (list: ReturnType<typeof buildUser>[]) => test.center.changes.apply(list.map((user) => ({ type: 'userUpserted' as const, user })));
  /** Starts a run from the sync page's form and waits for it to stop (finished or paused). */
  const runFromPage = async (sourceId: string, form: Record<string, string>): Promise<{ location: string; run: Run }> => {
    const res = await client.post(`/sources/${sourceId}/sync`, form);
    expect(res.status).toBe(303);
    const [run] = (await test.center.runs.list(sourceId)).runs;
    return { location: res.headers.location!, run: (await test.center.runs.settled(run!.id))! };
  };

  it('offers Dry run and Verify downstream only while the source is enabled', async () => {
    const source = await createPushSource(test.center, server);
    const page = await en(`/sources/${source.id}/sync`);
    expect(page.text).toContain('name="go" value="dryRun"');
    expect(page.text).toContain('name="verifyDownstream" value="1"');
    await test.center.sources.disable(source.id);
    const disabled = await en(`/sources/${source.id}/sync`);
    expect(disabled.text).not.toContain('value="dryRun"');
    expect(disabled.text).toContain('Enable the source to run a manual sync.');
  });

  it('a dry run starts a dry_run run that sends nothing, and its log shows the planned creates, updates with old → new, and deletes', async () => {
    const [ada, bob, cy] = users(3);
    await seed([ada!, bob!]);
    const source = await createPushSource(test.center, server);
    await test.center.runs.settled((await test.center.runs.start(source.id)).id);
    await test.center.changes.apply([
      { type: 'userUpserted', user: { ...ada!, displayName: 'Ada Lovelace', title: 'Countess' } },
      { type: 'userDeleted', id: bob!.id },
      { type: 'userUpserted', user: cy! },
    ]);
    server.requests.length = 0;

    const { location, run } = await runFromPage(source.id, { go: 'dryRun' });
    expect(location).toBe(`${MOUNT}/sources/${source.id}/sync?done=dryRunStarted`);
    expect(run).toMatchObject({ kind: 'dry_run', status: 'succeeded', startedBy: 'alice', created: 1, updated: 1, deleted: 1 });
    expect(server.writes()).toHaveLength(0);
    expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'run.start', detail: { runId: run.id, dryRun: true } });

    const list = await en(`/sources/${source.id}/sync?done=dryRunStarted`);
    expect(list.text).toContain('Dry run started. Nothing will be sent to the downstream app.');
    expect(list.text).toContain('(Dry run)');
    const log = await en(`/sources/${source.id}/runs/${run.id}`);
    expect(log.text).toContain('Dry run: nothing was sent to the downstream app.');
    expect((log.text.match(/class="result result-planned"/g) ?? []).length).toBe(3);
    for (const operation of ['Create', 'Update', 'Disable']) expect(log.text).toContain(`<span>${operation}`);
    // The update's changed attributes, old → new, as a table (and their names in the summary line).
    expect(log.text).toContain('<span class="muted changed-names">displayName, title</span>');
    expect(log.text).toMatch(/<code title="displayName">displayName<\/code><\/th>\s*<td class="old wrap"><del>User 0<\/del><\/td>\s*<td class="new wrap"><ins>Ada Lovelace<\/ins><\/td>/);
    expect(log.text).toMatch(/<code title="title">title<\/code><\/th>\s*<td class="old wrap"><span class="muted">\(none\)<\/span><\/td>\s*<td class="new wrap"><ins>Countess<\/ins>/);
  });

  it('passes Verify downstream to the run, which deprovisions what the directory does not have', async () => {
    await seed(users(2));
    const source = await createPushSource(test.center, server, { deprovision: { users: 'delete', orgs: 'leave' } });
    server.store.get('Users')!.set('stray', { id: 'stray', userName: 'stray@example.com', active: true, schemas: [] });
    const { location, run } = await runFromPage(source.id, { go: 'sync', verifyDownstream: '1' });
    expect(location).toBe(`${MOUNT}/sources/${source.id}/sync?done=started`);
    expect(run).toMatchObject({ kind: 'manual', status: 'succeeded', options: { verifyDownstream: true, dryRun: false }, deleted: 1 });
    expect(server.resources('Users').map((user) => user.userName).sort()).toEqual(['user0@example.com', 'user1@example.com']);
    expect((await en(`/sources/${source.id}/sync`)).text).toContain('With downstream verification');
    // Without the box ticked, the run does not verify.
    const plain = await runFromPage(source.id, { go: 'sync' });
    expect(plain.run.options.verifyDownstream).toBeUndefined();
  });

  describe('a run paused by the deletion threshold', () => {
    const paused = async () => {
      const list = users(5);
      await seed(list);
      const source = await createPushSource(test.center, server, { deletionThreshold: { count: 2 }, deprovision: { users: 'delete', orgs: 'delete' } });
      await test.center.runs.settled((await test.center.runs.start(source.id)).id);
      await test.center.changes.apply(list.slice(0, 3).map((user) => ({ type: 'userDeleted' as const, id: user.id })));
      server.requests.length = 0;
      const { run } = await runFromPage(source.id, { go: 'sync' });
      expect(run.status).toBe('paused');
      return { source, run };
    };

    it('shows its reason with Confirm and Cancel; Confirm carries on with the deletions, audited', async () => {
      const { source, run } = await paused();
      const page = await en(`/sources/${source.id}/sync`);
      expect(page.text).toContain('Paused by the deletion threshold');
      expect(page.text).toContain('3 deletions exceed the threshold of 2');
      expect(page.text).toContain(`action="${MOUNT}/sources/${source.id}/runs/${run.id}/confirm"`);
      expect(page.text).toContain(`action="${MOUNT}/sources/${source.id}/runs/${run.id}/discard"`);
      expect((await en(`/sources/${source.id}/runs/${run.id}`)).text).toContain(`action="${MOUNT}/sources/${source.id}/runs/${run.id}/confirm"`);
      expect(server.writes()).toHaveLength(0);

      const res = await client.post(`/sources/${source.id}/runs/${run.id}/confirm`, {});
      expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}/sync?done=runConfirmed`);
      expect(await test.center.runs.settled(run.id)).toMatchObject({ status: 'succeeded', deleted: 3 });
      expect(server.resources('Users')).toHaveLength(2);
      expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'run.confirm_deletions', detail: { runId: run.id } });
      // Confirmed once is enough: a second click says the run is no longer paused.
      const again = await client.post(`/sources/${source.id}/runs/${run.id}/confirm`, {});
      expect(again.status).toBe(409);
    });

    it('Cancel ends it without deleting anything, audited', async () => {
      const { source, run } = await paused();
      const res = await client.post(`/sources/${source.id}/runs/${run.id}/discard`, {});
      expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}/sync?done=runCancelled`);
      expect(await test.center.runs.get(run.id)).toMatchObject({ status: 'cancelled' });
      expect(server.writes()).toHaveLength(0);
      expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'run.cancel_deletions' });
      expect((await en(`/sources/${source.id}/sync`)).text).not.toContain('Paused by the deletion threshold');
    });
  });

  describe('deletions held by incremental delivery', () => {
    const held = async () => {
      await test.center.start();
      const source = await createPushSource(test.center, server, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } });
      await seed(users(3));
      await test.center.push.drained(source.id);
      await test.center.changes.apply([
        { type: 'userDeleted', id: 'u0' },
        { type: 'userDeleted', id: 'u1' },
      ]);
      await vi.waitFor(async () => expect((await test.center.push.status(source.id)).hold, 'the hold').not.toBeNull(), { timeout: 10_000 });
      return source;
    };

    it('shows the hold on the list and every tab of the source; Confirm deletions lets them go, audited', async () => {
      const source = await held();
      const list = await en('/');
      expect(list.text).toContain('Deletions on hold');
      expect(list.text).toContain('2 objects would be deleted or disabled (of 3 synced objects), waiting since');
      expect(list.text).toContain(`action="${MOUNT}/sources/${source.id}/deletions/confirm"`);
      for (const tab of ['', '/log', '/sync', '/links']) {
        const page = await en(`/sources/${source.id}${tab}`);
        expect(page.text, tab).toContain(`action="${MOUNT}/sources/${source.id}/deletions/cancel"`);
      }
      const res = await client.post(`/sources/${source.id}/deletions/confirm`, { back: 'source' });
      expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}?done=deletionsConfirmed`);
      expect((await test.center.push.status(source.id)).hold).toBeNull();
      expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'push.deletions_confirmed' });
      await vi.waitFor(() => expect(server.resources('Users'), 'the confirmed deletions').toHaveLength(1), { timeout: 10_000 });
      expect((await en('/')).text).not.toContain('Deletions on hold');
    });

    it('Cancel deletions leaves them undone, audited; a second answer says there is nothing to answer', async () => {
      const source = await held();
      const res = await client.post(`/sources/${source.id}/deletions/cancel`, {});
      expect(res.headers.location).toBe(`${MOUNT}/?done=deletionsCancelled`);
      expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'push.deletions_cancelled' });
      await test.center.push.drained(source.id);
      expect(server.writes().filter((request) => request.method === 'DELETE')).toHaveLength(0);
      const again = await client.agent
        .post(`${MOUNT}/sources/${source.id}/deletions/confirm`)
        .set('x-test-admin', 'alice')
        .set('accept-language', 'en')
        .type('form')
        .send(`_csrf=${await client.csrf()}`);
      expect(again.status).toBe(409);
      expect(again.text).toContain('No deletions are waiting for confirmation any more.');
    });
  });

  it('shows why a push source is quarantined on the list and its page', async () => {
    const source = await createPushSource(test.center, server);
    server.options.token = 'rotated';
    await test.center.runs.settled((await test.center.runs.start(source.id)).id);
    const quarantined = await test.center.sources.get(source.id);
    expect(quarantined.status).toBe('quarantined');
    const reason = quarantined.quarantine!.reason;
    expect(english(reason)).toMatch(/quarantined after one 401 answer/);
    const escaped = english(reason).replace(/"/g, '&#34;');
    expect((await en('/')).text).toContain(`Reason: ${escaped}`);
    const page = await en(`/sources/${source.id}`);
    expect(page.text).toContain(`Reason: ${escaped}`);
    expect(page.text).toContain(`action="${MOUNT}/sources/${source.id}/resume"`);
  });
});
