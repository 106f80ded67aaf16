import { describe, expect, it } from 'vitest';
import type { ChangeResult } from '../../../lib/mirror/change-writer.js';
import { reconcileDirectory, type ReconcileItem } from '../../../lib/mirror/reconcile.js';
import { CHANGE_SEQUENCE, TABLES } from '../../../lib/persistence/tables.js';
import { buildDirectory, buildUser } from '../../support/factories.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { useTestCenter } from '../../support/test-center.js';

const range = (n: number) => Array.from({ length: n }, (_, index) => index + 1);

describe('the change sequence (appendChanges) across both writers', () => {
  let directory: MemoryDirectory;
  const t = useTestCenter({}, () => (directory = new MemoryDirectory(buildDirectory(3, 40))));

  it('numbers changes of the change API and of reconcile, interleaved, in commit order without gaps or duplicates', async () => {
    // In the mirror but not in the host: reconcile's tombstone pass deletes them.
    for (let index = 0; index < 6; index += 1) await t.center.changes.userUpserted(buildUser());

    const seen: number[] = [];
    let polling = true;
    const poll = async () => {
      const rows = await t.center.mirror.changesAfter(seen.at(-1) ?? 0, 1000);
      seen.push(...rows.map((row) => row.seq));
    };
    const poller = (async () => {
      while (polling) await poll();
    })();

    const hookResults: Array<Promise<ChangeResult>> = [];
    const reconciled: ReconcileItem[] = [];
    await reconcileDirectory(t.knex, directory, {
      pageSize: 5,
      onItems: (items) => void reconciled.push(...items),
      onProgress: async () => {
        // One write between reconcile's transactions, one racing with the next of them.
        await t.center.changes.userUpserted(buildUser());
        hookResults.push(t.center.changes.userUpserted(buildUser()));
      },
    });
    const hookSeqs = (await Promise.all(hookResults)).flatMap((result) => result.applied.map((change) => change.seq));
    polling = false;
    await poller;
    await poll();

    const stored = await t.knex(TABLES.changes).orderBy('seq').select('seq', 'origin', 'kind', 'object_id');
    const total = stored.length;
    expect(stored.map((row) => Number(row.seq))).toEqual(range(total));
    const counter = await t.knex(TABLES.counters).where({ name: CHANGE_SEQUENCE }).first('value');
    expect(Number(counter.value)).toBe(total);
    // A reader that follows the feed by "after the last seq I saw" misses nothing and sees nothing twice.
    expect(seen).toEqual(range(total));

    const reconcileSeqs = reconciled.map((item) => item.seq);
    expect(reconciled.some((item) => item.operation === 'delete')).toBe(true);
    expect(new Set([...reconcileSeqs, ...hookSeqs]).size).toBe(reconcileSeqs.length + hookSeqs.length);
    const byOrigin = (origin: string) => stored.filter((row) => row.origin === origin).map((row) => Number(row.seq));
    expect(byOrigin('reconcile')).toEqual([...reconcileSeqs].sort((a, b) => a - b));
    const hooks = byOrigin('hook');
    expect(hooks.some((seq) => seq > Math.min(...reconcileSeqs) && seq < Math.max(...reconcileSeqs))).toBe(true);

    // Each object carries the number of its latest change.
    const latest = new Map(stored.map((row) => [`${row.kind}:${row.object_id}`, Number(row.seq)]));
    const users = await t.knex(TABLES.users).select('id', 'seq');
    for (const user of users) expect(Number(user.seq)).toBe(latest.get(`user:${user.id}`));
  });
});
