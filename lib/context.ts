import type { Knex } from 'knex';
import type { AuditLog } from './audit-log.js';
import type { ResolvedOptions } from './options.js';
import type { IncrementalLog } from './runs/incremental-log.js';
import type { ManualSyncs } from './runs/manual-sync.js';
import type { RunStore } from './runs/run-store.js';
import type { PullService } from './scim/pull/pull-service.js';
import type { SourcesService } from './sources/sources-service.js';

/**
 * What the routes still take, built in lib/sync-center.ts from the center's parts. Nothing
 * under lib/ uses it; it goes once the console and the SCIM router have their own dependencies.
 */
export interface CenterContext {
  options: ResolvedOptions;
  knex: Knex;
  audit: AuditLog;
  sources: SourcesService;
  runStore: RunStore;
  incrementalLog: IncrementalLog;
  manualSyncs: ManualSyncs;
  /** The SCIM server's authentication, rate limits and request log. */
  pull: PullService;
}
