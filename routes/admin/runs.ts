import { Router, type Request, type Response } from 'express';
import { NotFoundError, StateConflictError } from '../../lib/errors.js';
import { ACTIVE_RUN_STATUSES, type Run } from '../../lib/runs/run-store.js';
import type { Source } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { conflictMessage } from './conflicts.js';
import { PAGE_SIZE, paging, requestedPage } from './paging.js';
import { progressText } from './status-view.js';
import { centerPath } from './view-helpers.js';

const ACTIVE = new Set<string>(ACTIVE_RUN_STATUSES);
/** How many held objects a hold's panel names before linking to all of them. */
export const HELD_PREVIEW = 5;
/** How often the manual sync page reloads itself without JavaScript while a run works. */
const REFRESH_SECONDS = 3;

/** "Manual sync": start and cancel runs, list them, and a run's live progress (its per-object log: run-items.ts). */
export function runRoutes(center: Pick<SyncCenter, 'sources' | 'runs' | 'status'>): Router {
  const router = Router();
  const { sources } = center;

  const renderRuns = async (req: Request, res: Response, source: Source, conflict = '') => {
    const page = requestedPage(req);
    const { runs, total } = await center.runs.list(source.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const active = await center.runs.active(source.id);
    // A run paused by the deletion threshold is shown on its own, with Confirm / Cancel, whatever the page.
    const pausedRun = active?.status === 'paused' ? active : undefined;
    const plannedItems = pausedRun ? await heldPreview(pausedRun) : null;
    // A run that works (not one waiting for an admin) gets the live progress panel; without JavaScript the page reloads itself.
    const progress = active && !pausedRun ? await center.status.progress(active.id) : undefined;
    const live = progress ? { progress, text: progressText(progress, res.locals.t, res.locals.locale), url: `${centerPath(req, 'sources', source.id, 'runs', progress.runId)}/progress`, kind: active!.kind } : undefined;
    res.status(conflict ? 409 : 200).render('runs/list', { source, runs, running: Boolean(active), pausedRun, plannedItems, conflict, live, refreshSeconds: live ? REFRESH_SECONDS : 0, isActive: (run: Run) => ACTIVE.has(run.status), paging: paging(req, page, total, {}) });
  };

  /** The first objects a paused run holds (its `planned` log rows), for the paused-run panel. */
  const heldPreview = (run: Run) => center.runs.items(run.id, { result: 'planned', limit: HELD_PREVIEW, offset: 0 });

  const runOf = async (sourceId: string, runId: string): Promise<Run> => {
    const run = await center.runs.get(Number(runId));
    if (!run || run.sourceId !== sourceId) throw new NotFoundError('run', runId);
    return run;
  };

  router.get('/sources/:id/sync', async (req, res) => {
    await renderRuns(req, res, await sources.get(req.params.id));
  });

  router.post('/sources/:id/sync', async (req, res) => {
    const source = await sources.get(req.params.id);
    const actor = String(res.locals.actor);
    // Push sources also offer a dry run, verifying the downstream and trusting the links (manual-sync form of push-sync-form.ejs).
    const dryRun = source.mode === 'push' && req.body.go === 'dryRun';
    const pushOptions = { ...(req.body.verifyDownstream === '1' ? { verifyDownstream: true } : {}), ...(req.body.trustLinks === '1' ? { trustLinks: true } : {}) };
    const options = source.mode === 'push' && Object.keys(pushOptions).length > 0 ? pushOptions : undefined;
    try {
      await center.runs.start(source.id, { actor, dryRun, options });
    } catch (error) {
      // Refusals (disabled, already running, no engine for this mode yet) are said on the page.
      if (!(error instanceof StateConflictError)) throw error;
      return renderRuns(req, res, source, conflictMessage(error, res.locals.t, { mode: res.locals.t(`mode.${source.mode}`) }));
    }
    res.redirect(303, `${centerPath(req, 'sources', source.id, 'sync')}?done=${dryRun ? 'dryRunStarted' : 'started'}`);
  });

  router.post('/sources/:id/runs/:runId/cancel', async (req, res) => {
    const run = await runOf(req.params.id, req.params.runId);
    await center.runs.cancel(run.id, { actor: String(res.locals.actor) });
    res.redirect(303, `${centerPath(req, 'sources', run.sourceId, 'sync')}?done=cancelRequested`);
  });

  /**
   * Polled by console.js while a run is active (the page itself works without it): the counts,
   * and phase, percentage, rate and time left, with their words in the page's language.
   */
  router.get('/sources/:id/runs/:runId/progress', async (req, res) => {
    const run = await runOf(req.params.id, req.params.runId);
    const progress = (await center.status.progress(run.id))!;
    const { id, status, total, processed, created, updated, deleted, skipped, failed, finishedAt, cancelRequested } = run;
    const { phase, percent, ratePerSecond, etaSeconds } = progress;
    res.set('cache-control', 'no-store');
    res.json({ id, status, active: ACTIVE.has(status), total, processed, created, updated, deleted, skipped, failed, finishedAt, cancelRequested, phase, percent, ratePerSecond, etaSeconds, text: progressText(progress, res.locals.t, res.locals.locale) });
  });

  return router;
}
