import { EventEmitter } from 'node:events';
import type { AppliedChange } from './mirror/change-writer.js';

/** What happened inside one center; the workers listen so that they react at once, not at the next poll. */
export interface SyncEventMap {
  /** Changes committed to the mirror (by hooks or reconcile). */
  changes: [applied: AppliedChange[]];
  /** A source was created, edited, enabled, disabled, resumed or deleted. */
  source: [event: { id: string; action: string }];
  /** A push delivery batch ended: `status` is idle, progress, retry, stop or held. */
  delivery: [event: { sourceId: string; status: string; delivered: number; cursor: number }];
}

/** One emitter per center: two centers in a process never hear each other. */
export class SyncEvents extends EventEmitter<SyncEventMap> {}
