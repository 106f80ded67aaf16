import { describe, expect, it } from 'vitest';
import { TABLES } from '../../lib/persistence/tables.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

describe('the clock option', () => {
  // A year no wall clock shows: every stamp below can only come from the center's clock.
  const at = new Date('2031-05-06T07:08:09.000Z');
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH, clock: () => at });

  it('stamps audit rows, runs, run items, links, cursors and the last sync of a push run', async () => {
    await t.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'o-1', name: 'One' }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-1', userName: 'ada@example.com', orgIds: ['o-1'] }) },
    ]);
    const source = await createPushSource(t.center, server);
    const started = await t.center.runs.start(source.id);
    const run = (await t.center.runs.settled(started.id))!;
    expect(run.status).toBe('succeeded');

    const stamp = at.toISOString();
    expect(run.createdAt).toBe(stamp);
    expect(run.startedAt).toBe(stamp);
    expect(run.finishedAt).toBe(stamp);
    expect((await t.center.runs.items(run.id)).items.map((item) => item.at)).toEqual([stamp, stamp]);
    // created, enabled, and the run's start (center.runs.start audits like the console)
    expect((await t.center.audit.list({ sourceId: source.id })).map((entry) => entry.at)).toEqual([stamp, stamp, stamp]);
    expect((await t.center.push.links(source.id)).links.map((link) => link.updatedAt)).toEqual([stamp, stamp]);
    expect((await t.center.sources.get(source.id)).lastSync).toEqual({ at: stamp, status: 'succeeded' });
    const cursor = await t.knex(TABLES.cursors).where({ source_id: source.id }).first('updated_at');
    expect(cursor.updated_at).toBe(stamp);
  });
});
