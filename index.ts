export { createSyncCenter } from './lib/sync-center.js';
export type { AlertsApi, ChangesApi, RunsApi, SchedulerApi, SyncCenter } from './lib/sync-center.js';
export type { Alert, AlertKind, AlertSeverity } from './lib/alerts/alert.js';
export { readMessage, renderMessage, type EngineMessage } from './lib/i18n/engine-message.js';
export { translator, type Locale } from './lib/i18n/index.js';
export type { HealthReport } from './lib/health.js';
export type { MetricsApi } from './lib/metrics/center-metrics.js';
export type { RunEvent, DeliveryEvent, SourceEvent, RunPausedEvent } from './lib/events.js';
export type { AlertOptions, Logger, MapOrgHook, MapUserHook, PushOptions, SyncCenterOptions } from './lib/options.js';
export type { PushApi, PushStatus } from './lib/push/push-api.js';
export type { OnDemandCandidate, OnDemandObject, OnDemandResult, OnDemandStep, OnDemandStepName, ProvisionOptions } from './lib/push/on-demand/on-demand-types.js';
export type { ScopePreview } from './lib/push/scope/scope-preview.js';
export type { MappingPreview, MappingPreviewResult } from './lib/push/mapping-preview.js';
export type { LinkFilter, LinkStatus, PushLink } from './lib/push/links-store.js';
export type { ConnectionStep, ConnectionStepName, ConnectionTestInput, ConnectionTestResult } from './lib/push/test-connection.js';
export type { DeletionHold } from './lib/push/deletion-hold.js';
export type { WorkerStatus } from './lib/push/delivery/delivery-worker.js';
export type { PushRunOptions } from './lib/push/full-sync/full-sync.js';
export type { RetentionReport } from './lib/scheduler/retention.js';
export type { AttentionReason, HealthState, SourceHistory, SourceSummary, StatusApi, StatusFilter } from './lib/status/source-status.js';
export type { RunPhase, RunProgress } from './lib/status/run-progress.js';
export {
  PushError,
  RemoteConflictError,
  RemoteNotFoundError,
  RemoteRejectedError,
  RemoteUnsupportedError,
  StopSyncError,
  TransientPushError,
  type PushRequestInfo,
  type StopReason,
} from './lib/push/client/errors.js';
export type { AdminAccess, HostLabel } from './lib/hooks/admin.js';
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
export type { OrgChoice } from './lib/mirror/org-choices.js';
export type { KindCounts, ReconcileReport, ReconcileWarning } from './lib/mirror/reconcile.js';
export type {
  AttributeMapping,
  CreateSourceInput,
  DeletionThreshold,
  DeprovisionPolicy,
  OrgDeprovision,
  OrgResourceShape,
  PullCredentials,
  PullSettings,
  PushAuth,
  PushSettings,
  ScopeOrgs,
  Source,
  SourceMode,
  SourceScope,
  SourceStatus,
  UpdateSourceInput,
  UserDeprovision,
} from './lib/sources/source-types.js';
export type { Run, RunItem, RunKind, RunStatus } from './lib/runs/run-store.js';
export type { DeliveryLogEntry, LogFilter, PullLogEntry } from './lib/runs/incremental-log.js';
export type { AuditAction, AuditEntry, AuditFilter } from './lib/audit-log.js';
export {
  HostHookError,
  NotFoundError,
  SecretBoxError,
  StateConflictError,
  SyncCenterError,
  ValidationError,
  type FieldIssue,
  type StateConflictReason,
} from './lib/errors.js';
