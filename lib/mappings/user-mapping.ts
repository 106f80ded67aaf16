import type { MirrorUserData } from '../mirror/normalize.js';
import type { ScimBody } from '../scim/scim-body.js';
import type { AttributeMapping } from '../sources/source-types.js';
import { URN } from '../scim/urns.js';
import { compileExpression, type CompiledExpression } from './expression/compile.js';
import { isPresent } from './expression/functions.js';
import { ExpressionError } from './expression/syntax.js';
import { assignAt, diffPathOf, parseTargetPath, readAt, type TargetPath } from './target-path.js';
import { isUserSourceAttribute, userAttributes, type UserReferences } from './user-attributes.js';

export type { AttributeMapping };

/**
 * Today's user body as a mapping table: with these rows the mapper builds exactly what
 * `userBody` builds, key by key, so a source without mappings of its own changes nothing.
 */
export const DEFAULT_USER_MAPPINGS: readonly AttributeMapping[] = (
  [
    ['externalId', 'Coalesce([externalId], [id])'],
    ['userName', '[userName]'],
    ['active', '[active]'],
    ['displayName', '[displayName]'],
    ...(['givenName', 'familyName', 'middleName', 'formatted', 'honorificPrefix', 'honorificSuffix'] as const).map((part) => [`name.${part}`, `[name.${part}]`] as const),
    ['emails', '[emails]'],
    ['phoneNumbers', '[phoneNumbers]'],
    ['title', '[title]'],
    ['locale', '[locale]'],
    ['preferredLanguage', '[preferredLanguage]'],
    [`${URN.enterpriseUser}:employeeNumber`, '[employeeNumber]'],
    [`${URN.enterpriseUser}:manager`, '[manager]'],
    [`${URN.userOrgs}:primaryOrgId`, '[primaryOrg]'],
    [`${URN.userOrgs}:orgIds`, '[orgs]'],
  ] as const
  // What the host clears is cleared downstream too, as it always was.
).map(([target, expression]) => ({ target, expression, apply: 'always', clearWhenEmpty: true }));

/** A mapping table that cannot be used: which row, and why (a bad target or the expression's error). */
export class MappingError extends Error {
  constructor(
    /** The row, 0-based. */
    readonly row: number,
    readonly field: 'target' | 'expression',
    /** The expression's own error, with its code and column, when the expression is at fault. */
    readonly expressionError: ExpressionError | null,
    message: string,
  ) {
    super(`mapping ${row + 1}: ${message}`, expressionError ? { cause: expressionError } : undefined);
    this.name = 'MappingError';
  }
}

export interface MappedUser {
  body: ScimBody;
  /**
   * Targets the downstream keeps as they are although the body leaves them out: create-only
   * rows on an update, and empty values of rows without "clear when empty". A PATCH must not
   * remove them; every other attribute the table writes and the body lacks is to be cleared.
   */
  keep: string[];
  /**
   * The body's attribute paths (as `lib/push/diff.ts` flattens them) that only kept rows write:
   * the reconciling sync leaves the downstream's value there alone.
   */
  keepPaths: string[];
}

export interface MapOptions {
  /** The user has no remote link yet: "only on create" rows are written. */
  creating: boolean;
  /**
   * The body last sent to this downstream (the link's `sent`). A kept target takes its value
   * from it, at its own place in the body, so the body's hash stays what it was and a PUT does
   * not clear what the downstream was left to own.
   */
  sent?: Record<string, unknown> | null;
}

export interface UserMapper {
  readonly mappings: readonly AttributeMapping[];
  map(user: MirrorUserData, refs: UserReferences, options: MapOptions): MappedUser;
}

interface CompiledRow {
  mapping: AttributeMapping;
  path: TargetPath;
  /** Where the diff compares what this row writes. */
  diffPath: string;
  expression: CompiledExpression;
  /** `[attr]` alone copies the attribute whole (typed e-mails, the name object), as SCIM sends it. */
  copies: string | null;
}

const BARE_ATTRIBUTE = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;

/**
 * Checks a mapping table once (targets parse, expressions compile against the user's
 * attributes, no target twice) and returns the mapper that builds bodies from it. Throws
 * `MappingError` naming the first bad row.
 */
export function compileUserMappings(mappings: readonly AttributeMapping[]): UserMapper {
  const seen = new Set<string>();
  const rows: CompiledRow[] = mappings.map((mapping, row) => {
    const path = parseTargetPath(mapping.target);
    if (!path) throw new MappingError(row, 'target', null, `"${mapping.target}" is not an attribute a mapping can write`);
    const key = mapping.target.trim().toLowerCase();
    if (seen.has(key)) throw new MappingError(row, 'target', null, `"${mapping.target}" is mapped twice`);
    seen.add(key);
    let expression: CompiledExpression;
    try {
      expression = compileExpression(mapping.expression, { isKnownAttribute: isUserSourceAttribute });
    } catch (error) {
      if (error instanceof ExpressionError) throw new MappingError(row, 'expression', error, error.message);
      throw error;
    }
    return { mapping, path, diffPath: diffPathOf(path), expression, copies: BARE_ATTRIBUTE.exec(mapping.expression)?.[1] ?? null };
  });
  const frozen = Object.freeze(mappings.map((mapping) => ({ ...mapping })));

  return {
    mappings: frozen,
    map(user, refs, { creating, sent }) {
      const body: ScimBody = { schemas: [URN.user] };
      const keep: string[] = [];
      let kept: Set<string> | undefined;
      let written: Set<string> | undefined;
      const attributes = userAttributes(user, refs);
      for (const row of rows) {
        if (row.path.schema && !takesExtension(row.path.schema, refs)) continue;
        let value: unknown;
        if (row.mapping.apply !== 'create' || creating) {
          value = row.copies ? attributes.whole(row.copies) : row.expression.evaluate(attributes.value);
          if (present(value)) {
            assignAt(body, row.path, value);
            (written ??= new Set()).add(row.diffPath);
            continue;
          }
          if (row.mapping.clearWhenEmpty) continue;
        }
        // Left to the downstream: the value last sent stays in the body, where it was.
        keep.push(row.mapping.target);
        (kept ??= new Set()).add(row.diffPath);
        const held = readAt(sent, row.path);
        if (held !== undefined && held !== null) assignAt(body, row.path, typeof held === 'object' ? structuredClone(held) : held);
      }
      const keepPaths = kept ? [...kept].filter((path) => !written?.has(path)) : [];
      return { body, keep, keepPaths };
    },
  };
}

/** Extension rows are written only when the downstream takes the extension. */
function takesExtension(schema: string, refs: UserReferences): boolean {
  if (schema === URN.enterpriseUser) return refs.extensions.enterprise;
  if (schema === URN.userOrgs) return refs.extensions.orgs;
  return true;
}

function present(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return Object.keys(value).length > 0;
  return isPresent(value as Parameters<typeof isPresent>[0]);
}
