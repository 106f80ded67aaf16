import { beforeEach, describe, expect, it } from 'vitest';
import { IncrementalLog } from '../../../lib/runs/incremental-log.js';
import { RunStore } from '../../../lib/runs/run-store.js';
import { useTestCenter } from '../../support/test-center.js';

describe('log streams (exports)', () => {
  const t = useTestCenter();
  let sourceId: string;
  const clock = () => new Date('2026-12-02T07:00:00.000Z');

  beforeEach(async () => {
    sourceId = (await t.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } })).source.id;
  });

  /** The SELECTs knex sends while `work` runs. */
  const selectsDuring = async (work: () => Promise<void>): Promise<string[]> => {
    const selects: string[] = [];
    const listener = (query: { sql: string }) => {
      if (/^select/i.test(query.sql)) selects.push(query.sql);
    };
    t.knex.on('query', listener);
    try {
      await work();
    } finally {
      t.knex.off('query', listener);
    }
    return selects;
  };

  it('reads the filtered delivery log in keyset pages of 500, newest first, each page after the last id', async () => {
    const log = new IncrementalLog(t.knex, clock);
    await log.recordDeliveries(Array.from({ length: 1_203 }, (_, index) => ({ sourceId, kind: 'user' as const, objectId: `u${index}`, objectName: index % 3 === 0 ? `Ann ${index}` : `Bob ${index}`, operation: 'update', result: 'succeeded' })));
    const ids: string[] = [];
    const selects = await selectsDuring(async () => {
      for await (const entry of log.streamDeliveries(sourceId, { kind: 'user' })) ids.push(entry.objectId);
    });
    expect(ids).toHaveLength(1_203);
    expect(ids[0]).toBe('u1202');
    expect(ids.at(-1)).toBe('u0');
    // Two full pages and a short one that ends the stream; never an OFFSET.
    expect(selects).toHaveLength(3);
    expect(selects.join('\n')).not.toMatch(/offset/i);
    expect(selects[1]).toMatch(/["`]id["`] < (\?|\$\d)/);
    const searched: string[] = [];
    for await (const entry of log.streamDeliveries(sourceId, { search: 'ANN' })) searched.push(entry.objectId);
    expect(searched).toHaveLength(401);
  });

  it("reads a run's items oldest first, leaving out the unchanged ones when asked, and counts those", async () => {
    const runs = new RunStore(t.knex, clock);
    const run = await runs.create(sourceId, 'dry_run', 'alice');
    await runs.addItems(run.id, [
      ...Array.from({ length: 620 }, (_, index) => ({ kind: 'user' as const, objectId: `same${index}`, objectName: `Same ${index}`, operation: 'skip' as const, result: 'skipped' as const })),
      { kind: 'user', objectId: 'new1', objectName: 'New', operation: 'create', result: 'planned' },
      { kind: 'org', objectId: 'o1', objectName: 'Sales', operation: 'update', result: 'planned' },
    ]);
    const differences: string[] = [];
    for await (const item of runs.streamItems(run.id, { hideUnchanged: true })) differences.push(item.objectId);
    expect(differences).toEqual(['new1', 'o1']);
    let all = 0;
    for await (const _item of runs.streamItems(run.id)) all += 1;
    expect(all).toBe(622);
    expect(await runs.countUnchanged(run.id)).toBe(620);
    expect(await runs.countUnchanged(run.id, { search: 'same 1' })).toBe(111);
    expect((await runs.items(run.id, { hideUnchanged: true, kind: 'org' })).items.map((item) => item.objectId)).toEqual(['o1']);
  });
});
