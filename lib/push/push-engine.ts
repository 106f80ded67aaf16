import type { Knex } from 'knex';
import type { SourceAction, SourceEvent, SyncEvents } from '../events.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import type { Logger, ResolvedPushOptions } from '../options.js';
import type { LeaseStore } from '../persistence/leases.js';
import type { IncrementalLog } from '../runs/incremental-log.js';
import type { RunStore } from '../runs/run-store.js';
import type { CursorStore } from '../sources/cursor-store.js';
import type { SourceHealth } from '../sources/source-health.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { Worker } from '../worker.js';
import type { BatchResult } from './delivery/batch-delivery.js';
import type { DeletionHolds } from './deletion-hold.js';
import type { RetryStore } from './delivery/retry-store.js';
import { DeliveryWorker, type WorkerStatus } from './delivery/delivery-worker.js';
import type { LinkStore } from './links-store.js';
import type { TargetFactory } from './push-targets.js';

/** Source actions after which a backoff is skipped and delivery is tried at once. */
const RETRY_NOW = new Set<SourceAction>(['updated', 'resumed', 'enabled', 'deletions_confirmed', 'deletions_cancelled']);

/** What the delivery workers of one center share; built once in the composition root. */
export interface PushEngineDeps {
  knex: Knex;
  events: SyncEvents;
  sources: SourcesService;
  mirror: MirrorReader;
  cursors: CursorStore;
  runs: RunStore;
  links: LinkStore;
  log: IncrementalLog;
  holds: DeletionHolds;
  retries: RetryStore;
  leases: LeaseStore;
  health: SourceHealth;
  targets: TargetFactory;
  options: ResolvedPushOptions;
  logger: Logger;
  holder: string;
  clock: () => Date;
  /** A scoped source's batch held org changes: apply the scope drift (see BatchDeps.scopeDrift). */
  scopeDrift?(sourceId: string): Promise<void>;
}

/**
 * Push mode's incremental delivery inside one center: a delivery worker per enabled push
 * source, started and stopped as sources change. Registered as a center Worker: start() at
 * center.start(), stop() at close() (which also closes the shared SCIM clients).
 */
export class PushEngine implements Worker {
  readonly #workers = new Map<string, DeliveryWorker>();
  #started = false;
  readonly #onChanges = () => {
    for (const worker of this.#workers.values()) worker.wake();
  };
  readonly #onSource = (event: SourceEvent) => {
    if (event.action === 'updated' || event.action === 'deleted') void this.deps.targets.drop(event.id);
    void this.refreshSource(event.id, RETRY_NOW.has(event.action));
  };

  constructor(private readonly deps: PushEngineDeps) {}

  async start(): Promise<void> {
    this.#started = true;
    this.deps.events.on('changes', this.#onChanges);
    this.deps.events.on('source', this.#onSource);
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.deps.events.off('changes', this.#onChanges);
    this.deps.events.off('source', this.#onSource);
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((worker) => worker.stop()));
    await this.deps.targets.closeAll();
  }

  /** Starts workers for enabled push sources and stops the others (sources may change on other instances). */
  async refresh(): Promise<void> {
    if (!this.#started) return;
    const sources = await this.deps.sources.list();
    const wanted = new Set(sources.filter((source) => source.mode === 'push' && source.enabled).map((source) => source.id));
    for (const id of wanted) this.#ensure(id).wake();
    for (const [id, worker] of this.#workers) {
      if (!wanted.has(id)) {
        this.#workers.delete(id);
        await worker.stop();
      }
    }
  }

  async refreshSource(sourceId: string, retryNow: boolean): Promise<void> {
    if (!this.#started) return;
    const source = await this.deps.sources.find(sourceId);
    const worker = this.#workers.get(sourceId);
    if (source && source.mode === 'push' && source.enabled) {
      this.#ensure(sourceId).wake(retryNow);
    } else if (worker) {
      this.#workers.delete(sourceId);
      await worker.stop();
    }
  }

  /** The push sources this instance runs a delivery worker for. */
  runningSources(): string[] {
    return [...this.#workers.keys()];
  }

  status(sourceId: string): WorkerStatus | null {
    return this.#workers.get(sourceId)?.status ?? null;
  }

  /** Ends the source's worker's wait; `retryNow` also skips a backoff. */
  wake(sourceId: string, retryNow = true): void {
    this.#workers.get(sourceId)?.wake(retryNow);
  }

  #ensure(sourceId: string): DeliveryWorker {
    let worker = this.#workers.get(sourceId);
    if (!worker) {
      const { events, ...shared } = this.deps;
      worker = new DeliveryWorker(
        {
          ...shared,
          onBatch: (id: string, result: BatchResult) => events.emit('delivery', { sourceId: id, status: result.status, delivered: result.delivered, cursor: result.cursor }),
        },
        sourceId,
      );
      this.#workers.set(sourceId, worker);
      worker.start();
    }
    return worker;
  }
}
