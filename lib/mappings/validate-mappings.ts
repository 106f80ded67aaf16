import type { FieldIssue } from '../errors.js';
import type { AttributeMapping } from '../sources/source-types.js';
import { compileExpression } from './expression/compile.js';
import { ExpressionError } from './expression/syntax.js';
import { parseTargetPath } from './target-path.js';
import { isUserSourceAttribute } from './user-attributes.js';

/** More rows than any real downstream has attributes; a bound on what one save may hold. */
export const MAX_MAPPING_ROWS = 100;
const TARGET_MAX = 300;

/**
 * Checks a user mapping table as an admin or host sent it and returns it normalised (targets
 * trimmed, `apply` and `clearWhenEmpty` spelled out), or null for "the defaults". Every bad row
 * is named, `push.userMappings.<row>.target` or `.expression` (row 0-based), with the expression's
 * own code and its 1-based `column`, so the form and the API say where the problem is.
 */
export function checkUserMappings(input: unknown): { mappings: AttributeMapping[] | null; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (input === null) return { mappings: null, issues };
  if (!Array.isArray(input)) {
    issues.push({ field: 'push.userMappings', code: 'type', message: 'userMappings must be a list of { target, expression, apply, clearWhenEmpty }, or null for the defaults' });
    return { mappings: null, issues };
  }
  if (input.length > MAX_MAPPING_ROWS) {
    issues.push({ field: 'push.userMappings', code: 'too_many', message: `a mapping table holds at most ${MAX_MAPPING_ROWS} rows`, params: { max: MAX_MAPPING_ROWS } });
    return { mappings: null, issues };
  }
  const seen = new Set<string>();
  const mappings = input.map((raw: unknown, row): AttributeMapping => {
    const field = `push.userMappings.${row}`;
    const add = (part: 'target' | 'expression' | 'apply' | 'clearWhenEmpty', code: string, message: string, params: Record<string, string | number> = {}) =>
      issues.push({ field: `${field}.${part}`, code, message: `mapping ${row + 1}: ${message}`, params: { ...params, row: row + 1 } });
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const target = typeof entry.target === 'string' ? entry.target.trim() : '';
    const expression = typeof entry.expression === 'string' ? entry.expression.trim() : '';
    if (target === '') add('target', 'required', 'the target attribute is required');
    else if (target.length > TARGET_MAX) add('target', 'too_long_target', `the target may be at most ${TARGET_MAX} characters`, { max: TARGET_MAX });
    else if (!parseTargetPath(target)) add('target', 'bad_target', `"${target}" is not an attribute a mapping can write`, { name: target });
    else if (seen.has(target.toLowerCase())) add('target', 'duplicate_target', `"${target}" is mapped twice`, { name: target });
    seen.add(target.toLowerCase());
    if (expression === '') add('expression', 'required', 'the expression is required');
    else {
      try {
        // The text as typed, so the column is where the admin sees it.
        compileExpression(entry.expression as string, { isKnownAttribute: isUserSourceAttribute });
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        add('expression', error.code, error.message, error.params);
      }
    }
    if (entry.apply !== undefined && entry.apply !== 'always' && entry.apply !== 'create') add('apply', 'invalid_choice', 'apply must be "always" or "create"');
    if (entry.clearWhenEmpty !== undefined && typeof entry.clearWhenEmpty !== 'boolean') add('clearWhenEmpty', 'type', 'clearWhenEmpty must be true or false');
    return { target, expression, apply: entry.apply === 'create' ? 'create' : 'always', clearWhenEmpty: entry.clearWhenEmpty === true };
  });
  if (issues.length === 0 && !mappings.some((mapping) => mapping.target.toLowerCase() === 'username')) {
    issues.push({ field: 'push.userMappings', code: 'username_required', message: 'a mapping table must write userName (every SCIM user has one)' });
  }
  return { mappings: issues.length === 0 ? mappings : null, issues };
}
