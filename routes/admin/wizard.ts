import { Router, type Request, type Response } from 'express';
import type { ConnectionTestResult } from '../../lib/push/test-connection.js';
import { ValidationError } from '../../lib/errors.js';
import type { ResolvedOptions } from '../../lib/options.js';
import { validateBasics } from '../../lib/sources/source-validation.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import type { Translate } from '../../lib/i18n/index.js';
import type { SecretBox } from '../../lib/util/secret-box.js';
import { toFieldErrors, type FieldErrors } from './form-errors.js';
import { keepOnce, takeOnce } from './once.js';
import { pullUrls } from './pull-urls.js';
import { useProposedShape } from './shape-proposal.js';
import { centerPath } from './view-helpers.js';
import { emptyWizard, PUSH_FIELDS, readWizard, sealSecrets, stepOfField, toCreateInput, type WizardState, type WizardStep } from './wizard-state.js';

const STEP_FIELDS: Record<WizardStep, readonly string[]> = {
  protocol: ['protocol'],
  basics: ['name', 'description'],
  parameters: ['mode', ...PUSH_FIELDS.map((field) => `push.${field}`), 'push.token', 'push.clientSecret', 'pull.scopeOrgIds'],
};

/**
 * "New downstream sync": one page per step, every step a POST to /new that carries the state
 * in the form (see WizardState). Nothing is written until the parameters step's "Next: finish".
 */
export function wizardRoutes(center: Pick<SyncCenter, 'sources' | 'push' | 'mirror'>, options: Pick<ResolvedOptions, 'publicUrl' | 'links'>, box: SecretBox): Router {
  const router = Router();
  const { sources, push, mirror } = center;

  const render = async (req: Request, res: Response, step: WizardStep, state: WizardState, errors: FieldErrors = {}, connectionTest?: ConnectionTestResult) => {
    const actor = String(res.locals.actor);
    const { secrets, ...wizard } = state;
    const data: Record<string, unknown> = { step, wizard, errors, sealed: sealSecrets(secrets, box, actor), connectionTest };
    if (step === 'parameters') {
      data.secretState = { token: secrets.token ? 'entered' : '', clientSecret: secrets.clientSecret ? 'entered' : '' };
      data.pullUrls = pullUrls(req, options);
      data.orgChoices = await mirror.orgChoices();
      data.proposeShape = true; // the connection test may offer the org shape the downstream calls for
    }
    res.status(Object.keys(errors).length > 0 ? 422 : 200).render(`wizard/${step}`, data);
  };

  router.get('/new', (req, res) => render(req, res, 'protocol', emptyWizard()));

  router.post('/new', async (req, res) => {
    const state = readWizard(req.body, box, String(res.locals.actor));
    const step = String(req.body.step ?? '');
    const back = req.body.go === 'back';
    if (step === 'basics' && back) return render(req, res, 'protocol', state);
    if (step === 'parameters' && back) return render(req, res, 'basics', state);
    if (step === 'protocol') {
      if (state.protocol !== 'scim') return render(req, res, 'protocol', state, { protocol: res.locals.t('validation.unsupported') });
      return render(req, res, 'basics', state);
    }
    if (step === 'basics') {
      const errors = await checkBasics(sources, state, res.locals.t);
      return errors ? render(req, res, 'basics', state, errors) : render(req, res, 'parameters', state);
    }
    if (step !== 'parameters') return render(req, res, 'protocol', state);
    if (req.body.go === 'useShape' && state.mode === 'push') useProposedShape(state.push, req.body);
    if ((req.body.go === 'test' || req.body.go === 'useShape') && state.mode === 'push') {
      // "Test connection": the entered settings, nothing saved; the step comes back with the results.
      try {
        return render(req, res, 'parameters', state, {}, await push.testConnection(toCreateInput(state).push!, { actor: res.locals.actor }));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return render(req, res, 'parameters', state, toFieldErrors(error, res.locals.t, STEP_FIELDS.parameters));
      }
    }
    try {
      const { source, credentials } = await sources.create(toCreateInput(state), { actor: res.locals.actor });
      if (credentials) keepOnce(req, res, box, source.id, credentials);
      return res.redirect(303, centerPath(req, 'sources', source.id, 'created'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const target = stepOfField(error.issues[0]?.field ?? '');
      return render(req, res, target, state, toFieldErrors(error, res.locals.t, STEP_FIELDS[target]));
    }
  });

  router.get('/sources/:id/created', async (req, res) => {
    const source = await sources.get(req.params.id);
    const credentials = source.mode === 'pull' ? takeOnce(req, res, box, source.id) : undefined;
    res.render('wizard/finish', {
      source,
      credentials,
      upstreamSync: options.links.upstreamSync ?? '',
      pullUrls: pullUrls(req, options),
    });
  });

  return router;
}

/** The basics step checks what it can before the admin moves on; create() checks again. */
async function checkBasics(sources: SyncCenter['sources'], state: WizardState, t: Translate): Promise<FieldErrors | undefined> {
  try {
    validateBasics({ name: state.name, description: state.description }, false);
  } catch (error) {
    if (error instanceof ValidationError) return toFieldErrors(error, t, STEP_FIELDS.basics);
    throw error;
  }
  const wanted = state.name.trim().toLowerCase();
  const taken = (await sources.list()).some((source) => source.name.toLowerCase() === wanted);
  return taken ? { name: t('validation.taken') } : undefined;
}
