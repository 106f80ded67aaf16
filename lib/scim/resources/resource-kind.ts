import type { TargetMap } from '../filter/filter-targets.js';
import type { ScimLocation, ScimResource } from '../presenters.js';
import type { Projection } from '../query/list-params.js';
import type { QueryContext, ResourceTable } from '../query/resource-store.js';
import { resolvePath, type ResourceTypeDef } from '../resource-types.js';

/** One resource type as the server serves it: its table, filter targets and presenter. */
export interface ResourceKind {
  type: ResourceTypeDef;
  table: ResourceTable;
  targets: TargetMap;
  /** Presents a page of rows; reads what the presenters need from other rows in a few queries. */
  present(context: QueryContext, rows: Record<string, unknown>[], location: ScimLocation, projection: Projection): Promise<ScimResource[]>;
}

/** Whether the projection will keep a top-level attribute, so its rows are worth reading. */
export function wantsAttribute(type: ResourceTypeDef, projection: Projection, name: string): boolean {
  const names = (paths: readonly string[]) =>
    paths.map((path) => resolvePath(type, path)).filter((resolved) => resolved && !('wholeSchema' in resolved)).map((resolved) => (resolved as { attribute: { name: string } }).attribute.name);
  if (projection.attributes) return names(projection.attributes).includes(name);
  if (projection.excludedAttributes) {
    const excluded = projection.excludedAttributes.map((path) => resolvePath(type, path));
    return !excluded.some((resolved) => resolved && !('wholeSchema' in resolved) && !resolved.sub && resolved.attribute.name === name);
  }
  return true;
}
