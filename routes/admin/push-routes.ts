import { Router, type NextFunction, type Request, type Response } from 'express';
import { NotFoundError, StateConflictError, ValidationError } from '../../lib/errors.js';
import type { ObjectKind } from '../../lib/mirror/mirror-rows.js';
import type { PushApi } from '../../lib/push/push-api.js';
import type { LinkFilter, LinkStatus, PushLink } from '../../lib/push/links-store.js';
import type { Run } from '../../lib/runs/run-store.js';
import type { Source } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { toFieldErrors } from './form-errors.js';
import { forAdmins } from './guard.js';
import { safeReturnTo } from './locale.js';
import { PAGE_SIZE, pageParam, paging, requestedPage } from './paging.js';
import { backTo } from './sources-list.js';
import { HELD_PREVIEW } from './runs.js';
import { centerPath } from './view-helpers.js';

export const LINK_KINDS: readonly ObjectKind[] = ['user', 'org'];
export const LINK_STATUSES: readonly LinkStatus[] = ['synced', 'manual', 'creating', 'failed', 'rejected', 'disabled', 'left'];

/**
 * Gives the pages of a push source its incremental deletion hold (`hold`), so the header of every
 * tab can show it with Confirm / Cancel. Sources that are not push, or not there, pass untouched.
 */
export function pushLocals(push: PushApi) {
  return Router().use('/sources/:id', async (req: Request, res: Response, next: NextFunction) => {
    // The progress JSON is polled every second and shows no header.
    if (req.method !== 'GET' || req.path.endsWith('/progress')) return next();
    try {
      const id = String(req.params.id);
      res.locals.hold = await push.hold(id);
      // The banner names the first few held objects (the deletions page lists them all).
      if (res.locals.hold) res.locals.heldObjects = await push.heldDeletions(id, { limit: HELD_PREVIEW, offset: 0 });
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof StateConflictError)) throw error;
    }
    next();
  });
}

