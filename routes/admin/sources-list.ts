import { Router, type Request } from 'express';
import type { DeletionHold } from '../../lib/push/deletion-hold.js';
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
export function sourcesListRoutes(center: Pick<SyncCenter, 'sources' | 'push'>): Router {
  const router = Router();
  const { sources, push } = center;

  router.get('/', async (_req, res) => {
    const list = await sources.list();
    // Push sources whose incremental deletions wait for an admin, with the hold's numbers.
    const holds: Record<string, DeletionHold> = {};
    for (const source of list) {
      if (source.mode !== 'push') continue;
      const hold = await push.hold(source.id);
      if (hold) holds[source.id] = hold;
    }
    res.render('sources/list', { sources: list, holds });
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
