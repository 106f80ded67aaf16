import { randomBytes } from 'node:crypto';
import { validateLdapSettings } from './connectors/ldap/ldap-settings.js';
import { connectorFor } from './connectors/connector-factory.js';
import { createLdapTools } from './connectors/ldap/ldap-tools.js';
import os from 'node:os';
import type { Knex } from 'knex';
import { createRouter } from '../routes/index.js';
import type { Alert } from './alerts/alert.js';
import { AlertCenter } from './alerts/alert-center.js';
import { AlertEpisodes } from './alerts/alert-episodes.js';
import { AuditLog } from './audit-log.js';
import { StateConflictError } from './errors.js';
import { SyncEvents } from './events.js';
import { checkHealth, type HealthReport } from './health.js';
import { CenterMetrics, type MetricsApi } from './metrics/center-metrics.js';
import type { DirectoryOrg, DirectoryUser } from './hooks/directory.js';
import { ChangeWriter, type ChangeResult, type DirectoryChange } from './mirror/change-writer.js';
import { MirrorReader } from './mirror/mirror-reader.js';
import { reconcileDirectory, type ReconcileOptions, type ReconcileReport } from './mirror/reconcile.js';
import { resolveOptions, type SyncCenterOptions } from './options.js';
import { openDatabase } from './persistence/database.js';
import { migrateLatest } from './persistence/migrate.js';
import { LeaseStore } from './persistence/leases.js';
import { SqliteWorkerLock } from './persistence/sqlite-worker-lock.js';
import { DeletionHolds } from './push/deletion-hold.js';
import { HeldDeletions } from './push/held-deletions.js';
import { pushRunExecutor } from './push/full-sync/full-sync.js';
import { LinkStore } from './push/links-store.js';
import { RetryStore } from './push/delivery/retry-store.js';
import { createPushApi, type PushApi } from './push/push-api.js';
import { createOnDemandApi } from './push/on-demand/on-demand-api.js';
import { PushEngine } from './push/push-engine.js';
import { TargetFactory } from './push/push-targets.js';
import { IncrementalLog } from './runs/incremental-log.js';
import { ManualSyncs, type StartRunOptions } from './runs/manual-sync.js';
import { pullRefreshExecutor } from './runs/pull-refresh.js';
import { RunStore } from './runs/run-store.js';
import { createRunsApi, type RunsApi } from './runs/runs-api.js';
import { purgeExpired, type RetentionReport } from './scheduler/retention.js';
import { Scheduler } from './scheduler/scheduler.js';
import { PullService, type PullPurgeReport } from './scim/pull/pull-service.js';
import { CursorStore } from './sources/cursor-store.js';
import { SourceHealth } from './sources/source-health.js';
import { RunProgressMeter } from './status/run-progress.js';
import { createStatusApi, type StatusApi } from './status/source-status.js';
import { StatusQueries } from './status/status-queries.js';
import { SourceHours } from './runs/source-hours.js';
import { createScimServerDeps } from './scim/scim-server-deps.js';
import { SourcesService } from './sources/sources-service.js';
import { checkUserMappings } from './mappings/validate-mappings.js';
import { MappingPreview } from './push/mapping-preview.js';
import { userFilterProblem } from './scim/query/source-scope.js';
import { PendingApplies } from './push/scope/pending-applies.js';
import { createScopePreview } from './push/scope/scope-api.js';
import { WizardDrafts } from './sources/wizard-drafts.js';
import { SecretBox } from './util/secret-box.js';
import type { Worker } from './worker.js';

/** What the host calls on every change in its directory. Resolves once the change is durable. */
export interface ChangesApi {
  userUpserted(user: DirectoryUser): Promise<ChangeResult>;
  userDeleted(id: string): Promise<ChangeResult>;
  orgUpserted(org: DirectoryOrg): Promise<ChangeResult>;
  orgDeleted(id: string): Promise<ChangeResult>;
  /** Several changes in one transaction, applied in order. */
  apply(changes: readonly DirectoryChange[]): Promise<ChangeResult>;
}

export type { RunsApi };

