import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import type { ResolvedOptions } from '../../lib/options.js';
import { validateBasics } from '../../lib/sources/source-validation.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import type { SecretBox } from '../../lib/util/secret-box.js';
import { toFieldErrors, type FieldErrors } from './form-errors.js';
import { forAdmins } from './guard.js';
import { keepOnce, takeOnce } from './once.js';
import { pullUrls } from './pull-urls.js';
import { useProposedShape } from './shape-proposal.js';
import { centerPath } from './view-helpers.js';
import { LDAP_INPUTS } from './ldap-form.js';
import {
  applyStep,
  ldapOf,
  WIZARD_PROTOCOLS,
  emptyWizard,
  isWizardStep,
  openDraft,
  previousStep,
  PUSH_FIELDS,
  sealDraft,
  stepOfField,
  toCreateInput,
  type WizardDraft,
  type WizardState,
  type WizardStep,
} from './wizard-state.js';

const UNSUPPORTED: FieldIssue = { field: 'protocol', code: 'unsupported', message: 'only SCIM and LDAP / AD are supported' };

const STEP_FIELDS: Record<WizardStep, readonly string[]> = {
  protocol: ['protocol'],
  basics: ['name', 'description'],
  parameters: ['mode', ...PUSH_FIELDS.map((field) => `push.${field}`), 'push.token', 'push.clientSecret', 'pull.scopeOrgIds', ...LDAP_INPUTS],
};

const supported = (protocol: string) => (WIZARD_PROTOCOLS as readonly string[]).includes(protocol);

type WizardCenter = Pick<SyncCenter, 'sources' | 'push' | 'mirror' | 'wizardDrafts'>;

/**
 * "New downstream sync", post/redirect/get: every step is a page of its own (GET
 * /new/<draft>/<step>); its form posts to the same address, which stores the draft and answers
 * 303 with the next page (or the same page with its errors). Back and reload therefore only ever
 * repeat a GET. Nothing but the draft is written until the parameters step's "Next: finish".
 */
