import type { RunEvent, RunPausedEvent, SourceEvent, SyncEvents } from '../events.js';
import { callHost } from '../hooks/call-host.js';
import type { Awaitable } from '../hooks/types.js';
import { engineMessage } from '../i18n/engine-message.js';
import type { Logger } from '../options.js';
import type { Run } from '../runs/run-store.js';
import type { Source } from '../sources/source-types.js';
import type { Alert } from './alert.js';
import { asParam, buildAlert, quarantineFix, sourcePath, type AlertInput } from './alert-builder.js';
import type { AlertEpisodes } from './alert-episodes.js';

/** How long and how much a push source has waiting. */
export interface Backlog {
  /** When the oldest change the source's cursor has not passed was committed; undefined when none waits. */
  oldestAt: string | undefined;
  count: number;
}

export interface AlertCenterDeps {
  events: SyncEvents;
  sources: { find(id: string): Promise<Source | undefined>; list(): Promise<Source[]> };
  runs: { get(id: number): Promise<Run | undefined> };
  holds: { hold(sourceId: string): Promise<{ reason: string } | null> };
  backlog(sourceId: string): Promise<Backlog>;
  episodes: AlertEpisodes;
  /** The host's `alerts.notify`. */
  notify: ((alert: Alert) => Awaitable<void>) | undefined;
  /** A push source whose oldest waiting change is older than this alerts (`alerts.backlogAgeMs`). */
  backlogAgeMs: number;
  publicUrl: string | undefined;
  logger: Logger;
  clock: () => Date;
}

const LOG_LEVEL = { critical: 'error', warning: 'warn', info: 'info' } as const;

/**
 * Turns what happens in the center into alerts: a typed `'alert'` event on `center.events`, one
 * server log line, and a call of the host's `alerts.notify(alert)`. A throwing or slow hook never
 * touches delivery: alerts are sent after the fact, off the path of the change that caused them.
 *
 * Once per event, across instances: quarantine, resume, holds and runs are alerted by the
 * instance that made the change (the one holding the source's lease, or the one whose
 * transaction set the quarantine); a quarantine and a stale backlog are episodes
 * (`AlertEpisodes`), alerted when they begin, not again until they have ended.
 */
export class AlertCenter {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #onSource = (event: SourceEvent) => this.#track(this.#sourceEvent(event));
  readonly #onRun = (event: RunEvent) => this.#track(this.#runEvent(event));
  readonly #onPaused = (event: RunPausedEvent) => this.#track(this.#runPaused(event));

