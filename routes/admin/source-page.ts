import { Router, type Request, type Response } from 'express';
import type { CenterContext } from '../../lib/context.js';
import { ValidationError } from '../../lib/errors.js';
import { listOrgChoices } from '../../lib/mirror/org-choices.js';
import type { Source, UpdateSourceInput } from '../../lib/sources/source-types.js';
import type { SecretBox } from '../../lib/util/secret-box.js';
import { toFieldErrors, type FieldErrors } from './form-errors.js';
import { keepOnce, takeOnce } from './once.js';
import { pullUrls } from './pull-urls.js';
import { centerPath } from './view-helpers.js';
import { PUSH_FIELDS, type PushFieldValues } from './wizard-state.js';

const PARAMETER_FIELDS = ['push.auth', 'push.token', 'push.tokenUrl', 'push.clientId', 'push.clientSecret', 'push.userUrl', 'push.orgUrl', 'push.orgResource', 'pull.scopeOrgIds'];

/** The source page ("Configure"): basic information, parameters, pull credentials. */
export function sourcePageRoutes(context: CenterContext, box: SecretBox): Router {
  const router = Router();
  const { sources } = context;

  const renderShow = async (req: Request, res: Response, source: Source, form: { errors?: FieldErrors; pushValues?: PushFieldValues; scopeOrgIds?: string[] } = {}) => {
    const errors = form.errors ?? {};
    res.status(Object.keys(errors).length > 0 ? 422 : 200).render('source/show', {
      source,
      errors,
      pushValues: form.pushValues ?? pushValuesOf(source),
      secretState: { token: source.push?.hasToken ? 'stored' : '', clientSecret: source.push?.hasClientSecret ? 'stored' : '' },
      scopeOrgIds: form.scopeOrgIds ?? source.pull?.scopeOrgIds ?? [],
      orgChoices: source.mode === 'pull' ? await listOrgChoices(context.knex) : null,
      pullUrls: pullUrls(req, context.options),
      credentials: source.mode === 'pull' ? takeOnce(req, res, box, source.id) : undefined,
    });
  };

  router.get('/sources/:id', async (req, res) => {
    await renderShow(req, res, await sources.get(req.params.id));
  });

  router.get('/sources/:id/edit', async (req, res) => {
    const source = await sources.get(req.params.id);
    res.render('source/edit', { source, values: { name: source.name, description: source.description } });
  });

  router.post('/sources/:id/basics', async (req, res) => {
    const values = { name: text(req.body.name), description: text(req.body.description) };
    try {
      await sources.update(req.params.id, values, { actor: res.locals.actor });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const source = await sources.get(req.params.id);
      return res.status(422).render('source/edit', { source, values, errors: toFieldErrors(error, res.locals.t, ['name', 'description']) });
    }
    res.redirect(303, `${centerPath(req, 'sources', req.params.id)}?done=saved`);
  });

  router.post('/sources/:id/parameters', async (req, res) => {
    const source = await sources.get(req.params.id);
    const pushValues = Object.fromEntries(PUSH_FIELDS.map((field) => [field, text(req.body[`push.${field}`])])) as PushFieldValues;
    const scopeOrgIds = list(req.body['pull.scopeOrgIds']);
    const input: UpdateSourceInput = {};
    if (source.mode === 'push') {
      input.push = { ...(pushValues as UpdateSourceInput['push']) };
      // Blank secret inputs mean "keep what is stored"; the service reads absent as exactly that.
      const token = text(req.body['push.token']);
      const clientSecret = text(req.body['push.clientSecret']);
      if (token.trim()) input.push!.token = token;
      if (clientSecret.trim()) input.push!.clientSecret = clientSecret;
    } else {
      input.pull = { scopeOrgIds };
    }
    try {
      await sources.update(source.id, input, { actor: res.locals.actor });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderShow(req, res, source, { errors: toFieldErrors(error, res.locals.t, PARAMETER_FIELDS), pushValues, scopeOrgIds });
    }
    res.redirect(303, `${centerPath(req, 'sources', source.id)}?done=saved`);
  });

  router.post('/sources/:id/credentials', async (req, res) => {
    const credentials = await sources.regenerateCredentials(req.params.id, { actor: res.locals.actor });
    keepOnce(req, res, box, req.params.id, credentials);
    res.redirect(303, `${centerPath(req, 'sources', req.params.id)}#credentials`);
  });

  return router;
}

function pushValuesOf(source: Source): PushFieldValues {
  const push = source.push;
  return {
    auth: push?.auth ?? 'bearer',
    clientId: push?.clientId ?? '',
    tokenUrl: push?.tokenUrl ?? '',
    userUrl: push?.userUrl ?? '',
    orgUrl: push?.orgUrl ?? '',
    orgResource: push?.orgResource ?? 'organization',
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}
