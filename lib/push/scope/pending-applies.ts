import { StateConflictError } from '../../errors.js';
import type { SyncEvents } from '../../events.js';
import type { Logger } from '../../options.js';
import type { ManualSyncs } from '../../runs/manual-sync.js';
import type { Run } from '../../runs/run-store.js';
import type { SourcesService } from '../../sources/sources-service.js';

/** Who starts the run that applies a saved scope or mappings change (the audit log and the run list show it). */
export const APPLY_ACTOR = 'scim-sync-center (settings change)';

/**
 * "A scope change is a change": saving a new `scope` or `userMappings` marks the source
 * (`apply_pending_at`, in the update's transaction), and this starts a `trustLinks` run for it as
 * soon as it can: at once when the source is enabled and idle, else when it is enabled, its
 * current run ends or a center starts. The run reads everything in scope, skips each object whose body is
 * unchanged (the link's hash), creates what entered, updates what changed and deprovisions what
 * left (by the policy, within the deletion threshold). One place for both settings keys.
 */
export class PendingApplies {
  readonly #listeners: Array<() => void> = [];

  constructor(
    private readonly deps: {
      sources: SourcesService;
      manualSyncs: ManualSyncs;
      events: SyncEvents;
      logger: Logger;
    },
  ) {}

  /** Listens for the moments a pending apply may start: an update, an enable, a resume, the end of a run. */
  listen(): this {
    const onSource = (event: { id: string; action: string }) => {
      if (event.action === 'updated' || event.action === 'enabled' || event.action === 'resumed') this.#later(event.id);
    };
    const onRun = (event: { sourceId: string; mode: string }) => {
      if (event.mode === 'push') this.#later(event.sourceId);
    };
    this.deps.events.on('source', onSource);
    this.deps.events.on('run', onRun);
    this.#listeners.push(() => this.deps.events.off('source', onSource), () => this.deps.events.off('run', onRun));
    return this;
  }

  close(): void {
    for (const stop of this.#listeners.splice(0)) stop();
  }

  /** At start: a change saved before a restart (or while no instance ran) is applied too. */
  async applyAll(): Promise<void> {
    for (const source of await this.deps.sources.list()) if (source.mode === 'push' && source.enabled) this.#later(source.id);
  }

  /** Starts the apply run now if one waits and can start; the run, or undefined. */
  async apply(sourceId: string): Promise<Run | undefined> {
    const since = await this.deps.sources.applyPendingSince(sourceId);
    if (!since) return undefined;
    const source = await this.deps.sources.find(sourceId);
    if (!source || source.mode !== 'push' || !source.enabled) return undefined;
    let run: Run;
    try {
      run = await this.deps.manualSyncs.start(sourceId, { actor: APPLY_ACTOR, options: { trustLinks: true } });
    } catch (error) {
      // Another run of the source is unfinished: this one starts when it ends.
      if (error instanceof StateConflictError) return undefined;
      throw error;
    }
    await this.deps.sources.clearApplyPending(sourceId, since);
    return run;
  }

  #later(sourceId: string): void {
    this.apply(sourceId).catch((error: unknown) => this.deps.logger.error(`scim-sync-center: could not apply the settings change of source ${sourceId}`, error));
  }
}
