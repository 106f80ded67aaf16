import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import { createRouter } from '../routes/index.js';
import { AuditLog } from './audit-log.js';
import type { CenterContext, Worker } from './context.js';
import { SyncEvents } from './events.js';
import type { DirectoryOrg, DirectoryUser } from './hooks/directory.js';
import { ChangeWriter, type ChangeResult, type DirectoryChange } from './mirror/change-writer.js';
import { MirrorReader } from './mirror/mirror-reader.js';
import { reconcileDirectory, type ReconcileOptions, type ReconcileReport } from './mirror/reconcile.js';
import { resolveOptions, type SyncCenterOptions } from './options.js';
import { openDatabase } from './persistence/database.js';
import { migrateLatest } from './persistence/migrate.js';
import { SqliteWorkerLock } from './persistence/sqlite-worker-lock.js';
import { IncrementalLog } from './runs/incremental-log.js';
import { ManualSyncs, type StartRunOptions } from './runs/manual-sync.js';
import { createPushApi, type PushApi } from './push/push-api.js';
import { PushEngine } from './push/push-engine.js';
import { pullRefreshExecutor } from './runs/pull-refresh.js';
import { RunStore, type Run, type RunItemFilter, type RunItem } from './runs/run-store.js';
import type { RetentionReport } from './scheduler/retention.js';
import { Scheduler } from './scheduler/scheduler.js';
import { PullService, type PullPurgeReport } from './scim/pull/pull-service.js';
import { createScimServerDeps } from './scim/scim-server-deps.js';
import { SourcesService } from './sources/sources-service.js';
import { SecretBox } from './util/secret-box.js';

/** What the host calls on every change in its directory. Resolves once the change is durable. */
export interface ChangesApi {
  userUpserted(user: DirectoryUser): Promise<ChangeResult>;
  userDeleted(id: string): Promise<ChangeResult>;
  orgUpserted(org: DirectoryOrg): Promise<ChangeResult>;
  orgDeleted(id: string): Promise<ChangeResult>;
  /** Several changes in one transaction, applied in order. */
  apply(changes: readonly DirectoryChange[]): Promise<ChangeResult>;
}

/** Full runs ("Manual sync") and their per-object logs. */
export interface RunsApi {
  start(sourceId: string, options?: StartRunOptions): Promise<Run>;
  cancel(runId: number): Promise<void>;
  get(runId: number): Promise<Run | undefined>;
  list(sourceId: string, page?: { limit?: number; offset?: number }): Promise<{ runs: Run[]; total: number }>;
  items(runId: number, filter?: RunItemFilter): Promise<{ items: RunItem[]; total: number }>;
  /** Resolves when a run started by this process has finished. */
  settled(runId: number): Promise<Run | undefined>;
}

/** The center's cron jobs; they run by themselves after start(), these calls run them now. */
export interface SchedulerApi {
  /** Job name → cron pattern, for the jobs in force. */
  jobs(): Record<string, string>;
  /** Picks up push runs left by dead instances and refreshes the delivery workers; returns the resumed run ids. */
  sweep(): Promise<number[]>;
  /** Purges old logs, finished runs, passed tombstones and expired leases. */
  retention(): Promise<RetentionReport>;
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
  readonly mirror: MirrorReader;
  readonly events: SyncEvents;
  /** Push mode: remote-id links, connection test, delivery status, deletion confirmations. */
  readonly push: PushApi;
  readonly scheduler: SchedulerApi;
  readonly pull: PullApi;
  /** Creates or updates the center's `sync_*` tables. Call before start(). */
  migrate(): Promise<void>;
  /** Starts schedules and delivery workers. */
  start(): Promise<void>;
  /** Makes the mirror equal to the host directory, streaming it page by page. */
  reconcile(options?: Pick<ReconcileOptions, 'pageSize'>): Promise<ReconcileReport>;
  /** Stops workers and schedules, waits for runs to stop, and closes the pool if the center owns it. */
  close(): Promise<void>;
}

