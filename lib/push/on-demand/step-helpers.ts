import { engineMessage, type EngineMessage } from '../../i18n/engine-message.js';
import type { OnDemandStep } from './on-demand-types.js';

/** The steps after one that stopped: listed, so the page shows the whole sequence. */
export function notReached(names: ReadonlyArray<OnDemandStep['name']>): OnDemandStep[] {
  return names.map((name) => skippedStep(name, 'not_reached', engineMessage('engine.onDemand.notReached')));
}

export function skippedStep(name: OnDemandStep['name'], operation: string, note: EngineMessage | null): OnDemandStep {
  return { name, status: 'skipped', operation, requests: [], changes: null, note, objects: [], durationMs: 0 };
}
