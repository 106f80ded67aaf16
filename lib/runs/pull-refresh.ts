import type { Knex } from 'knex';
import type { Directory } from '../hooks/directory.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import { reconcileDirectory, type ReconcileItem } from '../mirror/reconcile.js';
import type { RunExecutor } from './manual-sync.js';

/**
 * A pull source's manual sync: re-read the host directory into the published mirror, so that
 * drift left by missed hooks is repaired and the pullers see it. Every object it changes gets a
 * run-log row; unchanged objects are only counted.
 */
export function pullRefreshExecutor(deps: { knex: Knex; mirror: MirrorReader; directory: Directory; clock: () => Date }): RunExecutor {
  const { knex, mirror, directory, clock } = deps;
  return async ({ run, runs, cancelRequested }) => {
    const { users, orgs } = await mirror.counts();
    await runs.setTotal(run.id, users + orgs);
    let readBefore = { org: 0, user: 0 };
    const report = await reconcileDirectory(knex, directory, {
      onItems: async (items: ReconcileItem[]) => {
        await runs.addItems(
          run.id,
          items.map((item) => ({ kind: item.kind, objectId: item.id, objectName: item.name, operation: item.operation, result: 'succeeded' as const })),
        );
        await runs.addCounts(run.id, {
          created: items.filter((item) => item.operation === 'create').length,
          updated: items.filter((item) => item.operation === 'update').length,
          deleted: items.filter((item) => item.operation === 'delete').length,
        });
      },
      onProgress: async ({ kind, read }) => {
        await runs.addCounts(run.id, { processed: read - readBefore[kind] });
        readBefore = { ...readBefore, [kind]: read };
      },
      shouldStop: cancelRequested,
    }, clock);
    if (report.stopped) return { status: 'cancelled' };
    if (report.warnings.length > 0) {
      await runs.addItems(
        run.id,
        report.warnings.map((warning) => ({ kind: warning.kind, objectId: warning.id, operation: 'skip' as const, result: 'failed' as const, error: warning.message })),
      );
    }
    const unchanged = report.users.unchanged + report.orgs.unchanged;
    const invalid = report.users.invalid + report.orgs.invalid;
    await runs.addCounts(run.id, { skipped: unchanged, failed: invalid });
    const processed = readBefore.org + readBefore.user;
    const latest = await runs.get(run.id);
    if (latest && latest.total < processed) await runs.setTotal(run.id, processed);
    return { status: 'succeeded' };
  };
}
