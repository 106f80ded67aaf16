import type { CenterContext } from '../context.js';
import { NotFoundError, StateConflictError, ValidationError } from '../errors.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import { nameOf } from '../mirror/mirror-record.js';
import { TABLES } from '../persistence/tables.js';
import type { Run } from '../runs/run-store.js';
import { validatePush } from '../sources/source-validation.js';
import type { ActorOption, Source } from '../sources/source-types.js';
import type { DeletionHold } from './deletion-hold.js';
import type { WorkerStatus } from './delivery/delivery-worker.js';
import type { LinkFilter, PushLink } from './links-store.js';
import type { PushEngine } from './push-engine.js';
import { settingsOf } from './push-targets.js';
import { testConnection, type ConnectionTestInput, type ConnectionTestResult } from './test-connection.js';

/** The state of one push source's incremental delivery. */
export interface PushStatus {
  sourceId: string;
  /** The last change delivered (or permanently rejected). */
  cursor: number;
  /** Changes committed after the cursor. */
  pending: number;
  /** What this instance's worker is doing; null when it runs on another instance or the source is off. */
  worker: WorkerStatus | null;
  hold: DeletionHold | null;
  quarantine: Source['quarantine'];
  failureStreak: number;
}

/** `center.push`: links, connection test, delivery status and the admin decisions push asks for. */
export interface PushApi {
  /** Local id → remote id links of a source, filtered and paged. */
  links(sourceId: string, filter?: LinkFilter): Promise<{ links: PushLink[]; total: number }>;
  /** One link, or undefined when the object has none. */
  link(sourceId: string, kind: ObjectKind, localId: string): Promise<PushLink | undefined>;
  /** Forgets a link: the next sync creates the object again (or adopts it on 409). */
  unlink(sourceId: string, kind: ObjectKind, localId: string, options?: ActorOption): Promise<void>;
  /** Links a local object to a remote id chosen by hand; the next sync updates that object. */
  relink(sourceId: string, kind: ObjectKind, localId: string, remoteId: string, options?: ActorOption): Promise<PushLink>;
  /**
   * Checks auth, ServiceProviderConfig, Users and the Org URL: a pass/fail per step. With a source
   * id and `edited` settings (an edit form not saved yet), those are merged over the saved
   * source's and a blank secret uses the stored one, exactly as saving them would.
   */
  testConnection(sourceIdOrSettings: string | ConnectionTestInput, edited?: ConnectionTestInput): Promise<ConnectionTestResult>;
  status(sourceId: string): Promise<PushStatus>;
  /** Only the incremental deletion hold, if any: one read, cheap enough for every console page. */
  hold(sourceId: string): Promise<DeletionHold | null>;
  /** Lets held incremental deletions go through. */
  confirmDeletions(sourceId: string, options?: ActorOption): Promise<void>;
  /** Leaves held incremental deletions undone on the downstream; delivery goes on. */
  cancelDeletions(sourceId: string, options?: ActorOption): Promise<void>;
  /** Resumes a run paused by the deletion threshold, deletions allowed. */
  confirmRun(runId: number, options?: ActorOption): Promise<Run>;
  /** Ends a paused run without its deletions. */
  cancelRun(runId: number, options?: ActorOption): Promise<Run>;
  /** Resolves once this instance has delivered everything committed so far to the source (tests, scripts). */
  drained(sourceId: string, timeoutMs?: number): Promise<void>;
}

