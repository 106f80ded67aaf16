import type { Run } from '../runs/run-store.js';

/**
 * Where a run is. Push runs: `orgs`, `users`, `managers` (users sent again with their manager),
 * `deletes`; pull refreshes: `directory` (re-reading the host directory). `queued` before it
 * starts, `paused` while it waits for an admin, `finished` after.
 */
export type RunPhase = 'queued' | 'orgs' | 'users' | 'managers' | 'deletes' | 'directory' | 'paused' | 'finished';

/** A run's live progress, as the manual sync page and its JSON show it. */
export interface RunProgress {
  runId: number;
  status: Run['status'];
  active: boolean;
  phase: RunPhase;
  processed: number;
  total: number;
  /** processed / total, 0–100, whole; null before the total is known. Held at 99 while the run is still active. */
  percent: number | null;
  /** Objects per second over the last minute (or since the start, until a minute has been watched); null when unknown. */
  ratePerSecond: number | null;
  /** Seconds left at that rate, while the run still works through its total; null otherwise. */
  etaSeconds: number | null;
}

const WINDOW_MS = 60_000;
/** A rate over less than this says little: the average since the start is used instead. */
const MIN_SPAN_MS = 5_000;
const MAX_TRACKED_RUNS = 200;

/**
 * Turns run rows into progress. The rate is measured over a recent window from the samples
 * each look at a run leaves (the page's polls, from any instance's console), so it follows a
 * downstream that slows down; with too little history it is the average since the run started.
 * Samples live in memory, per center, bounded.
 */
export class RunProgressMeter {
  readonly #samples = new Map<number, Array<{ at: number; processed: number }>>();

  constructor(private readonly clock: () => Date) {}

  measure(run: Run, phase: string | null, mode: 'push' | 'pull'): RunProgress {
    const active = run.status === 'queued' || run.status === 'running' || run.status === 'paused';
    const now = this.clock().getTime();
    const resolved = phaseOf(run, phase, mode);
    const percent = run.total > 0 ? Math.min(active ? 99 : 100, Math.floor((run.processed / run.total) * 100)) : active ? null : 100;
    if (!active) {
      this.#samples.delete(run.id);
      return { runId: run.id, status: run.status, active, phase: resolved, processed: run.processed, total: run.total, percent, ratePerSecond: null, etaSeconds: null };
    }
    const rate = this.#rate(run, now);
    const counting = resolved === 'orgs' || resolved === 'users' || resolved === 'directory';
    const left = run.total - run.processed;
    const etaSeconds = counting && rate && rate > 0 && left > 0 ? Math.ceil(left / rate) : null;
    return { runId: run.id, status: run.status, active, phase: resolved, processed: run.processed, total: run.total, percent, ratePerSecond: rate, etaSeconds };
  }

  #rate(run: Run, now: number): number | null {
    let samples = this.#samples.get(run.id);
    if (!samples) {
      if (this.#samples.size >= MAX_TRACKED_RUNS) this.#samples.delete(this.#samples.keys().next().value!);
      this.#samples.set(run.id, (samples = []));
    }
    samples.push({ at: now, processed: run.processed });
    while (samples.length > 2 && samples[1]!.at <= now - WINDOW_MS) samples.shift();
    const first = samples[0]!;
    const span = now - first.at;
    if (span >= MIN_SPAN_MS) return round((run.processed - first.processed) / (span / 1000));
    const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
    if (Number.isNaN(started) || now - started < 1000 || run.processed === 0) return null;
    return round(run.processed / ((now - started) / 1000));
  }
}

function phaseOf(run: Run, phase: string | null, mode: 'push' | 'pull'): RunPhase {
  if (run.status === 'queued') return 'queued';
  if (run.status === 'paused') return 'paused';
  if (run.status !== 'running') return 'finished';
  if (mode === 'pull') return 'directory';
  // A push run saves its checkpoint from the end of the org phase on; before that it is in it.
  return phase === 'users' || phase === 'managers' || phase === 'deletes' ? phase : phase === 'done' ? 'deletes' : 'orgs';
}

function round(rate: number): number {
  return Math.round(rate * 10) / 10;
}
