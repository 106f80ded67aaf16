import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../../lib/alerts/alert.js';
import { AlertEpisodes } from '../../../lib/alerts/alert-episodes.js';
import { buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';

const PUBLIC_URL = 'https://idp.example.com/tenant-a/sync';

describe('alerts', () => {
  let notified: Alert[];
  let emitted: Alert[];
  let lines: Array<{ level: string; text: string }>;
  let notify: (alert: Alert) => void | Promise<void>;
  let now: number | undefined;
  const logger = {
    info: (text: string) => lines.push({ level: 'info', text }),
    warn: (text: string) => lines.push({ level: 'warn', text }),
    error: (text: string) => lines.push({ level: 'error', text }),
  };
  const server = useFakeDownstream();
  const t = useTestCenter(() => ({
    push: FAST_PUSH,
    logger,
    publicUrl: PUBLIC_URL,
    alerts: { notify: (alert) => notify(alert), backlogAgeMs: 3_600_000 },
    // The wall clock unless a test sets `now`.
    clock: () => new Date(now ?? Date.now()),
  }));

  beforeEach(() => {
    notified = [];
    emitted = [];
    lines = [];
    now = undefined;
    notify = (alert) => {
      notified.push(alert);
    };
  });

  function listen() {
    t.center.events.on('alert', (alert) => emitted.push(alert));
  }
  const of = (kind: Alert['kind']) => notified.filter((alert) => alert.kind === kind);

  it('alerts a quarantine after one 401 with what happened, what to do and the page that fixes it, in both languages', async () => {
    listen();
    await t.center.start();
    const source = await createPushSource(t.center, server, { token: 'wrong-token' });
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(() => expect(of('source_quarantined')).toHaveLength(1), { timeout: 10_000 });
    const [alert] = of('source_quarantined');
    expect(alert).toMatchObject({
      severity: 'critical',
      sourceId: source.id,
      sourceName: source.name,
      message: { key: 'engine.alert.quarantined' },
      action: { key: 'engine.alert.action.credentials' },
      path: `sources/${source.id}#parameters-title`,
      url: `${PUBLIC_URL}/sources/${source.id}#parameters-title`,
    });
    expect(alert!.text.en).toContain('quarantined after one 401 answer');
    expect(alert!.text.en).toContain('"bad token"'); // the downstream's own words, quoted
    expect(alert!.text['zh-CN']).toContain('收到一次 401 应答后即被隔离');
    expect(alert!.text['zh-CN']).not.toMatch(/quarantined|answered/);
    expect(alert!.actionText['zh-CN']).toBe('请检查数据源参数中的凭据，然后恢复数据源。');
    expect(emitted.map((entry) => entry.id)).toContain(alert!.id);
    // One server log line per alert.
    expect(lines.filter((line) => line.text.includes('source_quarantined') && line.text.includes(source.id))).toHaveLength(1);
  });

  it('alerts the end of a quarantine once, and not a resume of a healthy source', async () => {
    await t.center.start();
    const broken = await createPushSource(t.center, server, { token: 'wrong-token' }, 'Broken');
    const healthy = await createPushSource(t.center, server, {}, 'Healthy');
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(() => expect(of('source_quarantined')).toHaveLength(1), { timeout: 10_000 });
    await t.center.sources.resume(healthy.id, { actor: 'alice' });
    await t.center.sources.update(broken.id, { push: { token: server.options.token } });
    await t.center.sources.resume(broken.id, { actor: 'alice' });
    await vi.waitFor(() => expect(of('source_resumed').length).toBeGreaterThan(0), { timeout: 10_000 });
    expect(of('source_resumed')[0]).toMatchObject({ sourceId: broken.id, severity: 'info', message: { key: 'engine.alert.resumed.admin', params: { actor: 'alice' } } });
    await t.center.push.drained(broken.id);
    await t.center.close(); // waits for alerts under way
    // (A batch in flight with the old token may quarantine it once more, and a delivery lift it: each end is alerted once.)
    expect(new Set(of('source_resumed').map((alert) => alert.sourceId))).toEqual(new Set([broken.id]));
    expect(of('source_resumed').length).toBe(of('source_quarantined').filter((alert) => alert.sourceId === broken.id).length);
  });

  it('keeps delivering when the host hook throws, and logs the hook failure', async () => {
    notify = () => {
      throw new Error('pager is down');
    };
    await t.center.start();
    const source = await createPushSource(t.center, server, { token: 'wrong-token' });
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    await vi.waitFor(() => expect(lines.some((line) => line.level === 'error' && line.text.includes('alerts.notify'))).toBe(true), { timeout: 10_000 });
    await t.center.sources.update(source.id, { push: { token: server.options.token } });
    await t.center.sources.resume(source.id);
    await t.center.push.drained(source.id);
    expect(server.resources('Users')).toHaveLength(1);
  });

  it('alerts held deletions with the page to confirm them', async () => {
    await t.center.start();
    const source = await createPushSource(t.center, server, { deletionThreshold: { count: 1 }, deprovision: { users: 'delete', orgs: 'delete' } });
    await t.center.changes.apply(['a', 'b', 'c'].map((id) => ({ type: 'userUpserted' as const, user: buildUser({ id }) })));
    await t.center.push.drained(source.id);
    await t.center.changes.apply([{ type: 'userDeleted', id: 'a' }, { type: 'userDeleted', id: 'b' }]);
    await vi.waitFor(() => expect(of('deletions_held')).toHaveLength(1), { timeout: 10_000 });
    expect(of('deletions_held')[0]).toMatchObject({ severity: 'warning', path: `sources/${source.id}`, action: { key: 'engine.alert.action.deletions' } });
  });

  it('alerts a run that failed and a run that finished with failures, linking to the run', async () => {
    const { source: down } = await t.center.sources.create({ name: 'Down', mode: 'push', push: { userUrl: 'http://127.0.0.1:9/Users', token: 't' } });
    await t.center.sources.enable(down.id);
    const failedRun = await t.center.runs.start(down.id);
    await t.center.runs.settled(failedRun.id);
    await vi.waitFor(() => expect(of('run_failed')).toHaveLength(1), { timeout: 10_000 });
    expect(of('run_failed')[0]).toMatchObject({ runId: failedRun.id, severity: 'critical', path: `sources/${down.id}/runs/${failedRun.id}` });
    expect(of('run_failed')[0]!.text.en).toMatch(/failed: .*connection refused/);

    const source = await createPushSource(t.center, server);
    await t.center.changes.apply([
      { type: 'userUpserted', user: buildUser({ id: 'ok' }) },
      { type: 'userUpserted', user: buildUser({ id: 'refused', userName: 'refused@example.com' }) },
    ]);
    server.fault = (request) => (request.method === 'POST' && request.body?.userName === 'refused@example.com' ? { status: 400 } : undefined);
    const run = await t.center.runs.start(source.id);
    await vi.waitFor(async () => expect((await t.center.runs.settled(run.id))?.status).toBe('succeeded_with_failures'), { timeout: 10_000 });
    await vi.waitFor(() => expect(of('run_finished_with_failures')).toHaveLength(1), { timeout: 10_000 });
    expect(of('run_finished_with_failures')[0]).toMatchObject({ runId: run.id, severity: 'warning', message: { params: { failed: 1 } } });
    expect(of('run_finished_with_failures')[0]!.text['zh-CN']).toContain('有 1 个对象失败');
  });

  it('alerts a backlog older than the threshold once per episode', async () => {
    now = Date.parse('2026-12-02T00:00:00Z');
    const source = await createPushSource(t.center, server); // not started: nothing is delivered
    await t.center.changes.userUpserted(buildUser({ id: 'u1' }));
    expect(await t.center.alerts.checkBacklogs()).toEqual([]);
    now += 2 * 3_600_000;
    const [alert] = await t.center.alerts.checkBacklogs();
    expect(alert).toMatchObject({ kind: 'backlog_stale', sourceId: source.id, path: `sources/${source.id}/log`, message: { params: { minutes: 120, count: 1 } } });
    now += 60_000;
    expect(await t.center.alerts.checkBacklogs(), 'the same episode').toEqual([]);
    await t.center.start();
    await t.center.push.drained(source.id);
    expect(await t.center.alerts.checkBacklogs(), 'caught up: the episode ends').toEqual([]);
    await t.center.sources.disable(source.id);
    await t.center.changes.userUpserted(buildUser({ id: 'u2' }));
    now += 2 * 3_600_000;
    expect(await t.center.alerts.checkBacklogs(), 'a disabled source is not late').toEqual([]);
    expect(of('backlog_stale')).toHaveLength(1);
  });

  it('opens an episode on one instance only', async () => {
    const first = new AlertEpisodes(t.knex, () => new Date());
    const second = new AlertEpisodes(t.knex, () => new Date());
    const source = await createPushSource(t.center, server);
    expect(await Promise.all([first.open(source.id, 'backlog'), second.open(source.id, 'backlog')])).toEqual(expect.arrayContaining([true, false]));
    expect(await Promise.all([first.close(source.id, 'backlog'), second.close(source.id, 'backlog')])).toEqual(expect.arrayContaining([true, false]));
  });
});
