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
  eachPath(body, (path, value) => paths.set(path, value));
  return paths;
}

/** `flatten`'s paths and values, in order, without a map: a reconciling sync flattens every object it reads. */
function eachPath(body: ScimBody | null | undefined, visit: (path: string, value: unknown) => void): void {
  if (!body) return;
  // for…in with hasOwn, not Object.entries: no array of pairs per body.
  for (const key in body) {
    const value = body[key];
    if (!Object.hasOwn(body, key) || IGNORED.has(key) || value === undefined) continue;
    const separator = key.startsWith('urn:') ? ':' : COMPLEX.has(key) ? '.' : null;
    if (separator !== null && isPlainObject(value)) {
      for (const sub in value) if (Object.hasOwn(value, sub) && value[sub] !== undefined) visit(joinPath(key, separator, sub), value[sub]);
    } else {
      visit(key, value);
    }
  }
}

/** `name` + `.` + `givenName`, remembered: every body flattened joins the same few paths (see `splitPath`). */
function joinPath(key: string, separator: string, sub: string): string {
  let subs = JOINED_PATHS.get(key);
  if (subs === undefined) {
    if (JOINED_PATHS.size >= 1_000) JOINED_PATHS.clear();
    subs = new Map();
    JOINED_PATHS.set(key, subs);
  }
  let path = subs.get(sub);
  if (path === undefined) {
    path = `${key}${separator}${sub}`;
    if (subs.size < 1_000) subs.set(sub, path);
  }
  return path;
}

const JOINED_PATHS = new Map<string, Map<string, string>>();

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

/**
 * The downstream's copy of an object, read back, compared with the body we would send: what
 * this source manages (the paths of `desired`, and those of the body last sent, which it
 * cleared since) and differs there, old (the downstream's value) → new. Unmanaged attributes the
 * downstream holds (its `id`, `meta`, values it computes, other sub-attributes) are not compared.
 *
 * Compared as RFC 7643 reads them, not byte by byte: attribute names in any case; `userName`
 * and e-mail values without case (caseExact false); multi-valued attributes as sets, on the
 * sub-attributes we send only, `primary: false` as absent; complex values on our sub-attributes;
 * `"true"`/`1` against `true`/`1` as the same value; `""` and `null` as absent.
 *
 * `previous` is what the diff calls "old": the desired value where the downstream agrees, the
 * downstream's value where it does not, so `diffBodies(previous, desired)` gives these changes
 * and `patchOperations` their repair.
 *
 * `keep` are the paths the mapping leaves to the downstream (an "only on create" attribute, an
 * empty value without "clear when empty"): whatever the downstream holds there is not repaired,
 * and `previous` takes the desired value so the update that follows does not send it either.
 */
export function observedChanges(desired: ScimBody, remote: Record<string, unknown>, lastSent: ScimBody | null | undefined, keep: readonly string[] = []): { changes: AttributeChanges; readonly previous: ScimBody } {
  // The managed paths: the desired body's, then those only the body last sent has (wanted: undefined).
  const paths: string[] = [];
  const wanted: unknown[] = [];
  eachPath(desired, (path, value) => {
    paths.push(path);
    wanted.push(value);
  });
  eachPath(lastSent, (path) => {
    if (paths.includes(path)) return;
    paths.push(path);
    wanted.push(undefined);
  });
  const changes: AttributeChanges = {};
  for (let index = 0; index < paths.length; index += 1) {
    const path = paths[index]!;
    if (keep.includes(path)) continue;
    const held = present(readPath(remote, path));
    const want = wanted[index];
    if (want === undefined) {
      if (held !== undefined) changes[path] = { old: held };
    } else if (held === undefined) {
      changes[path] = { new: want };
    } else if (!sameValue(path, held, want)) {
      changes[path] = { old: held, new: want };
    }
  }
  // Built when asked for: a reconciling sync asks only where the copy differs (rarely, at 100k objects).
  let body: ScimBody | undefined;
  return {
    changes,
    get previous() {
      body ??= unflatten(previousValues(paths, wanted, changes), desired.schemas);
      return body;
    },
  };
}

/** `observedChanges`' "old" side: the downstream's value where it differs, the desired one where it agrees or is kept. */
function previousValues(paths: readonly string[], wanted: readonly unknown[], changes: AttributeChanges): Map<string, unknown> {
  const previous = new Map<string, unknown>();
  paths.forEach((path, index) => {
    const value = Object.hasOwn(changes, path) ? changes[path]!.old : wanted[index];
    if (value !== undefined) previous.set(path, value);
  });
  return previous;
}