export function wizardRoutes(center: WizardCenter, options: Pick<ResolvedOptions, 'publicUrl' | 'links'>, box: SecretBox): Router {
  const router = Router();
  const { sources, push, mirror, wizardDrafts: drafts } = center;
  const actorOf = (res: Response) => String(res.locals.actor);
  const stepUrl = (req: Request, id: string, step: WizardStep) => centerPath(req, 'new', id, step);

  const render = async (req: Request, res: Response, id: string, step: WizardStep, draft: WizardDraft) => {
    const { secrets, ...wizard } = draft.state;
    const issues = draft.errors?.step === step ? draft.errors.issues : [];
    const errors: FieldErrors = issues.length > 0 ? toFieldErrors(new ValidationError(issues), res.locals.t, STEP_FIELDS[step]) : {};
    const data: Record<string, unknown> = { step, wizard, errors, action: id ? stepUrl(req, id, step) : `${req.baseUrl}/new` };
    if (step === 'parameters') {
      data.connectionTest = draft.connectionTest;
      data.secretState = { token: secrets.token ? 'entered' : '', clientSecret: secrets.clientSecret ? 'entered' : '', bindPassword: secrets.bindPassword ? 'entered' : '' };
      data.ldap = ldapOf(draft.state);
      data.pullUrls = pullUrls(req, options);
      data.orgChoices = await mirror.orgChoices();
      data.proposeShape = true; // the connection test may offer the org shape the downstream calls for
    }
    res.render(`wizard/${step}`, data);
  };
  /** Stores the draft and sends the browser to a step's page. */
  const goTo = async (req: Request, res: Response, id: string, step: WizardStep, draft: WizardDraft, hash = '') => {
    if (!(await drafts.save(id, actorOf(res), sealDraft(draft, box, actorOf(res))))) return res.redirect(303, `${req.baseUrl}/new`);
    res.redirect(303, `${stepUrl(req, id, step)}${hash}`);
  };
  const draftOf = async (req: Request, res: Response): Promise<WizardDraft | undefined> =>
    openDraft(await drafts.get(String(req.params.draft), actorOf(res)), box, actorOf(res));

  router.get('/new', forAdmins, (req, res) => render(req, res, '', 'protocol', { state: emptyWizard() }));

  // The first step starts a draft.
  router.post('/new', async (req, res) => {
    const state = applyStep(emptyWizard(), 'protocol', req.body);
    const draft: WizardDraft = { state };
    if (!supported(state.protocol)) draft.errors = { step: 'protocol', issues: [UNSUPPORTED] };
    const id = await drafts.create(actorOf(res), sealDraft(draft, box, actorOf(res)));
    res.redirect(303, stepUrl(req, id, draft.errors ? 'protocol' : 'basics'));
  });

  router.get('/new/:draft/:step', forAdmins, async (req, res) => {
    const step = String(req.params.step);
    if (!isWizardStep(step)) throw new NotFoundError('page', step);
    const draft = await draftOf(req, res);
    // Expired, finished or someone else's: start again rather than show an empty step.
    if (!draft) return res.redirect(303, `${req.baseUrl}/new`);
    await render(req, res, String(req.params.draft), step, draft);
  });

  router.post('/new/:draft/:step', async (req, res) => {
    const id = String(req.params.draft);
    const step = String(req.params.step);
    if (!isWizardStep(step)) throw new NotFoundError('page', step);
    const stored = await draftOf(req, res);
    if (!stored) return res.redirect(303, `${req.baseUrl}/new`);
    const go = String(req.body.go ?? 'next');
    const state = applyStep(stored.state, step, req.body);
    const withErrors = (target: WizardStep, issues: FieldIssue[]): WizardDraft => ({ state, errors: { step: target, issues } });

    if (go === 'back') return goTo(req, res, id, previousStep(step), { state });
    if (step === 'protocol') {
      if (!supported(state.protocol)) return goTo(req, res, id, 'protocol', withErrors('protocol', [UNSUPPORTED]));
      return goTo(req, res, id, 'basics', { state });
    }
    if (step === 'basics') {
      const issues = await checkBasics(sources, state);
      return goTo(req, res, id, issues.length > 0 ? 'basics' : 'parameters', issues.length > 0 ? withErrors('basics', issues) : { state });
    }
    // The parameters step: first the mode alone, then that mode's fields.
    if (go === 'changeMode' && state.protocol !== 'ldap') return goTo(req, res, id, 'parameters', { state: { ...state, mode: '' } });
    if (!stored.state.mode) {
      if (state.mode !== 'push' && state.mode !== 'pull') return goTo(req, res, id, 'parameters', withErrors('parameters', [{ field: 'mode', code: 'required', message: 'choose push or pull' }]));
      return goTo(req, res, id, 'parameters', { state });
    }
    if (go === 'useShape' && state.mode === 'push' && state.protocol !== 'ldap') useProposedShape(state.push, req.body);
    if ((go === 'test' || go === 'useShape') && state.mode === 'push') {
      // "Test connection" (also after applying the proposed org shape): the entered settings, nothing saved but the draft; the step shows the results.
      try {
        const connectionTest = await push.testConnection(toCreateInput(state).push!, { actor: actorOf(res) });
        return goTo(req, res, id, 'parameters', { state, connectionTest }, '#connection-test');
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return goTo(req, res, id, 'parameters', withErrors('parameters', error.issues));
      }
    }
    try {
      const { source, credentials } = await sources.create(toCreateInput(state), { actor: actorOf(res) });
      await drafts.delete(id, actorOf(res));
      if (credentials) keepOnce(req, res, box, source.id, credentials);
      return res.redirect(303, centerPath(req, 'sources', source.id, 'created'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const target = stepOfField(error.issues[0]?.field ?? '');
      return goTo(req, res, id, target, withErrors(target, error.issues));
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

  /** The finish step's form: "Enable now" (audited as any enable), then on to the sync page or the list. */
  router.post('/sources/:id/created', async (req, res) => {
    const source = await sources.get(req.params.id);
    const enable = req.body.enableNow === '1' && !source.enabled;
    if (enable) await sources.enable(source.id, { actor: actorOf(res) });
    const notice = enable ? '?done=enabled' : '';
    res.redirect(303, req.body.go === 'done' ? `${req.baseUrl}/${notice}` : `${centerPath(req, 'sources', source.id, 'sync')}${notice}`);
  });

  return router;
}

/** The basics step checks what it can before the admin moves on; create() checks again. */
async function checkBasics(sources: SyncCenter['sources'], state: WizardState): Promise<FieldIssue[]> {
  try {
    validateBasics({ name: state.name, description: state.description }, false);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  const wanted = state.name.trim().toLowerCase();
  const taken = (await sources.list()).some((source) => source.name.toLowerCase() === wanted);
  return taken ? [{ field: 'name', code: 'taken', message: 'the name is taken' }] : [];
}
