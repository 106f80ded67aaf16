import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../lib/audit-log.js';
import { NotFoundError } from '../../../lib/errors.js';
import { adminAgent } from '../../support/admin-agent.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter, type TestCenter } from '../../support/test-center.js';

/** The run audit rows of a source, oldest first, without what differs between two runs. */
async function runAudit(test: TestCenter, sourceId: string) {
  const entries: AuditEntry[] = await test.center.audit.list({ sourceId });
  return entries
    .filter((entry) => entry.action.startsWith('run.'))
    .reverse()
    .map(({ actor, action, sourceId: source, detail }) => ({ actor, action, sourceId: source, detail }));
}

describe('center.runs: a host is audited exactly as the console', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });

  it('writes run.start and run.cancel for a host as it does for an admin', async () => {
    const viaConsole = (await test.center.sources.create({ name: 'Wiki', mode: 'pull' })).source;
    const viaHost = (await test.center.sources.create({ name: 'Intranet', mode: 'pull' })).source;
    await test.center.sources.enable(viaConsole.id);
    await test.center.sources.enable(viaHost.id);

    const client = adminAgent(test.app, 'alice');
    await client.post(`/sources/${viaConsole.id}/sync`, {});
    const [consoleRun] = (await test.center.runs.list(viaConsole.id)).runs;
    await client.post(`/sources/${viaConsole.id}/runs/${consoleRun!.id}/cancel`, {});
    await test.center.runs.settled(consoleRun!.id);

    const hostRun = await test.center.runs.start(viaHost.id, { actor: 'alice' });
    await test.center.runs.cancel(hostRun.id, { actor: 'alice' });
    await test.center.runs.settled(hostRun.id);

    const expected = (sourceId: string, runId: number) => [
      { actor: 'alice', action: 'run.start', sourceId, detail: { runId } },
      { actor: 'alice', action: 'run.cancel', sourceId, detail: { runId } },
    ];
    expect(await runAudit(test, viaConsole.id)).toEqual(expected(viaConsole.id, consoleRun!.id));
    expect(await runAudit(test, viaHost.id)).toEqual(expected(viaHost.id, hostRun.id));
  });

  it('records a dry run and its options, and names the API when the host gives no actor', async () => {
    const source = await createPushSource(test.center, server);
    const run = await test.center.runs.start(source.id, { dryRun: true, options: { verifyDownstream: true } });
    await test.center.runs.settled(run.id);
    expect(await runAudit(test, source.id)).toEqual([
      { actor: 'api', action: 'run.start', sourceId: source.id, detail: { runId: run.id, dryRun: true, verifyDownstream: true } },
    ]);
  });

  it('writes nothing for a refused start or a run that does not exist', async () => {
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await expect(test.center.runs.start(source.id, { actor: 'alice' })).rejects.toMatchObject({ reason: 'source_disabled' });
    await expect(test.center.runs.cancel(987_654, { actor: 'alice' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await runAudit(test, source.id)).toEqual([]);
    expect((await test.center.audit.list()).filter((entry) => entry.action.startsWith('run.'))).toEqual([]);
  });

  it('says which run of a source is unfinished', async () => {
    const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
    await test.center.sources.enable(source.id);
    // The run reads the host directory; hold its user pages until the test has looked.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const listUsers = test.directory.listUsers.bind(test.directory);
    test.directory.listUsers = (request) => gate.then(() => listUsers(request)) as never;
    expect(await test.center.runs.active(source.id)).toBeUndefined();
    const run = await test.center.runs.start(source.id);
    expect((await test.center.runs.active(source.id))?.id).toBe(run.id);
    open();
    await test.center.runs.settled(run.id);
    expect(await test.center.runs.active(source.id)).toBeUndefined();
  });
});