/** The inverse of `flatten`: paths back into a body (`name.x` and `urn:…:x` into their containers). */
export function unflatten(paths: ReadonlyMap<string, unknown>, schemas: readonly string[]): ScimBody {
  const body: ScimBody = { schemas: [...schemas] };
  for (const [path, value] of paths) {
    const [container, key] = splitPath(path);
    if (container === null) body[key] = value;
    else ((body[container] ??= {}) as Record<string, unknown>)[key] = value;
  }
  return body;
}

/** `urn:…:User:employeeNumber` → [`urn:…:User`, `employeeNumber`]; `name.givenName` → [`name`, `givenName`]; `title` → [null, `title`]. */
function splitPath(path: string): readonly [string | null, string] {
  let split = SPLIT_PATHS.get(path);
  if (split === undefined) {
    const cut = path.startsWith('urn:') ? path.lastIndexOf(':') : path.indexOf('.');
    split = cut === -1 ? [null, path] : [path.slice(0, cut), path.slice(cut + 1)];
    // Paths are attribute names, a few dozen per deployment: kept, but never more than this many.
    if (SPLIT_PATHS.size >= 1_000) SPLIT_PATHS.clear();
    SPLIT_PATHS.set(path, split);
  }
  return split;
}

/** `splitPath` results by path: every object a reconciling sync compares splits the same few paths. */
const SPLIT_PATHS = new Map<string, readonly [string | null, string]>();

/** A value at a flattened path of a resource as the downstream returned it, attribute names in any case. */
function readPath(resource: Record<string, unknown>, path: string): unknown {
  const [container, key] = splitPath(path);
  if (container === null) return member(resource, key);
  const outer = member(resource, container);
  return isPlainObject(outer) ? member(outer, key) : undefined;
}

function member(object: Record<string, unknown>, key: string): unknown {
  if (key in object) return object[key];
  const lower = key.toLowerCase();
  // Only names of the same length are lower-cased (attribute names are ASCII, RFC 7643 §2.1): an
  // attribute the copy lacks costs no string per name.
  for (const name in object) if (name.length === key.length && Object.hasOwn(object, name) && name.toLowerCase() === lower) return object[name];
  return undefined;
}

/** Absent, null, "" and [] all mean "the downstream holds nothing here". */
function present(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  return value;
}

/** Sub-attributes of multi-valued attributes compared without case (RFC 7643 §4.1.2: emails.value and types are caseExact false). */
const CASELESS_SUBS = new Set(['value', 'type']);

function sameValue(path: string, held: unknown, wanted: unknown): boolean {
  return same(held, wanted, isPath(path, 'username'), isPath(path, 'emails'));
}

/** `path` is `name` in any case; lower-cased only when the length matches (no new string per path compared). */
function isPath(path: string, name: string): boolean {
  return path.length === name.length && path.toLowerCase() === name;
}

function same(held: unknown, wanted: unknown, caseless: boolean, emails: boolean): boolean {
  if (held === wanted) return true; // the common case of a copy that agrees, before any conversion
  if (Array.isArray(wanted)) return Array.isArray(held) && sameItems(held, wanted, caseless, emails);
  if (isPlainObject(wanted)) {
    if (!isPlainObject(held)) return false;
    // for…in, not Object.entries: every object a reconciling sync reads is compared here.
    for (const key in wanted) {
      if (!Object.hasOwn(wanted, key)) continue;
      const value = wanted[key];
      const heldValue = present(member(held, key));
      if (key === 'primary' && value === false) {
        if (heldValue !== undefined && scalar(heldValue) !== 'false') return false;
        continue;
      }
      if (present(value) === undefined) {
        if (heldValue !== undefined) return false;
        continue;
      }
      if (heldValue === undefined) return false;
      const subCaseless = caseless || (emails && CASELESS_SUBS.has(key)) || key === 'type';
      if (!same(heldValue, value, subCaseless, false)) return false;
    }
    return true;
  }
  if (isPlainObject(held) || Array.isArray(held)) return false;
  const a = scalar(held);
  const b = scalar(wanted);
  return caseless ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/**
 * Multi-valued attributes as sets: the same number of present items, each wanted item matched by
 * a distinct held one (marked used; no filtered copies of the arrays).
 */
function sameItems(held: readonly unknown[], wanted: readonly unknown[], caseless: boolean, emails: boolean): boolean {
  if (presentCount(held) !== presentCount(wanted)) return false;
  const used = new Array<boolean>(held.length).fill(false);
  for (const item of wanted) {
    if (present(item) === undefined) continue;
    const index = held.findIndex((candidate, at) => !used[at] && present(candidate) !== undefined && same(candidate, item, caseless, emails));
    if (index === -1) return false;
    used[index] = true;
  }
  return true;
}

function presentCount(items: readonly unknown[]): number {
  let count = 0;
  for (const item of items) if (present(item) !== undefined) count += 1;
  return count;
}

/** Scalars as text, so `"true"`/`true` and `"2"`/`2` compare equal (some servers return strings). */
function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
