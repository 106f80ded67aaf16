import { beforeEach, describe, expect, it } from 'vitest';
import { StateConflictError } from '../../../lib/errors.js';
import { buildDirectory, buildUser } from '../../support/factories.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { useTestCenter } from '../../support/test-center.js';

describe('manual sync of a pull source', () => {
  let directory: MemoryDirectory;
  const t = useTestCenter({}, () => (directory = new MemoryDirectory(buildDirectory(2, 12))));
  let sourceId: string;
  beforeEach(async () => {
    sourceId = (await t.center.sources.create({ name: 'Wiki', mode: 'pull' })).source.id;
  });

  it('is refused while the source is disabled', async () => {
    await expect(t.center.runs.start(sourceId)).rejects.toMatchObject({ reason: 'source_disabled' });
  });

  it('re-reads the host directory into the mirror and logs every object it changed', async () => {
    await t.center.sources.enable(sourceId);
    const run = await t.center.runs.start(sourceId, { actor: 'alice' });
    expect(run).toMatchObject({ status: 'queued', startedBy: 'alice', kind: 'manual' });
    const finished = await t.center.runs.settled(run.id);
    expect(finished).toMatchObject({ status: 'succeeded', created: 15, processed: 15, failed: 0 });
    const { items, total } = await t.center.runs.items(run.id, { limit: 100 });
    expect(total).toBe(15);
    expect(items.every((item) => item.result === 'succeeded' && item.operation === 'create')).toBe(true);
    expect((await t.center.sources.get(sourceId)).lastSync).toMatchObject({ status: 'succeeded' });
  });

  it('repairs drift on the next run and counts the unchanged objects as skipped', async () => {
    await t.center.sources.enable(sourceId);
    await t.center.runs.settled((await t.center.runs.start(sourceId)).id);
    const added = buildUser();
    directory.users.set(added.id, added);
    const second = await t.center.runs.settled((await t.center.runs.start(sourceId)).id);
    expect(second).toMatchObject({ status: 'succeeded', created: 1, skipped: 15 });
    expect((await t.center.mirror.getUser(added.id))?.deletedAt).toBeNull();
  });

  it('runs one sync per source at a time', async () => {
    await t.center.sources.enable(sourceId);
    const first = await t.center.runs.start(sourceId);
    await expect(t.center.runs.start(sourceId)).rejects.toBeInstanceOf(StateConflictError);
    await t.center.runs.settled(first.id);
    const again = await t.center.runs.start(sourceId);
    await t.center.runs.settled(again.id);
  });

  it('offers no dry run for a pull source', async () => {
    await t.center.sources.enable(sourceId);
    await expect(t.center.runs.start(sourceId, { dryRun: true })).rejects.toMatchObject({ reason: 'dry_run_push_only' });
  });

  it('stops between pages when cancelled', async () => {
    await t.center.sources.enable(sourceId);
    const run = await t.center.runs.start(sourceId);
    await t.center.runs.cancel(run.id);
    const finished = await t.center.runs.settled(run.id);
    expect(finished?.status).toBe('cancelled');
  });
});