export function createPushApi(context: CenterContext, engine: PushEngine): PushApi {
  const { knex, sources, audit, events, manualSyncs, runStore } = context;
  const requirePush = async (sourceId: string): Promise<Source> => {
    const source = await sources.get(sourceId);
    if (source.mode !== 'push') throw new StateConflictError('not_push', 'only push sources have links and deliveries');
    return source;
  };
  const checkKind = (kind: ObjectKind) => {
    if (kind !== 'user' && kind !== 'org') throw ValidationError.single('kind', 'invalid_choice', 'kind must be user or org');
  };
  const status = async (sourceId: string): Promise<PushStatus> => {
    const source = await requirePush(sourceId);
    const cursorRow = await knex(TABLES.cursors).where({ source_id: sourceId }).first('seq');
    const cursor = Number(cursorRow?.seq ?? 0);
    const [pendingRow] = await knex(TABLES.changes).where('seq', '>', cursor).count({ n: '*' });
    const row = await knex(TABLES.sources).where({ id: sourceId }).first('failure_streak');
    return {
      sourceId,
      cursor,
      pending: Number(pendingRow?.n ?? 0),
      worker: engine.status(sourceId),
      hold: (await engine.holds.state(sourceId)).hold,
      quarantine: source.quarantine,
      failureStreak: Number(row?.failure_streak ?? 0),
    };
  };
  const pausedRun = async (runId: number): Promise<Run> => {
    const run = await runStore.get(runId);
    if (!run) throw new NotFoundError('run', String(runId));
    if (run.status !== 'paused') throw new StateConflictError('run_not_paused', 'only a paused run can be confirmed or cancelled');
    return run;
  };

  return {
    async links(sourceId, filter) {
      await requirePush(sourceId);
      return engine.links.list(sourceId, filter);
    },
    async link(sourceId, kind, localId) {
      await requirePush(sourceId);
      checkKind(kind);
      return engine.links.get(sourceId, kind, localId);
    },
    async unlink(sourceId, kind, localId, options = {}) {
      await requirePush(sourceId);
      checkKind(kind);
      await engine.links.unlink(sourceId, kind, localId);
      await audit.record({ actor: options.actor ?? 'api', action: 'push.unlink', sourceId, detail: { kind, localId } });
    },
    async relink(sourceId, kind, localId, remoteId, options = {}) {
      await requirePush(sourceId);
      checkKind(kind);
      const object = kind === 'user' ? await context.mirror.getUser(localId) : await context.mirror.getOrg(localId);
      if (!object) throw new NotFoundError(kind, localId);
      const link = await engine.links.relink(sourceId, kind, localId, remoteId, nameOf(object));
      await audit.record({ actor: options.actor ?? 'api', action: 'push.relink', sourceId, detail: { kind, localId, remoteId: link.remoteId } });
      return link;
    },
    async testConnection(sourceIdOrSettings, edited) {
      if (typeof sourceIdOrSettings === 'string' && edited) {
        const source = await requirePush(sourceIdOrSettings);
        const stored = { token: source.push!.hasToken, clientSecret: source.push!.hasClientSecret };
        const { settings, secrets } = validatePush(edited, settingsOf(source), stored, context.options.allowHttpPush);
        const client = engine.targets.standalone(settings, { ...(await sources.pushSecrets(source.id)), ...secrets });
        try {
          return await testConnection(client, settings);
        } finally {
          await client.close();
        }
      }
      if (typeof sourceIdOrSettings === 'string') {
        const source = await requirePush(sourceIdOrSettings);
        const client = engine.targets.standalone(settingsOf(source), await sources.pushSecrets(source.id));
        try {
          return await testConnection(client, settingsOf(source));
        } finally {
          await client.close();
        }
      }
      const { settings, secrets } = validatePush(sourceIdOrSettings, null, { token: false, clientSecret: false }, context.options.allowHttpPush);
      const client = engine.targets.standalone(settings, secrets);
      try {
        return await testConnection(client, settings);
      } finally {
        await client.close();
      }
    },
    status,
    async hold(sourceId) {
      await requirePush(sourceId);
      return (await engine.holds.state(sourceId)).hold;
    },
    async confirmDeletions(sourceId, options = {}) {
      await requirePush(sourceId);
      await engine.holds.confirm(sourceId, options.actor ?? 'api');
    },
    async cancelDeletions(sourceId, options = {}) {
      await requirePush(sourceId);
      await engine.holds.cancel(sourceId, options.actor ?? 'api');
    },
    async confirmRun(runId, options = {}) {
      const run = await pausedRun(runId);
      const resumed = await manualSyncs.resume(runId, { mergeOptions: { confirmedDeletes: true } });
      if (!resumed) throw new StateConflictError('run_not_paused', 'the run is no longer paused');
      await audit.record({ actor: options.actor ?? 'api', action: 'run.confirm_deletions', sourceId: run.sourceId, detail: { runId } });
      return resumed;
    },
    async cancelRun(runId, options = {}) {
      const run = await pausedRun(runId);
      await knex(TABLES.runs).where({ id: runId, status: 'paused' }).update({ status: 'cancelled', finished_at: new Date().toISOString(), cancel_requested: true });
      await audit.record({ actor: options.actor ?? 'api', action: 'run.cancel_deletions', sourceId: run.sourceId, detail: { runId } });
      return (await runStore.get(runId))!;
    },
    async drained(sourceId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await status(sourceId);
        if (current.pending === 0 && current.worker?.state !== 'delivering') return;
        if (Date.now() > deadline) throw new StateConflictError('not_drained', `source ${sourceId} still has ${current.pending} changes to deliver`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 200);
          function done() {
            clearTimeout(timer);
            events.off('delivery', done);
            resolve();
          }
          events.on('delivery', done);
        });
      }
    },
  };
}
