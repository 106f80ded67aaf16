import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../lib/errors.js';
import type { ResolvedOptions } from '../../lib/options.js';
import type { ConnectionTestResult } from '../../lib/push/test-connection.js';
import type { Source, UpdateSourceInput } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import type { SecretBox } from '../../lib/util/secret-box.js';
import { toFieldErrors, type FieldErrors } from './form-errors.js';
import { forAdmins } from './guard.js';
import { keepOnce, takeOnce } from './once.js';
import { pullUrls } from './pull-urls.js';
import { historyChart } from './history-chart.js';
import { centerPath } from './view-helpers.js';
import { policyInput, policyValuesOf } from './push-form.js';
import { PUSH_FIELDS, readPushValues, type PushFieldValues } from './wizard-state.js';
import { LDAP_INPUTS, ldapInput, ldapValuesOf, postedBindPassword, readLdapValues, type LdapFieldValues } from './ldap-form.js';
import type { LdapTreeResult } from '../../lib/push/ldap-tools.js';

const PARAMETER_FIELDS = [...PUSH_FIELDS.map((field) => `push.${field}`), 'push.token', 'push.clientSecret', 'pull.scopeOrgIds', 'pull.userFilter', ...LDAP_INPUTS];

/** The source page ("Configure"): basic information, parameters, pull credentials. */
export function sourcePageRoutes(center: Pick<SyncCenter, 'sources' | 'push' | 'mirror' | 'status'>, options: Pick<ResolvedOptions, 'publicUrl' | 'timezone'>, box: SecretBox): Router {
  const router = Router();
  const { sources, push, mirror, status } = center;

  const renderShow = async (
    req: Request,
    res: Response,
    source: Source,
    form: { errors?: FieldErrors; pushValues?: PushFieldValues; ldapValues?: LdapFieldValues; scopeOrgIds?: string[]; pullUserFilter?: string; connectionTest?: ConnectionTestResult; tree?: LdapTreeResult } = {},
  ) => {
    const errors = form.errors ?? {};
    // The health card: the same summary as the list's row, and the last 7 days per hour.
    const [health, history] = await Promise.all([status.source(source.id), status.history(source.id)]);
    res.status(Object.keys(errors).length > 0 ? 422 : 200).render('source/show', {
      source,
      errors,
      pushValues: form.pushValues ?? pushValuesOf(source),
      secretState: { token: source.push?.hasToken ? 'stored' : '', clientSecret: source.push?.hasClientSecret ? 'stored' : '', bindPassword: source.push?.hasBindPassword ? 'stored' : '' },
      ldapValues: form.ldapValues ?? ldapValuesOf(source.push?.ldap),
      tree: form.tree,
      scopeOrgIds: form.scopeOrgIds ?? source.pull?.scopeOrgIds ?? [],
      orgChoices: source.mode === 'pull' || (source.push?.scope?.orgIds.length ?? 0) > 0 ? await mirror.orgChoices() : null,
      pullUserFilter: source.mode === 'pull' ? (form.pullUserFilter ?? source.pull?.userFilter ?? '') : undefined,
      pullUrls: pullUrls(req, options),
      credentials: source.mode === 'pull' ? takeOnce(req, res, box, source.id) : undefined,
      connectionTest: form.connectionTest,
      health,
      chart: historyChart(history, res.locals.locale, options.timezone),
    });
  };

  router.get('/sources/:id', async (req, res) => {
    const source = await sources.get(req.params.id);
    // The tree an LDAP destination holds is read only when asked for (`?tree=1`), within the read's own time limit.
    const tree = source.protocol === 'ldap' && req.query.tree === '1' ? await push.ldapTree(source.id) : undefined;
    await renderShow(req, res, source, { tree });
  });

  router.get('/sources/:id/edit', forAdmins, async (req, res) => {
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
    const pushValues = readPushValues(req.body, policyValuesOf(source.push));
    const ldapValues = source.protocol === 'ldap' ? readLdapValues(req.body, ldapValuesOf(source.push?.ldap)) : undefined;
    const scopeOrgIds = list(req.body['pull.scopeOrgIds']);
    const pullUserFilter = typeof req.body['pull.userFilter'] === 'string' ? req.body['pull.userFilter'] : undefined;
    const input: UpdateSourceInput = {};
    if (source.mode === 'push') {
      input.push = ldapValues ? ldapPushInput(req.body, pushValues, ldapValues) : pushInput(req.body, pushValues);
    } else {
      input.pull = { scopeOrgIds, ...(pullUserFilter !== undefined && { userFilter: pullUserFilter.trim() || null }) };
    }
    try {
      await sources.update(source.id, input, { actor: res.locals.actor });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderShow(req, res, source, { errors: toFieldErrors(error, res.locals.t, PARAMETER_FIELDS), pushValues, ldapValues, scopeOrgIds, pullUserFilter });
    }
    res.redirect(303, `${centerPath(req, 'sources', source.id)}?done=saved`);
  });

  /** "Test connection" on the parameters form: the entered settings, not saved; the form comes back as entered. */
  router.post('/sources/:id/test-connection', async (req, res) => {
    const source = await sources.get(req.params.id);
    const pushValues = readPushValues(req.body, policyValuesOf(source.push));
    const ldapValues = source.protocol === 'ldap' ? readLdapValues(req.body, ldapValuesOf(source.push?.ldap)) : undefined;
    const edited = ldapValues ? ldapPushInput(req.body, pushValues, ldapValues) : pushInput(req.body, pushValues);
    try {
      const connectionTest = await push.testConnection(source.id, edited, { actor: res.locals.actor });
      return renderShow(req, res, source, { pushValues, ldapValues, connectionTest });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderShow(req, res, source, { errors: toFieldErrors(error, res.locals.t, PARAMETER_FIELDS), pushValues, ldapValues });
    }
  });

  router.post('/sources/:id/credentials', async (req, res) => {
    const credentials = await sources.regenerateCredentials(req.params.id, { actor: res.locals.actor });
    keepOnce(req, res, box, req.params.id, credentials);
    res.redirect(303, `${centerPath(req, 'sources', req.params.id)}#credentials`);
  });

  return router;
}

/** The service's input from the form; blank secret inputs mean "keep what is stored", which absent says. */
function pushInput(body: Record<string, unknown>, values: PushFieldValues): NonNullable<UpdateSourceInput['push']> {
  const { auth, clientId, tokenUrl, userUrl, orgUrl, orgResource } = values;
  const input: NonNullable<UpdateSourceInput['push']> = { ...({ auth, clientId, tokenUrl, userUrl, orgUrl, orgResource } as object), ...policyInput(values) };
  const token = text(body['push.token']);
  const clientSecret = text(body['push.clientSecret']);
  if (token.trim()) input.token = token;
  if (clientSecret.trim()) input.clientSecret = clientSecret;
  return input;
}

/** An LDAP destination's input: its connection, the policy every push source has, and the bind password when one was entered. */
function ldapPushInput(body: Record<string, unknown>, values: PushFieldValues, ldap: LdapFieldValues): NonNullable<UpdateSourceInput['push']> {
  const bindPassword = postedBindPassword(body);
  return { ldap: ldapInput(ldap), ...policyInput(values), ...(bindPassword && { bindPassword }) };
}

function pushValuesOf(source: Source): PushFieldValues {
  const push = source.push;
  return {
    ...policyValuesOf(push),
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
