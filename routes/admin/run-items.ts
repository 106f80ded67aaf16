import { Router, type Request } from 'express';
import { NotFoundError } from '../../lib/errors.js';
import type { ObjectKind } from '../../lib/mirror/mirror-rows.js';
import type { ResolvedOptions } from '../../lib/options.js';
import { normalizeSearch } from '../../lib/runs/log-search.js';
import { ACTIVE_RUN_STATUSES, type Run, type RunItemFilter, type RunItemResult } from '../../lib/runs/run-store.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { exportFormatOf, exportQuery, sendExport } from './export.js';
import { readerOf, runItemColumns } from './log-exports.js';
import { zoneName } from './logs.js';
import { PAGE_SIZE, paging, requestedPage } from './paging.js';
import { HELD_PREVIEW } from './runs.js';

const ITEM_RESULTS: readonly RunItemResult[] = ['succeeded', 'failed', 'skipped', 'planned'];
const KINDS: readonly ObjectKind[] = ['user', 'org'];
const ACTIVE = new Set<string>(ACTIVE_RUN_STATUSES);

/**
 * "View log" of one run: its per-object items, searchable by object and exportable. A dry run
 * shows its differences: the objects it found unchanged are hidden unless the admin asks for
 * them ("Show unchanged", or the Skipped result), and the page says how many are hidden.
 */
export function runItemRoutes(center: Pick<SyncCenter, 'sources' | 'runs'>, options: Pick<ResolvedOptions, 'timezone'>): Router {
  const router = Router();

  const runOf = async (sourceId: string, runId: string): Promise<Run> => {
    const run = await center.runs.get(Number(runId));
    if (!run || run.sourceId !== sourceId) throw new NotFoundError('run', runId);
    return run;
  };

  /** The filter in the query string, and the same values as the form shows them. */
  const filterOf = (req: Request, run: Run) => {
    const result = ITEM_RESULTS.find((value) => value === req.query.result);
    const kind = KINDS.find((value) => value === req.query.kind);
    const search = normalizeSearch(req.query.q);
    const dryRun = run.kind === 'dry_run';
    const askedForUnchanged = dryRun && req.query.unchanged === '1';
    const filter: RunItemFilter = { result, kind, search, hideUnchanged: dryRun && !askedForUnchanged && result !== 'skipped' };
    const applied = { q: search ?? '', result: result ?? '', kind: kind ?? '', unchanged: askedForUnchanged ? '1' : '' };
    return { filter, applied, dryRun };
  };

  router.get('/sources/:id/runs/:runId', async (req, res) => {
    const source = await center.sources.get(req.params.id);
    const run = await runOf(source.id, req.params.runId);
    const { filter, applied, dryRun } = filterOf(req, run);
    const page = requestedPage(req);
    const [{ items, total }, hidden] = await Promise.all([
      center.runs.items(run.id, { ...filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      filter.hideUnchanged ? center.runs.countUnchanged(run.id, { result: filter.result, kind: filter.kind, search: filter.search }) : Promise.resolve(0),
    ]);
    // A paused run names the first objects it holds back (its planned deletions).
    const plannedItems = run.status === 'paused' ? await center.runs.items(run.id, { result: 'planned', limit: HELD_PREVIEW, offset: 0 }) : null;
    res.render('runs/items', {
      source,
      run,
      items,
      plannedItems,
      results: ITEM_RESULTS,
      kinds: KINDS,
      filters: applied,
      dryRun,
      hidden,
      timeZone: zoneName(options.timezone),
      showUnchangedQuery: exportQuery({ ...applied, unchanged: '1' }),
      exportQuery: exportQuery(applied),
      active: ACTIVE.has(run.status),
      paging: paging(req, page, total, applied),
    });
  });

  /** The run's filtered items as CSV or JSON, streamed a page at a time. */
  router.get('/sources/:id/runs/:runId/items.:format', async (req, res, next) => {
    const format = exportFormatOf(req.params.format);
    if (!format) return next();
    const source = await center.sources.get(req.params.id);
    const run = await runOf(source.id, req.params.runId);
    const { filter } = filterOf(req, run);
    await sendExport(res, format, `run-${run.id}-items`, runItemColumns(readerOf(res, options.timezone)), center.runs.streamItems(run.id, filter));
  });

  return router;
}
