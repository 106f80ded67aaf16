import type { Knex } from 'knex';
import type { AuditLog } from './audit-log.js';
import type { SyncEvents } from './events.js';
import type { MirrorReader } from './mirror/mirror-reader.js';
import type { ResolvedOptions } from './options.js';
import type { IncrementalLog } from './runs/incremental-log.js';
import type { ManualSyncs } from './runs/manual-sync.js';
import type { RunStore } from './runs/run-store.js';
import type { PullService } from './scim/pull/pull-service.js';
import type { SourcesService } from './sources/sources-service.js';

/** Something the center runs between start() and close(): delivery workers, schedules. */
export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The parts of one center, handed to the routes and the workers. Internal, not exported. */
export interface CenterContext {
  options: ResolvedOptions;
  knex: Knex;
  events: SyncEvents;
  audit: AuditLog;
  mirror: MirrorReader;
  sources: SourcesService;
  runStore: RunStore;
  incrementalLog: IncrementalLog;
  manualSyncs: ManualSyncs;
  /** The SCIM server's authentication, rate limits and request log. */
  pull: PullService;
  /** This process's name in leases and runs. */
  holder: string;
  workers: Worker[];
}