/** Validates and wires; does no I/O. See SyncCenterOptions for every option. */
export function createSyncCenter(options: SyncCenterOptions): SyncCenter {
  const resolved = resolveOptions(options);
  const { knex, owned } = openDatabase(resolved.database, resolved.sqliteFile);
  const events = new SyncEvents();
  const audit = new AuditLog(knex);
  const mirror = new MirrorReader(knex);
  const writer = new ChangeWriter(knex, (applied) => events.emit('changes', applied), resolved.clock);
  const sources = new SourcesService({ knex, box: new SecretBox(resolved.secretKey), audit, events, allowHttpPush: resolved.allowHttpPush, clock: resolved.clock });
  const runStore = new RunStore(knex);
  const incrementalLog = new IncrementalLog(knex, resolved.clock);
  const pull = new PullService({ knex, options: resolved, sources, incrementalLog, events });
  const holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const manualSyncs = new ManualSyncs({
    knex,
    runs: runStore,
    sources,
    executors: { pull: pullRefreshExecutor(knex, resolved.directory) },
    logger: resolved.logger,
    holder,
  });
  const workers: Worker[] = [];
  const context: CenterContext = { options: resolved, knex, events, audit, mirror, sources, runStore, incrementalLog, manualSyncs, pull, holder, workers };
  const pushEngine = new PushEngine(context);
  const scheduler = new Scheduler(context, pushEngine);
  workers.push(pushEngine, scheduler);
  const push = createPushApi(context, pushEngine);
  const scimDeps = createScimServerDeps({ knex, pull, publicUrl: resolved.publicUrl, logger: resolved.logger });
  const router = createRouter(context, push, scimDeps);

  const workerLock = new SqliteWorkerLock(knex);
  let state: 'created' | 'started' | 'closed' = 'created';
  const changes: ChangesApi = {
    userUpserted: (user) => writer.apply([{ type: 'userUpserted', user }]),
    userDeleted: (id) => writer.apply([{ type: 'userDeleted', id }]),
    orgUpserted: (org) => writer.apply([{ type: 'orgUpserted', org }]),
    orgDeleted: (id) => writer.apply([{ type: 'orgDeleted', id }]),
    apply: (batch) => writer.apply(batch),
  };

  return {
    router,
    knex,
    changes,
    sources,
    audit,
    logs: incrementalLog,
    mirror,
    events,
    push,
    scheduler: { jobs: () => scheduler.jobs(), sweep: () => scheduler.sweep(), retention: () => scheduler.retention() },
    pull: { purge: () => pull.purge(), flushLog: () => pull.log.flush() },
    runs: {
      start: (sourceId, startOptions) => manualSyncs.start(sourceId, startOptions),
      cancel: (runId) => manualSyncs.cancel(runId),
      get: (runId) => runStore.get(runId),
      list: (sourceId, page) => runStore.list(sourceId, page),
      items: (runId, filter) => runStore.items(runId, filter),
      settled: (runId) => manualSyncs.settled(runId),
    },
    async migrate() {
      await migrateLatest(knex);
    },
    async start() {
      if (state !== 'created') throw new Error(`scim-sync-center: start() called on a center that is already ${state}`);
      workerLock.acquire();
      state = 'started';
      for (const worker of workers) await worker.start();
    },
    async reconcile(reconcileOptions) {
      const { stopped: _stopped, ...report } = await reconcileDirectory(knex, resolved.directory, reconcileOptions);
      return report;
    },
    async close() {
      if (state === 'closed') return;
      const wasStarted = state === 'started';
      state = 'closed';
      // Runs stop first: they use the SCIM clients the push worker closes.
      await manualSyncs.close();
      if (wasStarted) {
        for (const worker of [...workers].reverse()) await worker.stop();
        workerLock.release();
      }
      await pull.log.flush();
      events.removeAllListeners();
      if (owned) await knex.destroy();
    },
  };
}
