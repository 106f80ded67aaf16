import { beforeEach, describe, expect, it, vi } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console: what a deletion hold holds', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  const page = (path: string, lang = 'en') => client.get(path).set('accept-language', lang);
  const users = (count: number) => Array.from({ length: count }, (_, index) => buildUser({ id: `u${index}`, userName: `user${index}@example.com`, displayName: `User ${index}` }));
  const seed = (list: ReturnType<typeof buildUser>[]) => test.center.changes.apply(list.map((user) => ({ type: 'userUpserted' as const, user })));

  describe('GET /sources/:id/deletions and the hold banner (incremental delivery)', () => {
    const held = async (count: number) => {
      await test.center.start();
      const source = await createPushSource(test.center, server, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } });
      await seed(users(count + 1));
      await test.center.push.drained(source.id);
      await test.center.changes.apply(users(count).map((user) => ({ type: 'userDeleted' as const, id: user.id })));
      await vi.waitFor(async () => expect((await test.center.push.status(source.id)).hold, 'the hold').not.toBeNull(), { timeout: 10_000 });
      return source;
    };

    it('names the first held objects on every tab and links to all of them; the page lists them, paged', async () => {
      const source = await held(30);
      const tab = await page(`/sources/${source.id}/log`);
      expect(tab.text).toContain('30 objects would be deleted or disabled (of 31 synced objects)');
      expect(tab.text.match(/data-held="user:/g)).toHaveLength(5);
      expect(tab.text).toContain('and 25 more');
      expect(tab.text).toContain(`href="${MOUNT}/sources/${source.id}/deletions"`);
      expect(tab.text).toContain('Review all 30 held objects');
      expect(tab.text).toContain('until they change again in the directory');

      const first = await page(`/sources/${source.id}/deletions`);
      expect(first.status).toBe(200);
      expect(first.text.match(/<tr data-held="user:/g)).toHaveLength(25);
      expect(first.text).toContain('User 0');
      const link = await test.center.push.link(source.id, 'user', 'u0');
      expect(first.text).toContain(link!.remoteId!);
      expect(first.text).toContain('Page 1 of 2');
      const second = await page(`/sources/${source.id}/deletions?page=2`);
      expect(second.text.match(/<tr data-held="user:/g)).toHaveLength(5);
      // The banner on this page answers the hold without repeating the list.
      expect(first.text).not.toContain('and 25 more');
      expect(first.text).toContain(`action="${MOUNT}/sources/${source.id}/deletions/cancel"`);
    });

    it('says it in Chinese, and after Cancel lists the objects as kept until they change', async () => {
      const source = await held(2);
      const zh = await page(`/sources/${source.id}/deletions`, 'zh-CN');
      expect(zh.text).toContain('有 2 个对象将被删除或禁用（已同步对象共 3 个）');
      expect(zh.text).toContain('2 项删除超过阈值 1，请确认或取消');
      const res = await client.post(`/sources/${source.id}/deletions/cancel`, { back: 'deletions' });
      expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}/deletions?done=deletionsCancelled`);
      const after = await page(`/sources/${source.id}/deletions`);
      expect(after.text).toContain('No deletions are on hold.');
      expect(after.text.match(/<tr data-cancelled="user:/g)).toHaveLength(2);
      expect(after.text).toContain('they stay on the downstream until they change again in the directory');
      expect(after.text).toContain('alice');
      const afterZh = await page(`/sources/${source.id}/deletions`, 'zh-CN');
      expect(afterZh.text).toContain('在目录中再次变更之前，它们保留在下游');
    });

    it('answers 404 for a pull source', async () => {
      const { source } = await test.center.sources.create({ name: 'Pull app', mode: 'pull' });
      expect((await page(`/sources/${source.id}/deletions`)).status).toBe(404);
    });
  });

  describe('a run paused by the threshold', () => {
    it('names what it holds on the sync page and the run page, with a link to its planned rows', async () => {
      const list = users(4);
      await seed(list);
      const source = await createPushSource(test.center, server, { deletionThreshold: { count: 2 }, deprovision: { users: 'disable', orgs: 'delete' } });
      await test.center.runs.settled((await test.center.runs.start(source.id)).id);
      await test.center.changes.apply(list.slice(0, 3).map((user) => ({ type: 'userDeleted' as const, id: user.id })));
      const run = (await test.center.runs.settled((await test.center.runs.start(source.id)).id))!;
      expect(run.status).toBe('paused');
      for (const path of [`/sources/${source.id}/sync`, `/sources/${source.id}/runs/${run.id}`]) {
        const html = (await page(path)).text;
        expect(html, path).toContain('3 deletions exceed the threshold of 2; confirm or cancel them');
        expect(html.match(/data-held="user:u[0-2]"/g), path).toHaveLength(3);
        expect(html, path).toContain(`href="${MOUNT}/sources/${source.id}/runs/${run.id}?result=planned"`);
        expect(html, path).toContain('Show all 3 in the run log');
      }
      const planned = await page(`/sources/${source.id}/runs/${run.id}?result=planned`);
      expect(planned.text).toContain('Held by the deletion threshold: waits for your confirmation');
      const zh = await page(`/sources/${source.id}/sync`, 'zh-CN');
      expect(zh.text).toContain('3 项删除超过阈值 2，请确认或取消');
      expect(zh.text).toContain('在运行日志中查看全部 3 个');
    });
  });
});
