import { describe, expect, it } from 'vitest';
import { TABLES } from '../../lib/persistence/tables.js';
import { down, up } from '../../migrations/20261202-17-log-search.js';
import { createRun } from '../support/factories.js';
import { useTestCenter } from '../support/test-center.js';

describe('migration 20261202-17-log-search', () => {
  const test = useTestCenter();

  it('folds the names, paths and filters of log rows written before it, so the search finds them', async () => {
    const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: 't' } });
    const run = await createRun(test.knex, { sourceId: source.id, status: 'succeeded', at: '2026-12-01T00:00:00.000Z' });
    await down(test.knex);
    const at = '2026-12-01T00:00:00.000Z';
    const outcome = { kind: 'user', operation: 'update', result: 'succeeded', at };
    // More rows than one backfill page, the old way: without the folded copies.
    await test.knex.batchInsert(
      TABLES.deliveryLog,
      Array.from({ length: 520 }, (_, index) => ({ ...outcome, source_id: source.id, object_id: `u${index}`, object_name: index === 519 ? 'STRAßE Ärger' : `User ${index}`, attempt: 1 })),
      100,
    );
    await test.knex(TABLES.runItems).insert([
      { ...outcome, run_id: run.id, object_id: 'u1', object_name: 'Ann LEE' },
      { ...outcome, run_id: run.id, object_id: 'u2', object_name: null },
    ]);
    await test.knex(TABLES.pullLog).insert({ source_id: source.id, at, method: 'GET', path: '/scim/v2/Users', filter: 'userName eq "Ann"', status: 200, duration_ms: 1 });
    await up(test.knex);

    expect(await test.knex(TABLES.deliveryLog).where({ object_id: 'u519' }).first('object_name_fold')).toEqual({ object_name_fold: 'strasse ärger' });
    expect(await test.knex(TABLES.runItems).orderBy('id').pluck('object_name_fold')).toEqual(['ann lee', null]);
    expect(await test.knex(TABLES.pullLog).pluck('search_fold')).toEqual(['/scim/v2/users\nusername eq "ann"']);
    expect((await test.center.logs.deliveries(source.id, { search: 'strasse ÄRGER' })).total).toBe(1);
    expect((await test.center.runs.items(run.id, { search: 'ann' })).total).toBe(1);
    expect((await test.center.logs.pulls(source.id, { search: 'USERNAME EQ' })).total).toBe(1);
  });
});
