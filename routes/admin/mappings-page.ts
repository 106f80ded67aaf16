import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError, type FieldIssue } from '../../lib/errors.js';
import type { MessageKey, Translate } from '../../lib/i18n/index.js';
import { CATALOGUES } from '../../lib/i18n/index.js';
import { FUNCTIONS } from '../../lib/mappings/expression/functions.js';
import { DEFAULT_USER_MAPPINGS, MappingError } from '../../lib/mappings/user-mapping.js';
import { checkUserMappings, MAX_MAPPING_ROWS } from '../../lib/mappings/validate-mappings.js';
import type { MappingPreviewResult, UserHit } from '../../lib/push/mapping-preview.js';
import type { AttributeMapping, Source } from '../../lib/sources/source-types.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { forAdmins } from './guard.js';
import { centerPath } from './view-helpers.js';

/** A row as the form holds it: what was typed, kept as typed when the table is refused. */
interface FormRow {
  target: string;
  expression: string;
  apply: 'always' | 'create';
  clearWhenEmpty: boolean;
}

interface PageState {
  rows: FormRow[];
  /** Row index → field → message; `_form` for the table as a whole. */
  errors?: Record<string, string>;
  edited?: boolean;
  preview?: MappingPreviewResult | null;
  previewOf?: 'saved' | 'edited';
  previewError?: string;
}

/** The Mappings page of a push source: the table, add/remove/restore without JavaScript, and a preview. */
export function mappingRoutes(center: Pick<SyncCenter, 'sources' | 'mappings'>): Router {
  const router = Router();
  const { sources, mappings } = center;

  const pushSource = async (id: string): Promise<Source> => {
    const source = await sources.get(id);
    if (source.mode !== 'push') throw new NotFoundError('mappings', id);
    return source;
  };

  const render = async (req: Request, res: Response, source: Source, state: PageState) => {
    const query = one(req.query.q).trim().slice(0, 100);
    const userId = one(req.body?.user ?? req.query.user);
    let hits: UserHit[] = [];
    if (query) hits = await mappings.searchUsers(query);
    const { targets, fromDownstream } = await mappings.targetChoices(source.id);
    const errors = state.errors ?? {};
    res.status(Object.keys(errors).length > 0 ? 422 : 200).render('source/mappings', {
      source,
      rows: state.rows,
      errors,
      edited: state.edited ?? false,
      custom: Boolean(source.push?.userMappings),
      targets,
      fromDownstream,
      functions: Object.keys(FUNCTIONS).sort(),
      query,
      hits,
      userId,
      preview: state.preview ?? null,
      previewOf: state.previewOf ?? 'saved',
      previewError: state.previewError ?? '',
      done: one(req.query.done),
      maxRows: MAX_MAPPING_ROWS,
    });
  };

  const savedRows = (source: Source): FormRow[] => (source.push?.userMappings ?? DEFAULT_USER_MAPPINGS).map(formRow);

  router.get('/sources/:id/mappings', async (req, res) => {
    const source = await pushSource(req.params.id);
    const userId = one(req.query.user);
    const state: PageState = { rows: savedRows(source) };
    if (userId) Object.assign(state, await previewState(userId, source, undefined, res.locals.t));
    await render(req, res, source, state);
  });

  router.post('/sources/:id/mappings', forAdmins, async (req, res) => {
    const source = await pushSource(req.params.id);
    const rows = readRows(req.body);
    const action = one(req.body.action);
    if (action === 'add') return render(req, res, source, { rows: rows.length < MAX_MAPPING_ROWS ? [...rows, { target: '', expression: '', apply: 'always', clearWhenEmpty: false }] : rows, edited: true });
    if (action.startsWith('remove:')) {
      const index = Number(action.slice(7));
      return render(req, res, source, { rows: rows.filter((_, row) => row !== index), edited: true });
    }
    const { issues } = checkUserMappings(rows);
    if (issues.length > 0) return render(req, res, source, { rows, edited: true, errors: rowErrors(issues, res.locals.t) });
    if (action === 'preview') {
      const userId = one(req.body.user);
      const state: PageState = { rows, edited: true };
      if (userId) Object.assign(state, await previewState(userId, source, rows, res.locals.t));
      return render(req, res, source, state);
    }
    try {
      await sources.update(source.id, { push: { userMappings: rows } }, { actor: String(res.locals.actor) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return render(req, res, source, { rows, edited: true, errors: rowErrors(error.issues, res.locals.t) });
    }
    res.redirect(303, `${centerPath(req, 'sources', source.id, 'mappings')}?done=mappingsSaved`);
  });

  router.post('/sources/:id/mappings/restore', forAdmins, async (req, res) => {
    const source = await pushSource(req.params.id);
    await sources.update(source.id, { push: { userMappings: null } }, { actor: String(res.locals.actor) });
    res.redirect(303, `${centerPath(req, 'sources', source.id, 'mappings')}?done=mappingsRestored`);
  });

  const previewState = async (userId: string, source: Source, rows: FormRow[] | undefined, t: Translate): Promise<Partial<PageState>> => {
    try {
      return { preview: await mappings.preview(source.id, userId, rows), previewOf: rows ? 'edited' : 'saved' };
    } catch (error) {
      if (error instanceof NotFoundError) return { previewError: t('mappings.preview.noUser') };
      if (error instanceof MappingError) return { previewError: error.message };
      throw error;
    }
  };

  return router;
}

function formRow(mapping: AttributeMapping): FormRow {
  return { target: mapping.target, expression: mapping.expression, apply: mapping.apply === 'create' ? 'create' : 'always', clearWhenEmpty: mapping.clearWhenEmpty === true };
}

/** `target_0`, `expression_0`, `apply_0`, `clear_0`, … up to `rows`. */
function readRows(body: Record<string, unknown>): FormRow[] {
  const count = Math.min(Math.max(0, Number(one(body.rows)) || 0), MAX_MAPPING_ROWS + 1);
  const rows: FormRow[] = [];
  for (let index = 0; index < count; index += 1) {
    rows.push({
      target: one(body[`target_${index}`]),
      expression: one(body[`expression_${index}`]),
      apply: one(body[`apply_${index}`]) === 'create' ? 'create' : 'always',
      clearWhenEmpty: one(body[`clear_${index}`]) === 'on',
    });
  }
  return rows;
}

/** `push.userMappings.3.expression` → errors['3.expression'], in the reader's language, with the column. */
function rowErrors(issues: readonly FieldIssue[], t: Translate): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const match = /^push\.userMappings\.(\d+)\.(\w+)$/.exec(issue.field);
    const key = `mapping.error.${issue.code}`;
    const message = key in CATALOGUES.en ? t(key as MessageKey, issue.params) : issue.message;
    const field = match ? `${match[1]}.${match[2]}` : '_form';
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
  }
  return errors;
}

function one(value: unknown): string {
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
}
