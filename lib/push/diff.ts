import { stableStringify } from '../mirror/normalize.js';
import type { ScimBody } from './bodies.js';
import type { PatchOperation } from './client/scim-client.js';

/** Changed attributes, old → new, keyed by SCIM attribute path. */
export type AttributeChanges = Record<string, { old?: unknown; new?: unknown }>;

/** Complex single-valued attributes diffed per sub-attribute, so PATCH can clear one part. */
const COMPLEX = new Set(['name']);
const IGNORED = new Set(['schemas', 'id', 'meta']);

/**
 * A body as attribute paths → values: `userName`, `name.givenName`, `emails` (multi-valued,
 * whole), `urn:…:enterprise:2.0:User:employeeNumber`. Paths are valid PATCH paths (RFC 7644 §3.5.2).
 */
export function flatten(body: ScimBody | null | undefined): Map<string, unknown> {
  const paths = new Map<string, unknown>();
  if (!body) return paths;
  for (const [key, value] of Object.entries(body)) {
    if (IGNORED.has(key) || value === undefined) continue;
    if (key.startsWith('urn:') && isPlainObject(value)) {
      for (const [sub, subValue] of Object.entries(value)) if (subValue !== undefined) paths.set(`${key}:${sub}`, subValue);
    } else if (COMPLEX.has(key) && isPlainObject(value)) {
      for (const [sub, subValue] of Object.entries(value)) if (subValue !== undefined) paths.set(`${key}.${sub}`, subValue);
    } else {
      paths.set(key, value);
    }
  }
  return paths;
}

/** What differs between the body last sent and the new one; empty when nothing does. */
export function diffBodies(previous: ScimBody | null | undefined, next: ScimBody | null | undefined): AttributeChanges {
  const before = flatten(previous);
  const after = flatten(next);
  const changes: AttributeChanges = {};
  for (const [path, value] of after) {
    if (!before.has(path)) changes[path] = { new: value };
    else if (stableStringify(before.get(path)) !== stableStringify(value)) changes[path] = { old: before.get(path), new: value };
  }
  for (const [path, value] of before) if (!after.has(path)) changes[path] = { old: value };
  return changes;
}

/**
 * PATCH operations that turn the body last sent into the new one: `replace` for new and changed
 * attributes, `remove` for attributes the host cleared (a PUT clears them by leaving them out).
 */
export function patchOperations(changes: AttributeChanges): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const [path, change] of Object.entries(changes)) {
    if (!('new' in change) || change.new === undefined) operations.push({ op: 'remove', path });
    else operations.push({ op: 'replace', path, value: change.new });
  }
  return operations;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
