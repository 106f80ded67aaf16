import { Router, type Request, type Response } from 'express';
import { NotFoundError, StateConflictError } from '../../lib/errors.js';
import type { Source } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { conflictMessage } from './conflicts.js';
import { centerPath } from './view-helpers.js';

const PAGE = 20;

/**
 * Provision on demand, on a push source's own tab: search a user (GET, SQL over the mirror,
 * keyset-paged), "Provision now" (POST, CSRF-checked, admins only: the guard refuses a reader's
 * POST), then the result page (PRG) with each step, its requests, statuses and reasons. No
 * JavaScript needed anywhere.
 */
export function onDemandRoutes(center: Pick<SyncCenter, 'sources' | 'push'>): Router {
  const router = Router();
  const { sources, push } = center;

  const pushSource = async (id: string): Promise<Source> => {
    const source = await sources.get(id);
    if (source.mode !== 'push') throw new NotFoundError('page', 'on-demand');
    return source;
  };
  const searchPage = async (req: Request, res: Response, source: Source, q: string, after: string, problem: { status: number; message: string } | null = null) => {
    const found = q ? await push.provisionCandidates(source.id, q, { limit: PAGE, ...(after && { after }) }) : { candidates: [], next: null };
    const nextUrl = found.next ? `${centerPath(req, 'sources', source.id, 'on-demand')}?${new URLSearchParams({ q, after: found.next })}` : '';
    res.status(problem?.status ?? 200).render('source/on-demand', { source, q, candidates: found.candidates, nextUrl, paged: after !== '', problem: problem?.message ?? '' });
  };

  router.get('/sources/:id/on-demand', async (req, res) => {
    const source = await pushSource(req.params.id);
    await searchPage(req, res, source, text(req.query.q), text(req.query.after));
  });

  router.post('/sources/:id/on-demand', async (req, res) => {
    const source = await pushSource(req.params.id);
    const userId = text(req.body.userId);
    const q = text(req.body.q);
    let resultId: string;
    try {
      resultId = (await push.provisionNow(source.id, userId, { actor: String(res.locals.actor) })).id;
    } catch (error) {
      // The search page again, with what went wrong and the admin's search kept.
      if (error instanceof NotFoundError) return searchPage(req, res, source, q, '', { status: 404, message: res.locals.t('onDemand.unknownUser', { id: userId }) });
      if (error instanceof StateConflictError) return searchPage(req, res, source, q, '', { status: 409, message: conflictMessage(error, res.locals.t) });
      throw error;
    }
    res.redirect(303, centerPath(req, 'sources', source.id, 'on-demand', 'results', resultId));
  });

  router.get('/sources/:id/on-demand/results/:resultId', async (req, res) => {
    const source = await pushSource(req.params.id);
    const result = await push.provisionResult(source.id, req.params.resultId);
    if (!result) throw new NotFoundError('on-demand result', req.params.resultId);
    res.render('source/on-demand-result', { source, result });
  });

  return router;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, 255) : '';
}
