import { parse, type Compare, type Filter, type Suffix } from 'scim2-parse-filter';
import { resolvePath, type ResourceTypeDef } from '../resource-types.js';
import { ScimError } from '../scim-error.js';
import { compareColumn, type Dialect, type Sql } from './compare.js';
import { extractLiterals, restoreLiterals } from './filter-literals.js';
import type { ColumnTarget, RelatedTarget, TargetMap } from './filter-targets.js';

/** Longer filters are refused before parsing: they are never needed and cost parse and SQL time. */
export const MAX_FILTER_LENGTH = 2048;
/** Comparisons per filter; keeps the SQL (and sqlite's expression depth) small. */
const MAX_COMPARISONS = 64;

export interface CompiledFilter extends Sql {
  /** Canonical keys of every attribute the filter names, e.g. `meta.lastModified`. */
  attributes: Set<string>;
}

/** Parses a SCIM filter, turning the parser's errors into 400 invalidFilter. */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw ScimError.invalidFilter(`the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const { text: withPlaceholders, values } = extractLiterals(text);
  let parsed: Filter;
  try {
    parsed = parse(withPlaceholders);
  } catch (error) {
    // Deep nesting can exhaust the parser's stack; that is a bad filter too, never a 500.
    const reason = error instanceof RangeError ? 'it is nested too deeply' : error instanceof Error ? error.message : String(error);
    throw ScimError.invalidFilter(`the filter could not be parsed: ${reason}`);
  }
  return restoreLiterals(parsed, values);
}

/** Compiles a parsed filter into a SQL condition over the resource's alias. */
export function compileFilter(filter: Filter, type: ResourceTypeDef, targets: TargetMap, dialect: Dialect): CompiledFilter {
  const compiler = new FilterCompiler(type, targets, dialect);
  const sql = compiler.compile(filter, null);
  return { ...sql, attributes: compiler.attributes };
}

interface ValuePathScope {
  attribute: string;
  alias: string;
  target: RelatedTarget;
}

class FilterCompiler {
  readonly attributes = new Set<string>();
  #comparisons = 0;
  #aliases = 0;

  constructor(
    private readonly type: ResourceTypeDef,
    private readonly targets: TargetMap,
    private readonly dialect: Dialect,
  ) {}

  compile(node: Filter, inside: ValuePathScope | null): Sql {
    switch (node.op) {
      case 'and':
      case 'or': {
        const parts = (node as { filters: Filter[] }).filters.map((child) => this.compile(child, inside));
        return { sql: `(${parts.map((part) => part.sql).join(` ${node.op.toUpperCase()} `)})`, bindings: parts.flatMap((part) => part.bindings) };
      }
      case 'not': {
        const inner = this.compile((node as { filter: Filter }).filter, inside);
        return { sql: `(NOT ${inner.sql})`, bindings: inner.bindings };
      }
      case '[]': {
        if (inside) throw ScimError.invalidFilter('value filters cannot be nested');
        const { attrPath, valFilter } = node as { attrPath: string; valFilter: Filter };
        const { key, target } = this.#related(attrPath);
        const alias = this.#alias();
        const condition = this.compile(valFilter, { attribute: key, alias, target });
        return this.#exists(target, alias, condition);
      }
      default:
        return this.#comparison(node as Compare | Suffix, inside);
    }
  }

  #comparison(node: Compare | Suffix, inside: ValuePathScope | null): Sql {
    this.#comparisons += 1;
    if (this.#comparisons > MAX_COMPARISONS) throw ScimError.invalidFilter(`the filter has more than ${MAX_COMPARISONS} comparisons`);
    if (typeof node.attrPath !== 'string') throw ScimError.invalidFilter('the filter could not be parsed');
    if (inside) return this.#subComparison(node, inside);
    const resolved = resolvePath(this.type, node.attrPath);
    if (!resolved || 'wholeSchema' in resolved) throw ScimError.invalidFilter(`unknown attribute "${node.attrPath}" for ${this.type.name}`);
    this.attributes.add(resolved.key);
    const direct = this.targets[resolved.key];
    if (direct?.kind === 'column') return compareColumn(direct, node, node.attrPath, this.dialect);
    if (direct?.kind === 'absent') return { sql: node.op === 'ne' ? '(1 = 1)' : '(1 = 0)', bindings: [] };
    if (direct?.kind === 'complex') {
      if (node.op !== 'pr') throw ScimError.invalidFilter(`"${node.attrPath}" is complex; filter on one of its sub-attributes`);
      return { sql: direct.presentSql, bindings: [] };
    }
    if (direct?.kind === 'related') {
      // `emails eq "…"` compares the default sub-attribute; `emails pr` asks for any value.
      const alias = this.#alias();
      if (node.op === 'pr') return this.#exists(direct, alias, { sql: '(1 = 1)', bindings: [] });
      return this.#existsComparison(direct, alias, direct.defaultSub, node, node.attrPath);
    }
    if (resolved.sub) {
      const parentKey = resolved.key.slice(0, resolved.key.length - resolved.sub.name.length - 1);
      const parent = this.targets[parentKey];
      if (parent?.kind === 'related' && parent.subs[resolved.sub.name]) {
        return this.#existsComparison(parent, this.#alias(), resolved.sub.name, node, node.attrPath);
      }
    }
    throw ScimError.invalidFilter(`"${node.attrPath}" cannot be used in a filter on ${this.type.name}`);
  }

  /** Inside `emails[…]`: names are the attribute's sub-attributes (`type`, or `emails.type`). */
  #subComparison(node: Compare | Suffix, inside: ValuePathScope): Sql {
    const prefix = `${inside.attribute.split(':').pop()}.`.toLowerCase();
    const name = node.attrPath.toLowerCase().startsWith(prefix) ? node.attrPath.slice(prefix.length) : node.attrPath;
    const subName = Object.keys(inside.target.subs).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!subName) throw ScimError.invalidFilter(`unknown sub-attribute "${node.attrPath}" in a value filter on ${inside.attribute}`);
    this.attributes.add(`${inside.attribute}.${subName}`);
    return compareColumn(inside.target.subs[subName]!(inside.alias), node, `${inside.attribute}.${subName}`, this.dialect);
  }

  /**
   * A comparison on a multi-valued attribute holds when some value satisfies it; `ne` is the
   * negation of `eq` (no value equals), so `ne` and `not (… eq …)` agree (RFC 7644 §3.4.2.2).
   */
  #existsComparison(target: RelatedTarget, alias: string, sub: string, node: Compare | Suffix, path: string): Sql {
    if (node.op === 'ne') {
      const equal = this.#existsComparison(target, alias, sub, { ...node, op: 'eq' }, path);
      return { sql: `(NOT ${equal.sql})`, bindings: equal.bindings };
    }
    const column: ColumnTarget | undefined = target.subs[sub]?.(alias);
    if (!column) throw ScimError.invalidFilter(`"${path}" cannot be used in a filter on ${this.type.name}`);
    return this.#exists(target, alias, compareColumn(column, node, path, this.dialect));
  }

  #related(attrPath: string): { key: string; target: RelatedTarget } {
    const resolved = resolvePath(this.type, attrPath);
    if (!resolved || 'wholeSchema' in resolved || resolved.sub) throw ScimError.invalidFilter(`unknown multi-valued attribute "${attrPath}" for ${this.type.name}`);
    const target = this.targets[resolved.key];
    if (target?.kind !== 'related') throw ScimError.invalidFilter(`"${attrPath}" cannot take a value filter on ${this.type.name}`);
    this.attributes.add(resolved.key);
    return { key: resolved.key, target };
  }

  #exists(target: RelatedTarget, alias: string, condition: Sql): Sql {
    return { sql: `EXISTS (SELECT 1 FROM ${target.from(alias)} WHERE ${target.link(alias)} AND ${condition.sql})`, bindings: condition.bindings };
  }

  #alias(): string {
    this.#aliases += 1;
    return `f${this.#aliases}`;
  }
}
