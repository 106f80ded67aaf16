import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SyncEvents } from '../events.js';
import type { DeliveryLogInput, PullLogInput } from '../runs/incremental-log.js';
import type { SourcesService } from '../sources/sources-service.js';
import { DeliveryLatency } from './delivery-latency.js';

/** `center.metrics`: Prometheus text of this center's own registry (the host's default registry is never touched). */
export interface MetricsApi {
  /** The Content-Type a scrape answer needs. */
  readonly contentType: string;
  /** The exposition text, with the gauges read from the database at this moment. */
  text(): Promise<string>;
  /** The registry itself, to merge with the host's (`Registry.merge`) or read programmatically. */
  readonly registry: Registry;
}

export interface CenterMetricsDeps {
  events: SyncEvents;
  sources: Pick<SourcesService, 'list'>;
  /** Changes committed after a push source's cursor, read on each scrape. */
  backlog: (sourceId: string) => Promise<number>;
}

/**
 * The center's metrics. Counters and histograms follow what happens (log writes, events); the
 * gauges (backlog, quarantined sources) are read on each scrape, so several instances report
 * the same database truth.
 */
export class CenterMetrics implements MetricsApi {
  readonly registry = new Registry();
  readonly #deliveries = new Counter({ name: 'scim_sync_deliveries_total', help: 'Push delivery attempts, by source and result.', labelNames: ['source', 'result'], registers: [this.registry] });
  readonly #pulls = new Counter({ name: 'scim_sync_pull_requests_total', help: 'SCIM requests served to pull sources, by source and HTTP status.', labelNames: ['source', 'status'], registers: [this.registry] });
  readonly #latency = new Histogram({
    name: 'scim_sync_delivery_latency_seconds',
    help: 'From a change committed (by this instance) to its delivery by a push source.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly #runs = new Histogram({
    name: 'scim_sync_run_duration_seconds',
    help: 'Manual and scheduled runs, by mode and final status.',
    labelNames: ['mode', 'status'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly #tracker = new DeliveryLatency((seconds) => this.#latency.observe(seconds));
  readonly contentType = this.registry.contentType;

  constructor(private readonly deps: CenterMetricsDeps) {
    const { events, sources, backlog } = deps;
    events.on('changes', (applied) => {
      for (const change of applied) this.#tracker.committed(change.seq);
    });
    events.on('run', (event) => this.#runs.observe({ mode: event.mode, status: event.status }, event.durationMs / 1000));
    new Gauge({
      name: 'scim_sync_backlog_changes',
      help: 'Changes committed after an enabled push source\u2019s cursor.',
      labelNames: ['source'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const source of await sources.list()) {
          if (source.mode === 'push' && source.enabled) this.set({ source: source.id }, await backlog(source.id));
        }
      },
    });
    new Gauge({
      name: 'scim_sync_quarantined_sources',
      help: 'Sources quarantined after repeated failures.',
      registers: [this.registry],
      async collect() {
        this.set((await sources.list()).filter((source) => source.quarantine).length);
      },
    });
  }

  /** Called by the incremental log once its rows are written. */
  deliveriesRecorded(entries: readonly DeliveryLogInput[]): void {
    for (const entry of entries) {
      this.#deliveries.inc({ source: entry.sourceId, result: entry.result });
      if (entry.result === 'succeeded' && typeof entry.changeSeq === 'number') this.#tracker.delivered(entry.changeSeq);
    }
  }

  pullsRecorded(entries: readonly PullLogInput[]): void {
    for (const entry of entries) this.#pulls.inc({ source: entry.sourceId, status: String(entry.status) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
