export { createSyncCenter } from './lib/sync-center.js';
export type { ChangesApi, RunsApi, SyncCenter } from './lib/sync-center.js';
export type { Logger, SyncCenterOptions } from './lib/options.js';
export type { AdminAccess } from './lib/hooks/admin.js';
export type { Awaitable } from './lib/hooks/types.js';
export type {
  Directory,
  DirectoryContact,
  DirectoryOrg,
  DirectoryPage,
  DirectoryPageRequest,
  DirectoryUser,
} from './lib/hooks/directory.js';
export type { AppliedChange, ChangeResult, DirectoryChange } from './lib/mirror/change-writer.js';
export type { MirrorOrg, MirrorUser, ObjectKind } from './lib/mirror/mirror-rows.js';
export type { KindCounts, ReconcileReport, ReconcileWarning } from './lib/mirror/reconcile.js';
export type {
  CreateSourceInput,
  OrgResourceShape,
  PullCredentials,
  PullSettings,
  PushAuth,
  PushSettings,
  Source,
  SourceMode,
  SourceStatus,
  UpdateSourceInput,
} from './lib/sources/source-types.js';
export type { Run, RunItem, RunKind, RunStatus } from './lib/runs/run-store.js';
export type { DeliveryLogEntry, LogFilter, PullLogEntry } from './lib/runs/incremental-log.js';
export type { AuditEntry } from './lib/audit-log.js';
export {
  HostHookError,
  NotFoundError,
  SecretBoxError,
  StateConflictError,
  SyncCenterError,
  ValidationError,
  type FieldIssue,
} from './lib/errors.js';
