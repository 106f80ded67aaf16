import type { Filter } from 'scim2-parse-filter';
import { ScimError } from '../scim-error.js';

/** A JSON string literal: quote, then any character or backslash escape, then quote. */
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/gs;
const PLACEHOLDER = 'ssc-literal-';

/**
 * RFC 7644 §3.4.2.2 takes compValue strings from JSON (RFC 7159), so `\\`, `\"`, `\/` and `\u…`
 * are escapes. The filter parser decodes only `\"` (and cannot parse a value ending in `\\`), so
 * every string literal is decoded here, with JSON's own rules, and handed to the parser as a
 * plain placeholder that `restoreLiterals` swaps back afterwards.
 */
export function extractLiterals(text: string): { text: string; values: string[] } {
  const values: string[] = [];
  const replaced = text.replace(STRING_LITERAL, (literal) => {
    let value: unknown;
    try {
      value = JSON.parse(literal);
    } catch {
      throw ScimError.invalidFilter(`the filter could not be parsed: ${literal.slice(0, 40)} is not a valid JSON string`);
    }
    // No stored value holds U+0000 (PostgreSQL text cannot), and PostgreSQL refuses it as a parameter.
    if (typeof value !== 'string' || value.includes('\u0000')) throw ScimError.invalidFilter('a filter value cannot contain U+0000');
    values.push(value);
    return `"${PLACEHOLDER}${values.length - 1}"`;
  });
  return { text: replaced, values };
}

/** Puts the decoded strings back into the parsed filter. */
export function restoreLiterals(node: Filter, values: readonly string[]): Filter {
  const loose = node as unknown as Record<string, unknown>;
  if (Array.isArray(loose.filters)) return { ...node, filters: (loose.filters as Filter[]).map((child) => restoreLiterals(child, values)) } as Filter;
  if (loose.filter) return { ...node, filter: restoreLiterals(loose.filter as Filter, values) } as Filter;
  if (loose.valFilter) return { ...node, valFilter: restoreLiterals(loose.valFilter as Filter, values) } as Filter;
  if (typeof loose.compValue !== 'string') return node;
  const index = loose.compValue.startsWith(PLACEHOLDER) ? Number(loose.compValue.slice(PLACEHOLDER.length)) : NaN;
  const value = values[index];
  if (value === undefined) throw ScimError.invalidFilter('the filter could not be parsed');
  return { ...node, compValue: value } as Filter;
}
