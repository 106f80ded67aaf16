import { beforeEach, describe, expect, it } from 'vitest';
import { IncrementalLog } from '../../../lib/runs/incremental-log.js';
import { useTestCenter } from '../../support/test-center.js';

describe('IncrementalLog', () => {
  const t = useTestCenter();
  let sourceId: string;
  let now: Date;
  let log: IncrementalLog;
  beforeEach(async () => {
    sourceId = (await t.center.sources.create({ name: 'Wiki', mode: 'pull' })).source.id;
    now = new Date('2026-11-01T00:00:00.000Z');
    log = new IncrementalLog(t.knex, () => now);
  });

  it('lists deliveries newest first, filtered by result, kind and time, with a total', async () => {
    await log.recordDeliveries([
      { sourceId, kind: 'user', objectId: 'u1', operation: 'create', result: 'succeeded', httpStatus: 201, changeSeq: 1 },
      { sourceId, kind: 'org', objectId: 'o1', operation: 'update', result: 'failed', httpStatus: 500, error: 'boom', attempt: 2 },
    ]);
    now = new Date('2026-11-02T00:00:00.000Z');
    await log.recordDeliveries([{ sourceId, kind: 'user', objectId: 'u2', operation: 'delete', result: 'succeeded', durationMs: 12 }]);

    const all = await log.deliveries(sourceId);
    expect(all.total).toBe(3);
    expect(all.entries.map((entry) => entry.objectId)).toEqual(['u2', 'o1', 'u1']);
    expect(all.entries[1]).toMatchObject({ result: 'failed', httpStatus: 500, error: 'boom', attempt: 2 });
    expect((await log.deliveries(sourceId, { result: 'failed' })).entries.map((entry) => entry.objectId)).toEqual(['o1']);
    expect((await log.deliveries(sourceId, { kind: 'user' })).total).toBe(2);
    expect((await log.deliveries(sourceId, { from: '2026-11-01T12:00:00.000Z' })).entries.map((entry) => entry.objectId)).toEqual(['u2']);
    expect((await log.deliveries(sourceId, { limit: 1, offset: 1 })).entries.map((entry) => entry.objectId)).toEqual(['o1']);
  });

  it('lists pull requests by outcome and purges old rows', async () => {
    await log.recordPull({ sourceId, method: 'GET', path: '/Users', filter: 'userName eq "a"', resultCount: 1, status: 200, durationMs: 3, clientId: 'c1' });
    await log.recordPull({ sourceId, method: 'GET', path: '/Users', filter: 'bad', status: 400, durationMs: 1 });
    expect((await log.pulls(sourceId, { result: 'error' })).entries).toMatchObject([{ status: 400, filter: 'bad' }]);
    expect((await log.pulls(sourceId, { result: 'ok' })).entries).toMatchObject([{ status: 200, resultCount: 1, clientId: 'c1' }]);
    expect(await log.purgeBefore('2026-11-01T00:00:00.001Z')).toBe(2);
    expect((await log.pulls(sourceId)).total).toBe(0);
  });
});
