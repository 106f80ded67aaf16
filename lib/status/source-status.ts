import type { Run } from '../runs/run-store.js';
import type { SourceHours } from '../runs/source-hours.js';
import { hourOf } from '../runs/source-hours.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { Source, SourceMode } from '../sources/source-types.js';
import type { RunProgress, RunProgressMeter } from './run-progress.js';
import { BACKLOG_CAP, type ActiveRunSummary, type RunSummary, type StatusQueries } from './status-queries.js';

/** The answer to "is it healthy?", worst first. */
export type HealthState = 'quarantined' | 'attention' | 'healthy' | 'disabled';
export const HEALTH_STATES: readonly HealthState[] = ['quarantined', 'attention', 'healthy', 'disabled'];

/** Why an enabled source needs a look. */
export type AttentionReason = 'last_run_failed' | 'last_run_partial' | 'recent_failures' | 'deletion_hold' | 'run_paused' | 'never_synced';

export interface SourceSummary {
  source: Source;
  state: HealthState;
  reasons: AttentionReason[];
  /** The unfinished run, if any (a dry run included). */
  activeRun: ActiveRunSummary | null;
  /** The newest finished run that was not a dry run, whatever its result. */
  lastRun: RunSummary | null;
  /** The newest full sync that reached its end (succeeded, possibly with failures). Dry runs never count. */
  lastFullSync: RunSummary | null;
  /** Push: the last incremental delivery that went through; pull: the last SCIM request answered without error. */
  lastDelivery: string | null;
  /**
   * Push only: changes in the mirror's feed after the source's cursor (counted up to
   * `BACKLOG_CAP`; `capped` says there are more) and objects waiting for a retry of their own.
   */
  backlog: { changes: number; capped: boolean; retries: number } | null;
  /** Push only: users and orgs linked on the downstream. */
  linked: { users: number; orgs: number } | null;
  /** Failed delivery attempts (push) or error answers (pull) in the last 24 hourly buckets (the current one included), and full syncs that failed in the last 24 hours. */
  failures24h: { deliveries: number; runs: number };
  /** Push: when the periodic full reconcile fires next (null: none, or the center is not started here). */
  nextRun: string | null;
}

export interface StatusFilter {
  /** Matched, ignoring case, against name and description. */
  q?: string;
  mode?: SourceMode;
  state?: HealthState;
}

/** One source's traffic per hour, oldest first, and its full syncs in that time. */
export interface SourceHistory {
  /** The first hour shown (`YYYY-MM-DDTHH`, UTC); `hours` has one entry per hour from there to now. */
  from: string;
  hours: Array<{ hour: string; delivered: number; failed: number }>;
  runs: Array<{ id: number; kind: string; status: string; finishedAt: string }>;
}

/** `center.status`: what the console's list and source pages show, for a host's own dashboards too. */
export interface StatusApi {
  /** Every source's status, filtered; in the order of `sources.list()`. */
  list(filter?: StatusFilter): Promise<SourceSummary[]>;
  /** One source's status; NotFoundError when there is none. */
  source(id: string): Promise<SourceSummary>;
  /** Deliveries and failures per hour over the last `days` (default 7, at most the log retention), and the full syncs. */
  history(id: string, options?: { days?: number }): Promise<SourceHistory>;
  /** A run's phase, percentage, rate and time left; undefined when there is no such run. */
  progress(runId: number): Promise<RunProgress | undefined>;
}

export interface StatusDeps {
  sources: Pick<SourcesService, 'list' | 'get'>;
  queries: StatusQueries;
  hours: SourceHours;
  meter: RunProgressMeter;
  getRun(runId: number): Promise<Run | undefined>;
  /** Whether a push source's incremental deletions wait for an admin. */
  held(sourceId: string): Promise<boolean>;
  nextReconcile(sourceId: string): Date | null;
  clock: () => Date;
}

const HOUR_MS = 3_600_000;

