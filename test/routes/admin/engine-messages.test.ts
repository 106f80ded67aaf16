import { beforeEach, describe, expect, it, vi } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console: engine messages in the reader language, and the quarantine banner', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });
  const zh = (path: string) => client.get(path).set('accept-language', 'zh-CN');
  const en = (path: string) => client.get(path).set('accept-language', 'en');

  it('GET /sources/:id of a source quarantined after one 401 says so in Chinese, with what to do and a link to the parameters', async () => {
    const source = await createPushSource(test.center, server, { token: 'wrong-token' });
    await test.center.runs.settled((await test.center.runs.start(source.id)).id);
    expect((await test.center.sources.get(source.id)).status).toBe('quarantined');
    const page = await zh(`/sources/${source.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('收到一次 401 应答后即被隔离。最后的错误：GET ');
    expect(page.text).toContain('下游拒绝了凭据，请检查凭据');
    expect(page.text).toContain('&#34;bad token&#34;'); // the downstream's words, quoted as they are
    expect(page.text).not.toContain('kept failing');
    expect(page.text).not.toContain('持续失败');
    expect(page.text).toContain('请检查数据源参数中的凭据，然后恢复数据源。');
    expect(page.text).toContain(`href="${MOUNT}/sources/${source.id}#parameters-title"`);
    expect(page.text).toContain('id="parameters-title"');
    expect(page.text).toContain(`action="${MOUNT}/sources/${source.id}/resume"`);
    const english = await en(`/sources/${source.id}`);
    expect(english.text).toContain('quarantined after one 401 answer. Last error: GET ');
  });

  it('GET /sources/:id/log of a source failing before any object was tried shows the attempt and the change it holds back', async () => {
    await test.center.start();
    const source = await createPushSource(test.center, server, { token: 'wrong-token' });
    await test.center.changes.userUpserted(buildUser({ id: 'u1', displayName: '张三' }));
    await vi.waitFor(async () => expect((await test.center.sources.get(source.id)).status).toBe('quarantined'), { timeout: 10_000 });
    // The failed attempt's log row is written by the batch, which may commit just after the quarantine.
    const entry = await vi.waitFor(async () => {
      const [first] = (await test.center.logs.deliveries(source.id)).entries;
      expect(first).toBeDefined();
      return first;
    }, { timeout: 10_000 });
    expect(entry).toMatchObject({ objectId: 'u1', objectName: '张三', operation: 'create', result: 'failed', httpStatus: 401 });
    const page = await zh(`/sources/${source.id}/log`);
    expect(page.text).not.toContain('还没有推送记录');
    expect(page.text).toContain('张三');
    expect(page.text).toContain('下游拒绝了凭据，请检查凭据');
  });

  it('GET /sources/:id/runs/:runId shows a note such as "already disabled" as a note, not under Error', async () => {
    const source = await createPushSource(test.center, server, { deprovision: { users: 'disable', orgs: 'delete' } });
    await test.center.start();
    await test.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await test.center.push.drained(source.id);
    await test.center.changes.userDeleted('u1');
    await test.center.push.drained(source.id);
    const run = await test.center.runs.settled((await test.center.runs.start(source.id)).id);
    const page = await zh(`/sources/${source.id}/runs/${run!.id}`);
    expect(page.text).toContain('<dt>备注</dt><dd class="wrap">已是禁用状态</dd>');
    expect(page.text).not.toContain('already disabled');
    expect(page.text).not.toMatch(/<dt>错误<\/dt><dd class="error-text wrap">已是禁用状态/);
  });

  it('POST /sources/:id/test-connection renders every step in the reader language', async () => {
    const source = await createPushSource(test.center, server);
    const res = await client.post(`/sources/${source.id}/test-connection`, {
      'push.auth': 'bearer',
      'push.token': '',
      'push.tokenUrl': '',
      'push.clientId': '',
      'push.clientSecret': '',
      'push.userUrl': server.url('Users'),
      'push.orgUrl': server.url('Organizations'),
      'push.orgResource': 'organization',
      'push.deprovision.users': 'disable',
      'push.deprovision.orgs': 'delete',
      'push.deletionThreshold.count': '',
      'push.deletionThreshold.percent': '',
      'push.concurrency': '',
      'push.rateLimit': '',
      'push.schedule': '',
    }, 'zh-CN');
    expect(res.text).toContain('Bearer 令牌已被接受');
    expect(res.text).toContain('下游有 0 个用户');
    expect(res.text).not.toMatch(/credentials accepted|on the downstream/);
  });
});
