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
  /** Presents a page of rows; reads what the presenters need from other rows in a few queries. */
  present(context: QueryContext, rows: Record<string, unknown>[], location: ScimLocation, projection: CompiledProjection): Promise<ScimResource[]>;
}
