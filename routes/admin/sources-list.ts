import { Router, type Request } from 'express';
import type { DeletionHold } from '../../lib/push/deletion-hold.js';
import { HEALTH_STATES, type StatusFilter } from '../../lib/status/source-status.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { forAdmins } from './guard.js';
import { centerPath } from './view-helpers.js';

/** Where an action posted from a page goes back to: only pages we know, never a URL from the form. */
export function backTo(req: Request, id: string, done: string): string {
  const back = String(req.body?.back ?? '');
  const page = back === 'source' ? centerPath(req, 'sources', id) : back === 'sync' || back === 'log' || back === 'links' || back === 'deletions' ? centerPath(req, 'sources', id, back) : `${req.baseUrl}/`;
  return `${page}?done=${done}`;
}

/** The list and the actions of its action column (also posted from the source page). */
export function sourcesListRoutes(center: Pick<SyncCenter, 'sources' | 'push' | 'status'>): Router {
  const router = Router();
  const { sources, push, status } = center;

  /** The list answers "is it healthy?" for every source; `?q=`, `?mode=`, `?state=` narrow it (a GET form). */
  router.get('/', async (req, res) => {
    const filter = listFilter(req.query);
    const filtered = Boolean(filter.q || filter.mode || filter.state);
    const statuses = await status.list(filter);
    // Only sources whose incremental deletions wait for an admin are asked for the hold's numbers.
    const holds: Record<string, DeletionHold> = {};
    for (const entry of statuses) {
      if (!entry.reasons.includes('deletion_hold')) continue;
      const hold = await push.hold(entry.source.id);
      if (hold) holds[entry.source.id] = hold;
    }
    const anySources = statuses.length > 0 || (filtered && (await sources.list()).length > 0);
    res.render('sources/list', { statuses, holds, filter, filtered, anySources, states: HEALTH_STATES });
  });

  router.post('/sources/:id/enable', async (req, res) => {
    await sources.enable(req.params.id, { actor: res.locals.actor });
    res.redirect(303, backTo(req, req.params.id, 'enabled'));
  });

  router.post('/sources/:id/disable', async (req, res) => {
    await sources.disable(req.params.id, { actor: res.locals.actor });
    res.redirect(303, backTo(req, req.params.id, 'disabled'));
  });

  router.post('/sources/:id/resume', async (req, res) => {
    await sources.resume(req.params.id, { actor: res.locals.actor });
    res.redirect(303, backTo(req, req.params.id, 'resumed'));
  });

  /** Without JavaScript, "Delete" lands here: the same confirmation as the dialog, as a page. */
  router.get('/sources/:id/delete', forAdmins, async (req, res) => {
    res.render('sources/delete', { source: await sources.get(req.params.id) });
  });

  // The service refuses an enabled source (StateConflictError → 409 page saying why).
  router.post('/sources/:id/delete', async (req, res) => {
    await sources.delete(req.params.id, { actor: res.locals.actor });
    res.redirect(303, `${req.baseUrl}/?done=deleted`);
  });

  return router;
}

/** The list's filters from the query string; anything unknown is ignored rather than refused. */
export function listFilter(query: Request['query']): StatusFilter & { q: string } {
  const q = typeof query.q === 'string' ? query.q.trim().slice(0, 100) : '';
  const mode = query.mode === 'push' || query.mode === 'pull' ? query.mode : undefined;
  const state = HEALTH_STATES.find((value) => value === query.state);
  return { q, mode, state };
}
