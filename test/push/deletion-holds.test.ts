import { describe, expect, it, vi } from 'vitest';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter, type TestCenter } from '../support/test-center.js';

const en = translator('en');
const zh = translator('zh-CN');

describe('deletion holds', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });

  async function sync(sourceId: string, options: Parameters<TestCenter['center']['runs']['start']>[1] = {}) {
    const run = await t.center.runs.start(sourceId, options);
    return (await t.center.runs.settled(run.id))!;
  }
  const remoteIdOf = async (sourceId: string, localId: string) => (await t.center.push.link(sourceId, 'user', localId))?.remoteId;
  const deletes = () => server.writes().filter((request) => request.method === 'DELETE' || request.method === 'PATCH' || request.method === 'PUT');

  describe('a manual run paused by the threshold', () => {
    it('lists the objects it holds as planned rows, and users already inactive downstream do not count', async () => {
      const active = ['h1', 'h2', 'h3', 'h4'].map((id) => buildUser({ id, userName: `${id}@example.com`, displayName: `${id}@example.com` }));
      const inactive = ['i1', 'i2'].map((id) => buildUser({ id, userName: `${id}@example.com`, displayName: `${id}@example.com`, active: false }));
      await t.center.changes.apply([...active, ...inactive].map((user) => ({ type: 'userUpserted' as const, user })));
      const source = await createPushSource(t.center, server, { deletionThreshold: { count: 2 }, deprovision: { users: 'disable', orgs: 'delete' } });
      await sync(source.id);
      await t.center.changes.apply(['h1', 'h2', 'h3', 'i1', 'i2'].map((id) => ({ type: 'userDeleted' as const, id })));
      server.requests.length = 0;

      const paused = await sync(source.id);
      expect(paused.status).toBe('paused');
      // Five users left the directory; disabling changes something for three of them.
      expect(renderMessage(en, paused.error)).toBe('3 deletions exceed the threshold of 2; confirm or cancel them');
      expect(renderMessage(zh, paused.error)).toBe('3 项删除超过阈值 2，请确认或取消');
      const { items, total } = await t.center.runs.items(paused.id, { result: 'planned', limit: 50 });
      expect(total).toBe(3);
      expect(items.map((item) => [item.objectId, item.objectName, item.operation]).sort()).toEqual([
        ['h1', 'h1@example.com', 'disable'],
        ['h2', 'h2@example.com', 'disable'],
        ['h3', 'h3@example.com', 'disable'],
      ]);
      const h1 = items.find((item) => item.objectId === 'h1')!;
      expect(h1.path).toContain(`/Users/${await remoteIdOf(source.id, 'h1')}`);
      expect(renderMessage(en, h1.error)).toBe('Held by the deletion threshold: waits for your confirmation');
      expect(server.writes()).toHaveLength(0);

      await t.center.push.confirmRun(paused.id, { actor: 'alice' });
      const done = await t.center.runs.settled(paused.id);
      expect(done).toMatchObject({ status: 'succeeded', deleted: 3 });
      expect(server.resources('Users').filter((user) => user.active === false).map((user) => user.userName).sort()).toEqual(['h1@example.com', 'h2@example.com', 'h3@example.com', 'i1@example.com', 'i2@example.com']);
    });

    it('cancelling keeps the held objects on the downstream, Verify downstream included, until they change in the directory', async () => {
      const users = ['c0', 'c1', 'c2'].map((id) => buildUser({ id, userName: `${id}@example.com`, displayName: `${id}@example.com` }));
      await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
      const source = await createPushSource(t.center, server, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } });
      await sync(source.id);
      await t.center.changes.apply([{ type: 'userDeleted', id: 'c0' }, { type: 'userDeleted', id: 'c1' }]);
      const paused = await sync(source.id);
      expect(paused.status).toBe('paused');
      await t.center.push.cancelRun(paused.id, { actor: 'alice' });

      server.requests.length = 0;
      const verify = await sync(source.id, { options: { verifyDownstream: true } });
      expect(verify.status).toBe('succeeded');
      expect(deletes()).toHaveLength(0);
      expect(server.resources('Users')).toHaveLength(3);
      const skipped = (await t.center.runs.items(verify.id, { result: 'skipped', limit: 50 })).items.filter((item) => item.objectId === 'c0' || item.objectId === 'c1');
      expect(skipped.map((item) => renderMessage(en, item.error))).toEqual([
        'Deletion cancelled by an admin: stays on the downstream until it changes in the directory',
        'Deletion cancelled by an admin: stays on the downstream until it changes in the directory',
      ]);
      const cancelled = await t.center.push.cancelledDeletions(source.id);
      expect(cancelled.total).toBe(2);
      expect(cancelled.items.map((item) => [item.objectId, item.name, item.cancelledBy]).sort()).toEqual([
        ['c0', 'c0@example.com', 'alice'],
        ['c1', 'c1@example.com', 'alice'],
      ]);

      // c0 comes back and leaves again: its seq moved, so the policy applies to it again.
      await t.center.changes.userUpserted(users[0]!);
      await sync(source.id);
      await t.center.changes.userDeleted('c0');
      server.requests.length = 0;
      const again = await sync(source.id);
      expect(again).toMatchObject({ status: 'succeeded', deleted: 1 });
      expect(server.resources('Users').map((user) => user.userName).sort()).toEqual(['c1@example.com', 'c2@example.com']);
      expect((await t.center.push.cancelledDeletions(source.id)).items.map((item) => item.objectId)).toEqual(['c1']);
    });

    it('holds and, once cancelled, keeps downstream objects the IdP never had (Verify downstream)', async () => {
      await t.center.changes.userUpserted(buildUser({ id: 'k1' }));
      server.store.get('Users')!.set('stray', { id: 'stray', userName: 'stray@example.com', active: true, schemas: [] });
      const source = await createPushSource(t.center, server, { deletionThreshold: { count: 0 }, deprovision: { users: 'delete', orgs: 'leave' } });
      const paused = await sync(source.id, { options: { verifyDownstream: true } });
      expect(paused.status).toBe('paused');
      expect(renderMessage(en, paused.error)).toBe('1 deletion exceeds the threshold of 0; confirm or cancel them');
      const [item] = (await t.center.runs.items(paused.id, { result: 'planned', limit: 50 })).items;
      expect(item).toMatchObject({ objectId: 'stray', objectName: 'stray@example.com', operation: 'delete', method: 'DELETE' });
      expect(renderMessage(en, item!.error)).toBe('Not in the IdP (found by verify downstream); held by the deletion threshold');
      await t.center.push.cancelRun(paused.id, { actor: 'alice' });

      const next = await sync(source.id, { options: { verifyDownstream: true } });
      expect(next.status).toBe('succeeded');
      expect(server.resources('Users').map((user) => user.id)).toContain('stray');
      const [kept] = (await t.center.runs.items(next.id, { result: 'skipped', limit: 50 })).items.filter((entry) => entry.objectId === 'stray');
      expect(renderMessage(en, kept!.error)).toContain('Deletion cancelled by an admin');
      expect((await t.center.push.cancelledDeletions(source.id)).items).toMatchObject([{ kind: 'user', origin: 'downstream', objectId: 'stray' }]);
    });
  });

  describe('an incremental hold', () => {
    async function held() {
      await t.center.start();
      const users = ['a', 'b', 'c', 'd'].map((id) => buildUser({ id, userName: `${id}@example.com`, displayName: `${id}@example.com`, active: id !== 'c' }));
      const source = await createPushSource(t.center, server, { deletionThreshold: { count: 1 }, deprovision: { users: 'disable', orgs: 'delete' } });
      await t.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
      await t.center.push.drained(source.id);
      await t.center.changes.apply(['a', 'b', 'c'].map((id) => ({ type: 'userDeleted' as const, id })));
      const hold = await vi.waitFor(
        async () => {
          const { hold } = await t.center.push.status(source.id);
          expect(hold, 'the hold').not.toBeNull();
          return hold!;
        },
        { timeout: 10_000 },
      );
      return { source, hold };
    }

    it('lists the objects it holds by name and ids, leaving out the user already inactive downstream', async () => {
      const { source, hold } = await held();
      expect(hold).toMatchObject({ deletes: 2, linked: 4 });
      expect(renderMessage(en, hold.reason)).toBe('2 deletions exceed the threshold of 1; confirm or cancel them');
      const { items, total } = await t.center.push.heldDeletions(source.id);
      expect(total).toBe(2);
      expect(items).toEqual([
        { kind: 'user', origin: 'mirror', objectId: 'a', remoteId: await remoteIdOf(source.id, 'a'), name: 'a@example.com', operation: 'disable', seq: expect.any(Number) },
        { kind: 'user', origin: 'mirror', objectId: 'b', remoteId: await remoteIdOf(source.id, 'b'), name: 'b@example.com', operation: 'disable', seq: expect.any(Number) },
      ]);
      expect((await t.center.push.heldDeletions(source.id, { limit: 1, offset: 1 })).items.map((item) => item.objectId)).toEqual(['b']);
      await t.center.push.confirmDeletions(source.id, { actor: 'alice' });
      expect((await t.center.push.heldDeletions(source.id)).total).toBe(0);
      await vi.waitFor(() => expect(server.resources('Users').filter((user) => user.active === false), 'disabled').toHaveLength(3), { timeout: 10_000 });
    });

    it('once cancelled, a later Verify downstream run leaves the objects as they are', async () => {
      const { source } = await held();
      await t.center.push.cancelDeletions(source.id, { actor: 'alice' });
      await t.center.push.drained(source.id);
      expect((await t.center.push.cancelledDeletions(source.id)).items.map((item) => item.objectId).sort()).toEqual(['a', 'b']);
      server.requests.length = 0;
      const run = await sync(source.id, { options: { verifyDownstream: true } });
      expect(run.status).toBe('succeeded');
      expect(deletes()).toHaveLength(0);
      expect(server.resources('Users').filter((user) => user.active !== false).map((user) => user.userName).sort()).toEqual(['a@example.com', 'b@example.com', 'd@example.com']);
    });
  });
});
