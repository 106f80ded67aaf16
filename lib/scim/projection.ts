import { resolvePath, type ResourceTypeDef } from './resource-types.js';
import { COMMON_ATTRIBUTES, type AttributeDef, type SchemaDef } from './schemas/attribute.js';
import type { Projection } from './query/list-params.js';
import type { ScimResource } from './presenters.js';

/** Requested or excluded paths by top-level key: 'all', or the named sub-attributes. */
type Selection = Map<string, 'all' | Set<string>>;

/**
 * `attributes` / `excludedAttributes` resolved against one resource type, once per request: a
 * page of 1,000 resources then costs 1,000 cheap map lookups, not 1,000 resolutions of the
 * client's list (which is how one request once held the event loop for seconds).
 */
export interface CompiledProjection {
  readonly type: ResourceTypeDef;
  readonly requested?: Selection;
  readonly excluded?: Selection;
  /** Core and common attribute definitions by name, and each extension by URN. */
  readonly core: ReadonlyMap<string, AttributeDef>;
  readonly extensions: ReadonlyMap<string, { schema: SchemaDef; attributes: ReadonlyMap<string, AttributeDef> }>;
}

export function compileProjection(type: ResourceTypeDef, projection: Projection): CompiledProjection {
  return {
    type,
    requested: projection.attributes ? selectionOf(type, projection.attributes) : undefined,
    excluded: projection.excludedAttributes ? selectionOf(type, projection.excludedAttributes) : undefined,
    core: byName([...type.schema.attributes, ...COMMON_ATTRIBUTES]),
    extensions: new Map(type.extensions.map((schema) => [schema.id, { schema, attributes: byName(schema.attributes) }])),
  };
}

/** Whether the projection can keep a top-level core attribute, so its rows are worth reading. */
export function keepsAttribute(projection: CompiledProjection, name: string): boolean {
  if (projection.requested) return projection.requested.has(name);
  return projection.excluded?.get(name) !== 'all';
}

/**
 * Applies `attributes` / `excludedAttributes` with each attribute's `returned` rule
 * (RFC 7643 §2.4, RFC 7644 §3.4.2.5): `always` survives both, `never` is never sent, `request`
 * only when asked for by name. Unknown paths are ignored, as clients ask for attributes of
 * other providers' schemas.
 */
export function project(resource: ScimResource, projection: CompiledProjection): ScimResource {
  const { requested, excluded } = projection;
  const result: ScimResource = { schemas: [], id: resource.id };
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') continue;
    const extension = projection.extensions.get(key);
    if (extension) {
      const kept: Record<string, unknown> = {};
      for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
        const def = extension.attributes.get(name);
        const projected = def ? projectAttribute(`${key}:${name}`, def, inner, requested, excluded) : undefined;
        if (projected !== undefined) kept[name] = projected;
      }
      if (Object.keys(kept).length > 0) result[key] = kept;
      continue;
    }
    const def = projection.core.get(key);
    const projected = def ? projectAttribute(key, def, value, requested, excluded) : undefined;
    if (projected !== undefined) result[key] = projected;
  }
  // `schemas` names the schemas whose attributes are present (RFC 7643 §3).
  result.schemas = resource.schemas.filter((urn) => urn === projection.type.schema.id || urn in result);
  return result;
}

function byName(attributes: readonly AttributeDef[]): Map<string, AttributeDef> {
  const map = new Map<string, AttributeDef>();
  for (const attribute of attributes) if (!map.has(attribute.name)) map.set(attribute.name, attribute);
  return map;
}

function projectAttribute(key: string, def: AttributeDef, value: unknown, requested?: Selection, excluded?: Selection): unknown {
  if (def.returned === 'never') return undefined;
  if (def.returned === 'always') return value;
  if (requested) {
    const wanted = requested.get(key);
    if (wanted === undefined) return undefined;
    return wanted === 'all' ? withoutNeverSubs(def, value) : pickSubs(def, value, (sub) => wanted.has(sub.name) || sub.returned === 'always');
  }
  if (def.returned === 'request') return undefined;
  const dropped = excluded?.get(key);
  if (dropped === 'all') return undefined;
  return pickSubs(def, value, (sub) => sub.returned === 'always' || (sub.returned === 'default' && !dropped?.has(sub.name)));
}

function withoutNeverSubs(def: AttributeDef, value: unknown): unknown {
  return pickSubs(def, value, (sub) => sub.returned !== 'never');
}

/** Keeps the chosen sub-attributes of a complex value (of every element when multi-valued). */
function pickSubs(def: AttributeDef, value: unknown, keep: (sub: AttributeDef) => boolean): unknown {
  if (def.type !== 'complex' || !def.subAttributes?.length) return value;
  const pickOne = (element: unknown): Record<string, unknown> | undefined => {
    if (typeof element !== 'object' || element === null) return undefined;
    const kept: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(element as Record<string, unknown>)) {
      const sub = def.subAttributes!.find((candidate) => candidate.name === name);
      if (sub && keep(sub)) kept[name] = inner;
    }
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  if (Array.isArray(value)) {
    const elements = value.map(pickOne).filter((element) => element !== undefined);
    return elements.length > 0 ? elements : undefined;
  }
  return pickOne(value);
}

function selectionOf(type: ResourceTypeDef, paths: readonly string[]): Selection {
  const selection: Selection = new Map();
  for (const path of paths) {
    const resolved = resolvePath(type, path);
    if (!resolved) continue;
    if ('wholeSchema' in resolved) {
      for (const attribute of resolved.wholeSchema.attributes) selection.set(`${resolved.wholeSchema.id}:${attribute.name}`, 'all');
      continue;
    }
    const key = resolved.sub ? resolved.key.slice(0, resolved.key.length - resolved.sub.name.length - 1) : resolved.key;
    const current = selection.get(key);
    if (!resolved.sub || current === 'all') selection.set(key, 'all');
    else selection.set(key, new Set([...(current ?? []), resolved.sub.name]));
  }
  return selection;
}
