import type { CenterContext, Worker } from '../context.js';
import type { SourceAction, SourceEvent } from '../events.js';
import { LeaseStore } from '../persistence/leases.js';
import type { BatchResult } from './delivery/batch-delivery.js';
import { DeletionHolds } from './deletion-hold.js';
import { DeliveryWorker, type WorkerStatus } from './delivery/delivery-worker.js';
import { pushRunExecutor } from './full-sync/full-sync.js';
import { LinkStore } from './links-store.js';
import { SourceHealth } from '../sources/source-health.js';
import { TargetFactory } from './push-targets.js';

/** Source actions after which a backoff is skipped and delivery is tried at once. */
const RETRY_NOW = new Set<SourceAction>(['updated', 'resumed', 'enabled', 'deletions_confirmed', 'deletions_cancelled']);

/**
 * Push mode inside one center: a delivery worker per enabled push source, the shared SCIM
 * clients, and the push run executor. Registered as a center Worker: start() at center.start(),
 * stop() at close().
 */
export class PushEngine implements Worker {
  readonly links: LinkStore;
  readonly leases: LeaseStore;
  readonly holds: DeletionHolds;
  readonly health: SourceHealth;
  readonly targets: TargetFactory;
  readonly #workers = new Map<string, DeliveryWorker>();
  readonly #context: CenterContext;
  #started = false;
  readonly #onChanges = () => {
    for (const worker of this.#workers.values()) worker.wake();
  };
  readonly #onSource = (event: SourceEvent) => {
    if (event.action === 'updated' || event.action === 'deleted') void this.targets.drop(event.id);
    void this.refreshSource(event.id, RETRY_NOW.has(event.action));
  };

  constructor(context: CenterContext) {
    this.#context = context;
    const { knex, options, sources, audit, events } = context;
    this.links = new LinkStore(knex);
    this.leases = new LeaseStore(knex);
    this.holds = new DeletionHolds(knex, audit, events);
    this.health = new SourceHealth(knex, audit, events, options.push.quarantineAfter);
    this.targets = new TargetFactory(knex, sources, options.push, options.allowHttpPush);
    context.manualSyncs.setExecutor(
      'push',
      pushRunExecutor({
        knex,
        mirror: context.mirror,
        links: this.links,
        targets: this.targets,
        leases: this.leases,
        health: this.health,
        options: options.push,
        logger: options.logger,
        holder: context.holder,
        onFinished: (sourceId) => this.#workers.get(sourceId)?.wake(),
      }),
    );
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#context.events.on('changes', this.#onChanges);
    this.#context.events.on('source', this.#onSource);
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#context.events.off('changes', this.#onChanges);
    this.#context.events.off('source', this.#onSource);
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((worker) => worker.stop()));
    await this.targets.closeAll();
  }

  /** Starts workers for enabled push sources and stops the others (sources may change on other instances). */
  async refresh(): Promise<void> {
    if (!this.#started) return;
    const sources = await this.#context.sources.list();
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
    const source = await this.#context.sources.find(sourceId);
    const worker = this.#workers.get(sourceId);
    if (source && source.mode === 'push' && source.enabled) {
      this.#ensure(sourceId).wake(retryNow);
    } else if (worker) {
      this.#workers.delete(sourceId);
      await worker.stop();
    }
  }

  status(sourceId: string): WorkerStatus | null {
    return this.#workers.get(sourceId)?.status ?? null;
  }

  wake(sourceId: string): void {
    this.#workers.get(sourceId)?.wake(true);
  }

  #ensure(sourceId: string): DeliveryWorker {
    let worker = this.#workers.get(sourceId);
    if (!worker) {
      const { knex, mirror, incrementalLog, sources, options, holder } = this.#context;
      worker = new DeliveryWorker(
        {
          knex,
          mirror,
          links: this.links,
          log: incrementalLog,
          holds: this.holds,
          options: options.push,
          sources,
          targets: this.targets,
          leases: this.leases,
          health: this.health,
          logger: options.logger,
          holder,
          onBatch: (id: string, result: BatchResult) =>
            this.#context.events.emit('delivery', { sourceId: id, status: result.status, delivered: result.delivered, cursor: result.cursor }),
        },
        sourceId,
      );
      this.#workers.set(sourceId, worker);
      worker.start();
    }
    return worker;
  }
}
