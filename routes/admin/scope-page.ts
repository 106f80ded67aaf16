import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../lib/errors.js';
import type { ScopePreview } from '../../lib/push/scope/scope-preview.js';
import type { Source, SourceScope } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { toFieldErrors, type FieldErrors } from './form-errors.js';
import { forAdmins } from './guard.js';
import { centerPath } from './view-helpers.js';

const SCOPE_FIELDS = ['push.scope.orgIds', 'push.scope.userFilter', 'push.scope.orgs'];

/** A scope form as entered: kept as it was when the page comes back with errors or a preview. */
interface ScopeValues {
  orgIds: string[];
  userFilter: string;
  orgs: 'subtrees' | 'withAncestors';
}

/**
 * A push source's scope page: the org subtree picker (the pull sources' one), the user filter,
 * the ancestors choice, Save, and Preview (the proposed scope's effect, nothing saved). Works
 * without JavaScript: both buttons post the form and the page comes back with the values kept.
 */
export function scopePageRoutes(center: Pick<SyncCenter, 'sources' | 'push' | 'mirror'>): Router {
  const router = Router();
  const { sources, push, mirror } = center;

  const render = async (req: Request, res: Response, source: Source, values: ScopeValues, extra: { errors?: FieldErrors; preview?: ScopePreview } = {}) => {
    const errors = extra.errors ?? {};
    res.status(Object.keys(errors).length > 0 ? 422 : 200).render('source/scope', { source, values, errors, preview: extra.preview ?? null, orgChoices: await mirror.orgChoices() });
  };
  const pushSource = async (req: Request<{ id: string }>): Promise<Source | undefined> => {
    const source = await sources.get(req.params.id);
    return source.mode === 'push' ? source : undefined;
  };

  router.get('/sources/:id/scope', forAdmins, async (req, res, next) => {
    const source = await pushSource(req);
    if (!source) return next();
    await render(req, res, source, valuesOf(source.push?.scope));
  });

  router.post('/sources/:id/scope', forAdmins, async (req, res, next) => {
    const source = await pushSource(req);
    if (!source) return next();
    const values = readValues(req.body);
    try {
      if (req.body.go === 'preview') return await render(req, res, source, values, { preview: await push.previewScope(source.id, inputOf(values)) });
      await sources.update(source.id, { push: { scope: inputOf(values) } }, { actor: res.locals.actor });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return render(req, res, source, values, { errors: toFieldErrors(error, res.locals.t, SCOPE_FIELDS) });
    }
    res.redirect(303, `${centerPath(req, 'sources', source.id)}?done=saved#scope-title`);
  });

  return router;
}

function valuesOf(scope: SourceScope | undefined): ScopeValues {
  return { orgIds: scope?.orgIds ?? [], userFilter: scope?.userFilter ?? '', orgs: scope?.orgs ?? 'subtrees' };
}

function readValues(body: Record<string, unknown>): ScopeValues {
  const ids = body['push.scope.orgIds'];
  const orgIds = (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).filter((id): id is string => typeof id === 'string' && id !== '');
  const filter = body['push.scope.userFilter'];
  return { orgIds, userFilter: typeof filter === 'string' ? filter : '', orgs: body['push.scope.orgs'] === 'withAncestors' ? 'withAncestors' : 'subtrees' };
}

function inputOf(values: ScopeValues): SourceScope {
  return { orgIds: values.orgIds, userFilter: values.userFilter.trim() || null, orgs: values.orgs };
}
