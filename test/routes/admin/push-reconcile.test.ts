import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../../lib/runs/run-store.js';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

describe('console: a push manual sync repairs the downstream unless told to trust the links', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  const page = (path: string, lang = 'en') => client.get(path).set('accept-language', lang);
  const runFromPage = async (sourceId: string, form: Record<string, string>): Promise<Run> => {
    expect((await client.post(`/sources/${sourceId}/sync`, form)).status).toBe(303);
    const [run] = (await test.center.runs.list(sourceId)).runs;
    return (await test.center.runs.settled(run!.id))!;
  };

  it('Manual sync restores a wiped downstream and logs the edited attribute old → new; "Trust the links" is a separate, unticked choice', async () => {
    const users = Array.from({ length: 3 }, (_, index) => buildUser({ id: `u${index}`, userName: `user${index}@example.com`, displayName: `User ${index}` }));
    await test.center.changes.apply(users.map((user) => ({ type: 'userUpserted' as const, user })));
    const source = await createPushSource(test.center, server, { orgUrl: undefined });
    await test.center.runs.settled((await test.center.runs.start(source.id)).id);

    const form = await page(`/sources/${source.id}/sync`);
    expect(form.text).toMatch(/<input type="checkbox" name="trustLinks" value="1" aria-describedby="trust-hint"> Trust the links \(faster\)/);
    expect((await page(`/sources/${source.id}/sync`, 'zh-CN')).text).toContain('信任关联记录（更快）');

    server.store.get('Users')!.clear();
    const trusting = await runFromPage(source.id, { go: 'sync', trustLinks: '1' });
    expect(trusting).toMatchObject({ status: 'succeeded', created: 0, options: { trustLinks: true } });
    expect(server.resources('Users')).toHaveLength(0);
    expect((await page(`/sources/${source.id}/runs/${trusting.id}`)).text).toContain('Trusting the links (downstream not read)');

    const repairing = await runFromPage(source.id, { go: 'sync' });
    expect(repairing).toMatchObject({ status: 'succeeded', created: 3, failed: 0 });
    expect(repairing.options.trustLinks).toBeUndefined();
    expect(server.resources('Users').map((user) => user.userName).sort()).toEqual(['user0@example.com', 'user1@example.com', 'user2@example.com']);

    server.resources('Users').find((user) => user.userName === 'user1@example.com')!.displayName = 'Changed downstream';
    const edited = await runFromPage(source.id, { go: 'sync' });
    expect(edited).toMatchObject({ status: 'succeeded', updated: 1 });
    const log = await page(`/sources/${source.id}/runs/${edited.id}`);
    expect(log.text).not.toContain('Trusting the links');
    expect(log.text).toMatch(/<code title="displayName">displayName<\/code><\/th>\s*<td class="old wrap"><del>Changed downstream<\/del><\/td>\s*<td class="new wrap"><ins>User 1<\/ins><\/td>/);
  });
});
