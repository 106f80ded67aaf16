import { EventEmitter } from 'node:events';
import type { AppliedChange } from './mirror/change-writer.js';
import type { BatchResult } from './push/delivery/batch-delivery.js';
import type { FinishedRunStatus } from './runs/run-store.js';
import type { Alert } from './alerts/alert.js';

/** What happened to a source: its lifecycle (sources service), its health, its deletion holds. */
export type SourceAction =
  | 'created'
  | 'updated'
  | 'enabled'
  | 'disabled'
  | 'resumed'
  | 'deleted'
  | 'credentials'
  | 'quarantined'
  | 'quarantine_lifted'
  | 'deletions_held'
  | 'deletions_confirmed'
  | 'deletions_cancelled';

export interface SourceEvent {
  id: string;
  action: SourceAction;
  /** Who did it, where an admin or the host did (a resume). */
  actor?: string;
}

export interface DeliveryEvent {
  sourceId: string;
  status: BatchResult['status'];
  delivered: number;
  cursor: number;
}

/** A full run ended (not a pause: a paused run goes on after Confirm). */
export interface RunEvent {
  runId: number;
  sourceId: string;
  mode: 'push' | 'pull';
  status: FinishedRunStatus;
  /** How long the run's executor took in this process. */
  durationMs: number;
}

/** A run stopped before its deletions, waiting for an admin's Confirm (the deletion threshold). */
export interface RunPausedEvent {
  runId: number;
  sourceId: string;
  /** Why, as the run stores it (a stored engine message, or plain text). */
  reason: string | null;
}

/** What happened inside one center; the workers listen so that they react at once, not at the next poll. */
export interface SyncEventMap {
  /** Changes committed to the mirror (by hooks or reconcile). */
  changes: [applied: AppliedChange[]];
  source: [event: SourceEvent];
  /** A push delivery batch ended: `status` is idle, progress, retry, stop or held. */
  delivery: [event: DeliveryEvent];
  run: [event: RunEvent];
  run_paused: [event: RunPausedEvent];
  /** Something an operator should know or act on (lib/alerts): also passed to the host's `alerts.notify`. */
  alert: [alert: Alert];
}

/** One emitter per center: two centers in a process never hear each other. */
export class SyncEvents extends EventEmitter<SyncEventMap> {}