  constructor(private readonly deps: AlertCenterDeps) {
    deps.events.on('source', this.#onSource);
    deps.events.on('run', this.#onRun);
    deps.events.on('run_paused', this.#onPaused);
  }

  /**
   * Checks every enabled push source's backlog against `alerts.backlogAgeMs` (the scheduler
   * calls this on its timer): alerts for those whose stale episode began now, and ends the
   * episodes of those that caught up. Returns the alerts sent.
   */
  async checkBacklogs(): Promise<Alert[]> {
    const sent: Alert[] = [];
    const now = this.deps.clock().getTime();
    for (const source of await this.deps.sources.list()) {
      // A quarantine lifted without its event reaching us (an instance stopped in between) ends here, silently.
      if (!source.quarantine) await this.deps.episodes.close(source.id, 'quarantined');
      const backlog = source.mode === 'push' && source.enabled ? await this.deps.backlog(source.id) : { oldestAt: undefined, count: 0 };
      const ageMs = backlog.oldestAt ? now - Date.parse(backlog.oldestAt) : 0;
      if (ageMs <= this.deps.backlogAgeMs) {
        await this.deps.episodes.close(source.id, 'backlog');
        continue;
      }
      if (!(await this.deps.episodes.open(source.id, 'backlog'))) continue;
      const minutes = Math.floor(ageMs / 60_000);
      const alert = await this.#send({
        kind: 'backlog_stale',
        severity: 'warning',
        source,
        message: engineMessage('engine.alert.backlog', { source: source.name, minutes, count: backlog.count }),
        action: engineMessage('engine.alert.action.backlog'),
        path: sourcePath(source.id, '/log'),
      });
      sent.push(alert);
    }
    return sent;
  }

  /** Waits for the alerts under way (close() calls it before the pool goes). */
  async close(): Promise<void> {
    this.deps.events.off('source', this.#onSource);
    this.deps.events.off('run', this.#onRun);
    this.deps.events.off('run_paused', this.#onPaused);
    await Promise.allSettled([...this.#inFlight]);
  }

  async #sourceEvent(event: SourceEvent): Promise<void> {
    if (event.action === 'quarantined') {
      const source = await this.deps.sources.find(event.id);
      if (!source?.quarantine || !(await this.deps.episodes.open(source.id, 'quarantined'))) return;
      const fix = quarantineFix(source.quarantine.reason);
      await this.#send({
        kind: 'source_quarantined',
        severity: 'critical',
        source,
        message: engineMessage('engine.alert.quarantined', { source: source.name, reason: asParam(source.quarantine.reason, 'engine.alert.unknownError') }),
        action: fix.action,
        path: sourcePath(source.id, fix.anchor),
      });
    } else if (event.action === 'resumed' || event.action === 'quarantine_lifted') {
      // Only the end of a quarantine that was alerted is news (an admin may press Resume on a healthy source).
      if (!(await this.deps.episodes.close(event.id, 'quarantined'))) return;
      const source = await this.deps.sources.find(event.id);
      if (!source) return;
      const message =
        event.action === 'resumed'
          ? engineMessage('engine.alert.resumed.admin', { source: source.name, actor: event.actor ?? 'admin' })
          : engineMessage('engine.alert.resumed.delivered', { source: source.name });
      await this.#send({ kind: 'source_resumed', severity: 'info', source, message, action: engineMessage('engine.alert.action.none'), path: sourcePath(source.id) });
    } else if (event.action === 'deletions_held') {
      const [source, hold] = await Promise.all([this.deps.sources.find(event.id), this.deps.holds.hold(event.id)]);
      if (!source || !hold) return;
      await this.#send({
        kind: 'deletions_held',
        severity: 'warning',
        source,
        message: engineMessage('engine.alert.deletionsHeld', { source: source.name, reason: asParam(hold.reason, 'engine.alert.unknownError') }),
        action: engineMessage('engine.alert.action.deletions'),
        path: sourcePath(source.id),
      });
    }
  }

  async #runPaused(event: RunPausedEvent): Promise<void> {
    const source = await this.deps.sources.find(event.sourceId);
    if (!source) return;
    await this.#send({
      kind: 'deletions_held',
      severity: 'warning',
      source,
      runId: event.runId,
      message: engineMessage('engine.alert.runPaused', { source: source.name, runId: event.runId, reason: asParam(event.reason, 'engine.alert.unknownError') }),
      action: engineMessage('engine.alert.action.deletions'),
      path: sourcePath(source.id, '/sync'),
    });
  }

  async #runEvent(event: RunEvent): Promise<void> {
    if (event.status !== 'failed' && event.status !== 'succeeded_with_failures') return;
    const [source, run] = await Promise.all([this.deps.sources.find(event.sourceId), this.deps.runs.get(event.runId)]);
    // A dry run sends nothing: its failures are the admin's to read on the page they are on.
    if (!source || !run || run.kind === 'dry_run') return;
    const failed = event.status === 'failed';
    await this.#send({
      kind: failed ? 'run_failed' : 'run_finished_with_failures',
      severity: failed ? 'critical' : 'warning',
      source,
      runId: run.id,
      message: failed
        ? engineMessage('engine.alert.runFailed', { source: source.name, runId: run.id, error: asParam(run.error, 'engine.alert.unknownError') })
        : engineMessage('engine.alert.runFinishedWithFailures', { source: source.name, runId: run.id, failed: run.failed }),
      action: engineMessage('engine.alert.action.runLog'),
      path: sourcePath(source.id, `/runs/${run.id}`),
    });
  }

  /** The event, the log line, the hook: in that order, each on its own (a failing one does not stop the next). */
  async #send(input: AlertInput): Promise<Alert> {
    const alert = buildAlert(input, this.deps.clock(), this.deps.publicUrl);
    const { logger, notify } = this.deps;
    try {
      this.deps.events.emit('alert', alert);
    } catch (error) {
      logger.error('scim-sync-center: an alert listener failed', error);
    }
    logger[LOG_LEVEL[alert.severity]](`scim-sync-center: alert ${alert.kind} source=${alert.sourceId}: ${alert.text.en} — ${alert.actionText.en} (${alert.url ?? alert.path})`);
    if (notify) {
      try {
        await callHost('alerts.notify', () => notify(alert));
      } catch (error) {
        logger.error(`scim-sync-center: alerts.notify failed for alert ${alert.kind} of source ${alert.sourceId}`, error);
      }
    }
    return alert;
  }

  #track(work: Promise<void>): void {
    const tracked = work
      .catch((error) => this.deps.logger.error('scim-sync-center: could not send an alert', error))
      .finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }
}