export function createStatusApi(deps: StatusDeps): StatusApi {
  const summarize = async (sources: Source[]): Promise<SourceSummary[]> => {
    const ids = sources.map((source) => source.id);
    const pushIds = sources.filter((source) => source.mode === 'push').map((source) => source.id);
    const now = deps.clock().getTime();
    const dayAgo = new Date(now - 24 * HOUR_MS).toISOString();
    const [active, lastRuns, fullSyncs, failedRuns, failures, delivered, linked, retries, backlogs] = await Promise.all([
      deps.queries.activeRuns(ids),
      deps.queries.lastRuns(ids),
      deps.queries.lastFullSyncs(ids),
      deps.queries.failedRunsSince(ids, dayAgo),
      // The 24 hourly buckets up to now, the current one included.
      deps.hours.failuresSince(ids, hourOf(new Date(now - 23 * HOUR_MS).toISOString())),
      deps.hours.lastDelivered(ids),
      deps.queries.linkedCounts(pushIds),
      deps.queries.retryCounts(pushIds),
      deps.queries.backlogs(pushIds),
    ]);
    const held = new Set<string>();
    for (const id of pushIds) if (await deps.held(id)) held.add(id);
    return sources.map((source) => {
      const push = source.mode === 'push';
      const backlog = backlogs.get(source.id) ?? 0;
      const next = push ? deps.nextReconcile(source.id) : null;
      const status: Omit<SourceSummary, 'state' | 'reasons'> = {
        source,
        activeRun: active.get(source.id) ?? null,
        lastRun: lastRuns.get(source.id) ?? null,
        lastFullSync: fullSyncs.get(source.id) ?? null,
        lastDelivery: delivered.get(source.id) ?? null,
        backlog: push ? { changes: Math.min(backlog, BACKLOG_CAP), capped: backlog > BACKLOG_CAP, retries: retries.get(source.id) ?? 0 } : null,
        linked: push ? (linked.get(source.id) ?? { users: 0, orgs: 0 }) : null,
        failures24h: { deliveries: failures.get(source.id) ?? 0, runs: failedRuns.get(source.id) ?? 0 },
        nextRun: next ? next.toISOString() : null,
      };
      const reasons = attentionReasons(status, held.has(source.id));
      return { ...status, reasons, state: verdict(source, reasons) };
    });
  };

  return {
    async list(filter = {}) {
      const query = filter.q?.trim().toLowerCase() ?? '';
      const sources = (await deps.sources.list()).filter(
        (source) => (!filter.mode || source.mode === filter.mode) && (!query || source.name.toLowerCase().includes(query) || source.description.toLowerCase().includes(query)),
      );
      const statuses = await summarize(sources);
      return filter.state ? statuses.filter((status) => status.state === filter.state) : statuses;
    },
    async source(id) {
      const [status] = await summarize([await deps.sources.get(id)]);
      return status!;
    },
    async history(id, options = {}) {
      const source = await deps.sources.get(id);
      const days = Math.max(1, Math.min(31, Math.floor(options.days ?? 7)));
      const now = deps.clock().getTime();
      const first = Math.floor(now / HOUR_MS) * HOUR_MS - (days * 24 - 1) * HOUR_MS;
      const from = hourOf(new Date(first).toISOString());
      const stored = new Map((await deps.hours.since([source.id], from)).map((hour) => [hour.hour, hour]));
      const hours: SourceHistory['hours'] = [];
      for (let at = first; at <= now; at += HOUR_MS) {
        const hour = hourOf(new Date(at).toISOString());
        hours.push({ hour, delivered: stored.get(hour)?.delivered ?? 0, failed: stored.get(hour)?.failed ?? 0 });
      }
      const runs = await deps.queries.runsFinishedSince(source.id, `${from}:00:00.000Z`);
      return { from, hours, runs };
    },
    async progress(runId) {
      const run = await deps.getRun(runId);
      if (!run) return undefined;
      const source = await deps.sources.get(run.sourceId);
      return deps.meter.measure(run, await deps.queries.runPhase(run.id), source.mode);
    },
  };
}

function attentionReasons(status: Omit<SourceSummary, 'state' | 'reasons'>, held: boolean): AttentionReason[] {
  const reasons: AttentionReason[] = [];
  if (held) reasons.push('deletion_hold');
  if (status.activeRun?.status === 'paused') reasons.push('run_paused');
  if (status.lastRun?.status === 'failed') reasons.push('last_run_failed');
  if (status.lastRun?.status === 'succeeded_with_failures') reasons.push('last_run_partial');
  if (status.failures24h.deliveries > 0 || status.failures24h.runs > 0) reasons.push('recent_failures');
  if (!status.lastFullSync && !status.lastDelivery && !status.activeRun) reasons.push('never_synced');
  return reasons;
}

function verdict(source: Source, reasons: readonly AttentionReason[]): HealthState {
  if (source.status === 'quarantined') return 'quarantined';
  if (!source.enabled) return 'disabled';
  return reasons.length > 0 ? 'attention' : 'healthy';
}
