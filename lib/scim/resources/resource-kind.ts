import type { TargetMap } from '../filter/filter-targets.js';
import type { ScimLocation, ScimResource } from '../presenters.js';
import type { CompiledProjection } from '../projection.js';
import type { QueryContext, ResourceTable } from '../query/resource-store.js';
import type { ResourceTypeDef } from '../resource-types.js';

/** One resource type as the server serves it: its table, filter targets and presenter. */
export interface ResourceKind {
  type: ResourceTypeDef;
  table: ResourceTable;
  targets: TargetMap;
  /** What a scoped source filters and sorts on: references outside its scope read as absent. */
  scopedTargets: TargetMap;
  /** Presents a page of rows; reads what the presenters need from other rows in a few queries. */
  present(context: QueryContext, rows: Record<string, unknown>[], location: ScimLocation, projection: CompiledProjection): Promise<ScimResource[]>;
}

/** The filter and sort targets for the source asking. */
export function targetsFor(kind: ResourceKind, context: QueryContext): TargetMap {
  return context.scopeOrgIds.length > 0 ? kind.scopedTargets : kind.targets;
}