/** The push-only parts of a source's pages: the links tab, paused runs, held deletions. */
export function pushRoutes(center: Pick<SyncCenter, 'sources' | 'runs' | 'push'>): Router {
  const router = Router();
  const { sources, runs, push } = center;

  const pushSource = async (id: string): Promise<Source> => {
    const source = await sources.get(id);
    // A pull source has no links page: the same answer as any page that is not there.
    if (source.mode !== 'push') throw new NotFoundError('links', id);
    return source;
  };
  const linkOf = async (source: Source, kindParam: string, localId: string): Promise<PushLink> => {
    const kind = LINK_KINDS.find((value) => value === kindParam);
    const link = kind ? await push.link(source.id, kind, localId) : undefined;
    if (!link) throw new NotFoundError('link', `${kindParam}:${localId}`);
    return link;
  };
  const pausedRunOf = async (sourceId: string, runId: string): Promise<Run> => {
    const run = await runs.get(Number(runId));
    if (!run || run.sourceId !== sourceId) throw new NotFoundError('run', runId);
    return run;
  };
  /** Back to the links list the admin came from (its filters and page), with a notice. */
  const backToLinks = (req: Request, source: Source, done: string): string => {
    const list = centerPath(req, 'sources', source.id, 'links');
    const wanted = safeReturnTo(req, req.body?.returnTo);
    const target = new URL(wanted.split('?')[0] === list ? wanted : list, 'http://console.invalid');
    target.searchParams.set('done', done);
    return `${target.pathname}${target.search}`;
  };

  router.get('/sources/:id/links', async (req, res) => {
    const source = await pushSource(req.params.id);
    const query = { kind: one(req.query.kind), status: one(req.query.status), q: one(req.query.q).trim().slice(0, 200) };
    const page = requestedPage(req);
    const filter: LinkFilter = { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
    const kind = LINK_KINDS.find((value) => value === query.kind);
    const status = LINK_STATUSES.find((value) => value === query.status);
    if (kind) filter.kind = kind;
    if (status) filter.status = status;
    if (query.q) filter.q = query.q;
    const { links, total } = await push.links(source.id, filter);
    const applied = { kind: kind ?? '', status: status ?? '', q: filter.q ?? '' };
    res.render('source/links', {
      source,
      links,
      kinds: LINK_KINDS,
      statuses: LINK_STATUSES,
      filters: applied,
      filtered: Object.values(applied).some((value) => value !== ''),
      paging: paging(req, page, total, applied),
    });
  });

  /** Without JavaScript, Unlink and Relink land on a page of their own with the same form as the dialog. */
  router.get('/sources/:id/links/:kind/:localId/:action', forAdmins, async (req, res) => {
    const action = req.params.action;
    if (action !== 'unlink' && action !== 'relink') throw new NotFoundError('page', action);
    const source = await pushSource(req.params.id);
    const link = await linkOf(source, req.params.kind, req.params.localId);
    res.render('source/link-action', { source, link, action, remoteId: '', returnTo: safeReturnTo(req, req.query.returnTo) });
  });

  router.post('/sources/:id/links/:kind/:localId/unlink', async (req, res) => {
    const source = await pushSource(req.params.id);
    const link = await linkOf(source, req.params.kind, req.params.localId);
    await push.unlink(source.id, link.kind, link.localId, { actor: String(res.locals.actor) });
    res.redirect(303, backToLinks(req, source, 'unlinked'));
  });

  router.post('/sources/:id/links/:kind/:localId/relink', async (req, res) => {
    const source = await pushSource(req.params.id);
    const link = await linkOf(source, req.params.kind, req.params.localId);
    const remoteId = typeof req.body.remoteId === 'string' ? req.body.remoteId : '';
    try {
      await push.relink(source.id, link.kind, link.localId, remoteId, { actor: String(res.locals.actor) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const errors = toFieldErrors(error, res.locals.t, ['remoteId']);
      return res.status(422).render('source/link-action', { source, link, action: 'relink', remoteId, errors, returnTo: safeReturnTo(req, req.body.returnTo) });
    }
    res.redirect(303, backToLinks(req, source, 'relinked'));
  });

  // A run paused by the deletion threshold: go on with its deletions, or end it without them.
  router.post('/sources/:id/runs/:runId/confirm', async (req, res) => {
    const run = await pausedRunOf(req.params.id, req.params.runId);
    await push.confirmRun(run.id, { actor: String(res.locals.actor) });
    res.redirect(303, `${centerPath(req, 'sources', run.sourceId, 'sync')}?done=runConfirmed`);
  });

  router.post('/sources/:id/runs/:runId/discard', async (req, res) => {
    const run = await pausedRunOf(req.params.id, req.params.runId);
    await push.cancelRun(run.id, { actor: String(res.locals.actor) });
    res.redirect(303, `${centerPath(req, 'sources', run.sourceId, 'sync')}?done=runCancelled`);
  });

  /** What the incremental hold holds, paged, and the deletions admins cancelled (they stay on the downstream until the object changes). */
  router.get('/sources/:id/deletions', async (req, res) => {
    const source = await pushSource(req.params.id);
    const page = requestedPage(req);
    const cancelledPage = pageParam(req.query.cancelled);
    const held = await push.heldDeletions(source.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const cancelled = await push.cancelledDeletions(source.id, { limit: PAGE_SIZE, offset: (cancelledPage - 1) * PAGE_SIZE });
    const heldPaging = paging(req, page, held.total, { cancelled: cancelledPage > 1 ? String(cancelledPage) : '' });
    // The second list pages with `?cancelled=`, keeping the first list's page.
    const cancelledPaging = { ...paging(req, cancelledPage, cancelled.total, {}), prevUrl: '', nextUrl: '' };
    const cancelledUrl = (target: number) => {
      const query = new URLSearchParams();
      if (page > 1) query.set('page', String(page));
      if (target > 1) query.set('cancelled', String(target));
      const search = query.toString();
      return `${req.baseUrl}${req.path}${search ? `?${search}` : ''}`;
    };
    if (cancelledPage > 1) cancelledPaging.prevUrl = cancelledUrl(cancelledPage - 1);
    if (cancelledPage < cancelledPaging.pages) cancelledPaging.nextUrl = cancelledUrl(cancelledPage + 1);
    res.locals.heldObjects = null; // listed in full below, not again in the banner
    res.render('source/deletions', { source, held, cancelled, heldPaging, cancelledPaging });
  });

  // Deletions held by incremental delivery (posted from the list or any tab of the source).
  router.post('/sources/:id/deletions/confirm', async (req, res) => {
    await push.confirmDeletions(req.params.id, { actor: String(res.locals.actor) });
    res.redirect(303, backTo(req, req.params.id, 'deletionsConfirmed'));
  });

  router.post('/sources/:id/deletions/cancel', async (req, res) => {
    await push.cancelDeletions(req.params.id, { actor: String(res.locals.actor) });
    res.redirect(303, backTo(req, req.params.id, 'deletionsCancelled'));
  });

  return router;
}

function one(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