/** The center's cron jobs; they run by themselves after start(), these calls run them now. */
export interface SchedulerApi {
  /** Job name → cron pattern, for the jobs in force. */
  jobs(): Record<string, string>;
  /** Picks up push runs left by dead instances and refreshes the delivery workers; returns the resumed run ids. */
  sweep(): Promise<number[]>;
  /** Purges old logs, finished runs, passed tombstones and expired leases. */
  retention(): Promise<RetentionReport>;
}

/** Alerts: each is also an `'alert'` event on `center.events` and a call of `alerts.notify`. */
export interface AlertsApi {
  /** Checks the push backlogs against `alerts.backlogAgeMs` now (the scheduler does so every minute); returns the alerts sent. */
  checkBacklogs(): Promise<Alert[]>;
}

/** Pull mode (the SCIM server) housekeeping. */
export interface PullApi {
  /** Deletes pull log rows older than `logRetentionDays` and expired access tokens; for the scheduler. */
  purge(): Promise<PullPurgeReport>;
  /** Writes the queued pull log entries now (they are otherwise written in batches). */
  flushLog(): Promise<void>;
}

export interface SyncCenter {
  /** A private express sub-app: mount it with `app.use('/sync-center', center.router)`. */
  readonly router: ReturnType<typeof createRouter>;
  /** The knex instance the center uses (the host's own, or the one it created). */
  readonly knex: Knex;
  readonly changes: ChangesApi;
  readonly sources: SourcesService;
  readonly runs: RunsApi;
  readonly audit: AuditLog;
  /** The incremental sync logs: push deliveries and pull requests, per source. */
  readonly logs: IncrementalLog;
  /** Reads the mirror: objects, change feed, counts, and the org choices of a scope picker (`orgChoices()`). */
  readonly mirror: MirrorReader;
  readonly events: SyncEvents;
  /** Health at a glance: per-source status (`list(filter)`, `source(id)`), hourly history, a run's live progress. */
  readonly status: StatusApi;
  /** Push mode: remote-id links, connection test, delivery status, deletion confirmations. */
  readonly push: PushApi;
  /** Attribute mappings of push sources: a user's preview (the saved table or one being edited), user search, the downstream's targets. */
  readonly mappings: MappingPreview;
  readonly scheduler: SchedulerApi;
  readonly alerts: AlertsApi;
  readonly pull: PullApi;
  /** Prometheus metrics on the center's own registry: `res.type(center.metrics.contentType).send(await center.metrics.text())`. */
  readonly metrics: MetricsApi;
  /** The console wizard's drafts between its steps (the console's own; a host has no need of it). */
  readonly wizardDrafts: WizardDrafts;
  /** Creates or updates the center's `sync_*` tables. Call before start(). */
  migrate(): Promise<void>;
  /** Starts schedules and delivery workers. */
  start(): Promise<void>;
  /** For a readiness probe: the database answers, the center is started; its workers and leases. */
  health(): Promise<HealthReport>;
  /** Makes the mirror equal to the host directory, streaming it page by page. */
  reconcile(options?: Pick<ReconcileOptions, 'pageSize'>): Promise<ReconcileReport>;
  /** Stops workers and schedules, waits for runs to stop, and closes the pool if the center owns it. */
  close(): Promise<void>;
}

/**
 * Validates and wires; does no I/O. The composition root: every store is built here once, with
 * the center's clock, and each part gets the collaborators it uses in its constructor.
 */
