import type { MirrorUserData } from '../mirror/normalize.js';
import type { ScimBody } from '../scim/scim-body.js';
import type { AttributeMapping } from '../sources/source-types.js';
import { URN } from '../scim/urns.js';
import { compileExpression, type CompiledExpression } from './expression/compile.js';
import { isPresent } from './expression/functions.js';
import { ExpressionError } from './expression/syntax.js';
import { assignAt, diffPathOf, parseTargetPath, readAt, type TargetPath } from './target-path.js';
import { isUserSourceAttribute, readAttribute, readWhole, type UserContext, type UserReferences } from './user-attributes.js';

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
   * not clear what the downstream was left to own. A function, called only when a row is kept:
   * the link parses the stored body when first read, and most tables keep nothing, so a sync of
   * 100k linked users parses none of them.
   */
  sent?: () => Record<string, unknown> | null | undefined;
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
  /** Which extension the row writes into; null for the core schema. */
  extension: keyof UserReferences['extensions'] | 'other' | null;
  /** Written on updates too, not only on create. */
  always: boolean;
  /**
   * The row's value for one user: the compiled expression, or for `[attr]` alone the attribute
   * copied whole (typed e-mails, the name object), as SCIM sends it.
   */
  produce(context: UserContext): unknown;
  /** Another row writes the same diff path (`emails` and `emails[type eq "work"].value`). */
  sharesDiffPath: boolean;
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
    let expression: CompiledExpression<UserContext>;
    try {
      expression = compileExpression(mapping.expression, { isKnownAttribute: isUserSourceAttribute, readAttribute });
    } catch (error) {
      if (error instanceof ExpressionError) throw new MappingError(row, 'expression', error, error.message);
      throw error;
    }
    const copies = BARE_ATTRIBUTE.exec(mapping.expression)?.[1];
    return {
      mapping,
      path,
      diffPath: diffPathOf(path),
      extension: extensionOf(path.schema),
      always: mapping.apply !== 'create',
      produce: copies !== undefined ? readWhole(copies) : expression.evaluate,
      sharesDiffPath: false,
    };
  });
  for (const row of rows) row.sharesDiffPath = rows.some((other) => other !== row && other.diffPath === row.diffPath);
  const frozen = Object.freeze(mappings.map((mapping) => ({ ...mapping })));

  return {
    mappings: frozen,
    map(user, refs, { creating, sent }) {
      const body: ScimBody = { schemas: [URN.user] };
      const keep: string[] = [];
      let kept: Set<string> | undefined;
      // Only diff paths two rows write need remembering: a kept row's path is the body's unless another row wrote it.
      let written: Set<string> | undefined;
      const context: UserContext = { user, refs };
      const { enterprise, orgs } = refs.extensions;
      for (const row of rows) {
        if (row.extension !== null && !(row.extension === 'enterprise' ? enterprise : row.extension === 'orgs' ? orgs : true)) continue;
        if (row.always || creating) {
          const value = row.produce(context);
          if (present(value)) {
            assignAt(body, row.path, value);
            if (row.sharesDiffPath) (written ??= new Set()).add(row.diffPath);
            continue;
          }
          if (row.mapping.clearWhenEmpty) continue;
        }
        // Left to the downstream: the value last sent stays in the body, where it was.
        keep.push(row.mapping.target);
        (kept ??= new Set()).add(row.diffPath);
        const held = readAt(sent?.(), row.path);
        if (held !== undefined && held !== null) assignAt(body, row.path, typeof held === 'object' ? structuredClone(held) : held);
      }
      const keepPaths = kept ? [...kept].filter((path) => !written?.has(path)) : [];
      return { body, keep, keepPaths };
    },
  };
}

/** Extension rows are written only when the downstream takes the extension (any other schema always). */
function extensionOf(schema: string | null): CompiledRow['extension'] {
  if (schema === null) return null;
  if (schema === URN.enterpriseUser) return 'enterprise';
  if (schema === URN.userOrgs) return 'orgs';
  return 'other';
}

function present(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return Object.keys(value).length > 0;
  return isPresent(value as Parameters<typeof isPresent>[0]);
}