export function createSyncCenter(options: SyncCenterOptions): SyncCenter {
  const resolved = resolveOptions(options);
  const { clock, logger } = resolved;
  const { knex, owned } = openDatabase(resolved.database, resolved.sqliteFile);
  const holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const events = new SyncEvents();
  // close() aborts it first: every wait of the push side (rate limits, backoffs) ends at once.
  const closing = new AbortController();

  const audit = new AuditLog(knex, clock);
  const mirror = new MirrorReader(knex);
  const writer = new ChangeWriter(knex, (applied) => events.emit('changes', applied), clock);
  const cursors = new CursorStore(knex, clock);
  const health = new SourceHealth(knex, audit, events, { minAttempts: resolved.push.quarantineAfter, failureRate: resolved.push.quarantineFailureRate, windowMs: resolved.push.quarantineWindowMs }, clock);
  const sources = new SourcesService({ knex, box: new SecretBox(resolved.secretKey), audit, events, cursors, allowHttpPush: resolved.allowHttpPush, allowPrivatePush: resolved.allowPrivatePush, clock, checkUserMappings, checkUserFilter: (filter) => userFilterProblem(knex, filter), checkLdapSettings: (input) => validateLdapSettings(input, { allowPlain: resolved.allowPlainLdap }) });
  const runStore = new RunStore(knex, clock);
  const metrics = new CenterMetrics({ events, sources, backlog: async (sourceId) => mirror.countChangesAfter(await cursors.get(sourceId)) });
  const sourceHours = new SourceHours(knex);
  const incrementalLog = new IncrementalLog(knex, clock, metrics, sourceHours);
  const leases = new LeaseStore(knex, clock);
  const links = new LinkStore(knex, mirror, clock);
  const held = new HeldDeletions(knex, clock);
  const holds = new DeletionHolds(knex, links, mirror, held, audit, events, clock);
  const retries = new RetryStore(knex, clock);
  const targets = new TargetFactory(knex, links, mirror, sources, resolved.push, resolved.allowHttpPush, resolved.allowPrivatePush, closing.signal, connectorFor);
  const pull = new PullService({ knex, options: resolved, sources, incrementalLog, events });

  const pushEngine = new PushEngine({
    knex,
    events,
    sources,
    mirror,
    cursors,
    runs: runStore,
    links,
    log: incrementalLog,
    holds,
    retries,
    leases,
    health,
    targets,
    options: resolved.push,
    logger,
    holder,
    clock,
    scopeDrift: async (sourceId) => {
      await sources.requestApply(sourceId);
      await pendingApplies.apply(sourceId);
    },
  });
  // How a full run of each mode is carried out, side by side.
  const executors = {
    push: pushRunExecutor({
      knex,
      mirror,
      links,
      held,
      targets,
      leases,
      cursors,
      health,
      options: resolved.push,
      logger,
      holder,
      closing: closing.signal,
      // The run let go of the source's lease: its delivery worker can go on at once.
      onFinished: (sourceId) => pushEngine.wake(sourceId, false),
    }),
    pull: pullRefreshExecutor({ knex, mirror, directory: resolved.directory, clock }),
  };
  const alerts = new AlertCenter({
    events,
    sources,
    runs: runStore,
    holds: { hold: async (sourceId) => (await holds.state(sourceId)).hold },
    backlog: async (sourceId) => {
      const cursor = await cursors.get(sourceId);
      return { oldestAt: await mirror.oldestChangeAtAfter(cursor), count: await mirror.countChangesAfter(cursor) };
    },
    episodes: new AlertEpisodes(knex, clock),
    notify: resolved.alerts.notify,
    backlogAgeMs: resolved.alerts.backlogAgeMs,
    publicUrl: resolved.publicUrl,
    logger,
    clock,
  });
  const manualSyncs = new ManualSyncs({ runs: runStore, sources, health, executors, logger, holder, events });
  const pendingApplies = new PendingApplies({ sources, manualSyncs, events, logger }).listen();
  const scheduler = new Scheduler({
    sources,
    events,
    runs: runStore,
    manualSyncs,
    leases,
    refreshDelivery: () => pushEngine.refresh(),
    purge: () => purgeExpired({ knex, log: incrementalLog, runs: runStore, cursors, retries, leases }, resolved, clock()),
    checkAlerts: () => alerts.checkBacklogs(),
    options: {
      sweepSchedule: resolved.push.sweepSchedule,
      retentionSchedule: resolved.push.retentionSchedule,
      alertsSchedule: resolved.alerts.checkSchedule,
      leaseTtlMs: resolved.push.leaseTtlMs,
      timezone: resolved.timezone,
    },
    logger,
    holder,
    clock,
  });
  const workers: Worker[] = [pushEngine, scheduler];
  const pushBase = createPushApi({
    sources,
    audit,
    events,
    mirror,
    cursors,
    health,
    links,
    holds,
    held,
    retries,
    targets,
    runs: runStore,
    manualSyncs,
    workers: pushEngine,
    allowHttpPush: resolved.allowHttpPush,
    allowPrivatePush: resolved.allowPrivatePush,
    previewScope: createScopePreview({ knex, sources }),
    ldap: createLdapTools({ allowPlain: resolved.allowPlainLdap }),
  });
  // Provisioning on demand joins `center.push`: a delivery of one user, with the delivery's stores.
  const onDemand = createOnDemandApi({ knex, sources, mirror, links, log: incrementalLog, audit, targets, leases, runs: runStore, options: resolved.push, holder, clock, wake: (sourceId) => pushEngine.wake(sourceId, false) });
  const push: PushApi = { ...pushBase, ...onDemand };
  const scimDeps = createScimServerDeps({ knex, pull, publicUrl: resolved.publicUrl, logger, secretKey: resolved.secretKey });
  const runs = createRunsApi({ manualSyncs, runStore, audit });
  const status = createStatusApi({
    sources,
    queries: new StatusQueries(knex),
    hours: sourceHours,
    meter: new RunProgressMeter(clock),
    getRun: (runId) => runStore.get(runId),
    held: async (sourceId) => (await holds.state(sourceId)).hold !== null,
    nextReconcile: (sourceId) => scheduler.nextReconcile(sourceId),
    clock,
  });

  const workerLock = new SqliteWorkerLock(knex);
  let state: 'created' | 'started' | 'closed' = 'created';
  const changes: ChangesApi = {
    userUpserted: (user) => writer.apply([{ type: 'userUpserted', user }]),
    userDeleted: (id) => writer.apply([{ type: 'userDeleted', id }]),
    orgUpserted: (org) => writer.apply([{ type: 'orgUpserted', org }]),
    orgDeleted: (id) => writer.apply([{ type: 'orgDeleted', id }]),
    apply: (batch) => writer.apply(batch),
  };

  const center: Omit<SyncCenter, 'router'> = {
    knex,
    changes,
    sources,
    audit,
    logs: incrementalLog,
    mirror,
    events,
    push,
    mappings: new MappingPreview({ knex, mirror, sources, targets, links, hooks: resolved.push }),
    scheduler: { jobs: () => scheduler.jobs(), sweep: () => scheduler.sweep(), retention: () => scheduler.retention() },
    alerts: { checkBacklogs: () => alerts.checkBacklogs() },
    pull: { purge: () => pull.purge(), flushLog: () => pull.log.flush() },
    runs,
    status,
    metrics,
    wizardDrafts: new WizardDrafts(knex, clock),
    async migrate() {
      await migrateLatest(knex);
    },
    async start() {
      if (state !== 'created') throw new StateConflictError(state === 'started' ? 'already_started' : 'center_closed', `scim-sync-center: start() called on a center that is already ${state}`);
      workerLock.acquire();
      state = 'started';
      for (const worker of workers) await worker.start();
      await pendingApplies.applyAll();
    },
    health: () => checkHealth({ knex, leases, holder, state: () => state, deliveryWorkers: () => pushEngine.runningSources() }),
    async reconcile(reconcileOptions) {
      const { stopped: _stopped, ...report } = await reconcileDirectory(knex, resolved.directory, reconcileOptions, clock);
      return report;
    },
    async close() {
      if (state === 'closed') return;
      const wasStarted = state === 'started';
      state = 'closed';
      closing.abort();
      pendingApplies.close();
      // Runs stop first: they use the SCIM clients the push worker closes.
      await manualSyncs.close();
      if (wasStarted) {
        for (const worker of [...workers].reverse()) await worker.stop();
        workerLock.release();
      }
      await pull.log.flush();
      await alerts.close();
      events.removeAllListeners();
      if (owned) await knex.destroy();
    },
  };
  // The console is a client of the handle, as a host is; the SCIM server gets its own small deps.
  return { ...center, router: createRouter(center, resolved, scimDeps) };
}
