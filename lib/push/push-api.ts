import type { AuditLog } from '../audit-log.js';
import { NotFoundError, SecretBoxError, StateConflictError, ValidationError } from '../errors.js';
import type { SyncEvents } from '../events.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { ManualSyncs } from '../runs/manual-sync.js';
import type { Run, RunStore } from '../runs/run-store.js';
import type { CursorStore } from '../sources/cursor-store.js';
import { settingsOf } from '../sources/push-settings.js';
import type { SourceHealth } from '../sources/source-health.js';
import { nameOf } from '../mirror/mirror-record.js';
import { validatePush } from '../sources/source-validation.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { ActorOption, PushSecretsInput, PushSettings, Source } from '../sources/source-types.js';
import type { RetryStore } from './delivery/retry-store.js';
import type { DeletionHold, DeletionHolds } from './deletion-hold.js';
import type { CancelledDeletion, HeldDeletions, Page, PlannedDeletion } from './held-deletions.js';
import type { WorkerStatus } from './delivery/delivery-worker.js';
import type { LinkFilter, LinkStore, PushLink } from './links-store.js';
import type { TargetFactory } from './push-targets.js';
import { isAddressRefusal } from '../util/address-guard.js';
import { StopSyncError } from './client/errors.js';
import type { ScimClient } from './client/scim-client.js';
import type { OnDemandApi } from './on-demand/on-demand-api.js';
import type { PreviewScope } from './scope/scope-api.js';
import { fromConnectorTest, outcomeOf, refusedUpFront, testConnection, type ConnectionTestInput, type ConnectionTestResult } from './test-connection.js';
import { validateLdapPush } from '../sources/ldap-push-validation.js';
import type { LdapTools, LdapTreeResult } from './ldap-tools.js';
import { engineMessage } from '../i18n/engine-message.js';

/** The state of one push source's incremental delivery. */
export interface PushStatus {
  sourceId: string;
  /** The last change delivered, permanently rejected, or handed to its object's own retry. */
  cursor: number;
  /** Changes committed after the cursor. */
  pending: number;
  /** Objects waiting for their own retry (`sync_push_retries`): delivery failed, or they wait for one that did. */
  retrying: number;
  /** What this instance's worker is doing; null when it runs on another instance or the source is off. */
  worker: WorkerStatus | null;
  hold: DeletionHold | null;
  quarantine: Source['quarantine'];
  failureStreak: number;
}

/** `center.push`: links, connection test, delivery status, the admin decisions push asks for, and provisioning on demand. */
export interface PushApi extends OnDemandApi {
  /**
   * What saving this scope would do, without saving it: users and orgs that would enter and
   * leave, the policy's treatment of those leaving, and whether it would pause for the deletion
   * threshold. A bad filter is a ValidationError with the RFC reason, as saving it would be.
   */
  previewScope: PreviewScope;
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
   * source's and a blank secret uses the stored one, exactly as saving them would: only with the
   * origins it was saved for. Every test is audited (`push.test_connection`: the origins tested
   * and the outcome, never a secret), refused ones included. An LDAP source (or new settings
   * with `ldap`) is tested by the LDAP connector instead: bind, base DN, write permission; its
   * bind password is kept only for the server and bind DN it was saved for.
   */
  testConnection(sourceId: string, edited?: ConnectionTestInput, options?: ActorOption): Promise<ConnectionTestResult>;
  testConnection(settings: ConnectionTestInput, options?: ActorOption): Promise<ConnectionTestResult>;
  /**
   * What an LDAP destination holds under its base DN, read now with its saved settings: the
   * entries of each kind and the first DNs in tree order. Gives up after `timeoutMs` (default
   * 5 s) with the counts so far; a failure is `{ ok: false, reason }`, never a secret.
   */
  ldapTree(sourceId: string, options?: { limit?: number; timeoutMs?: number }): Promise<LdapTreeResult>;
  status(sourceId: string): Promise<PushStatus>;
  /** Only the incremental deletion hold, if any: one read, cheap enough for every console page. */
  hold(sourceId: string): Promise<DeletionHold | null>;
  /** A page of the objects the incremental hold holds (name, ids, kind, planned operation). */
  heldDeletions(sourceId: string, page?: Page): Promise<{ items: PlannedDeletion[]; total: number }>;
  /** Deprovisionings an admin cancelled: those objects stay on the downstream until they change in the directory. */
  cancelledDeletions(sourceId: string, page?: Page): Promise<{ items: CancelledDeletion[]; total: number }>;
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

export interface PushApiDeps {
  sources: SourcesService;
  audit: AuditLog;
  events: SyncEvents;
  mirror: MirrorReader;
  cursors: CursorStore;
  health: SourceHealth;
  links: LinkStore;
  holds: DeletionHolds;
  held: HeldDeletions;
  retries: RetryStore;
  targets: TargetFactory;
  runs: RunStore;
  manualSyncs: ManualSyncs;
  /** This instance's delivery workers (the push engine). */
  workers: { status(sourceId: string): WorkerStatus | null };
  allowHttpPush: boolean;
  allowPrivatePush: boolean;
  previewScope: PreviewScope;
  /** The LDAP connector's console tools; without them LDAP sources cannot be tested or read. */
  ldap?: LdapTools;
}

const TREE_LIMIT = 10;
const TREE_TIMEOUT_MS = 5000;

export function createPushApi(deps: PushApiDeps): Omit<PushApi, keyof OnDemandApi> {
  const { sources, audit, events, mirror, cursors, health, links, holds, held, retries, targets, runs, manualSyncs, workers, allowHttpPush, allowPrivatePush } = deps;
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
    const cursor = await cursors.get(sourceId);
    return {
      sourceId,
      cursor,
      pending: await mirror.countChangesAfter(cursor),
      retrying: await retries.count(sourceId),
      worker: workers.status(sourceId),
      hold: (await holds.state(sourceId)).hold,
      quarantine: source.quarantine,
      failureStreak: await health.failureStreak(sourceId),
    };
  };
  const urlPolicy = { allowHttp: allowHttpPush, allowPrivate: allowPrivatePush };
  /** The settings and secrets a test uses: the saved ones, edits merged over them, or a new source's. */
  const settingsToTest = async (source: Source | null, edited: ConnectionTestInput | undefined) => {
    if (source && !edited) return { settings: settingsOf(source), secrets: await sources.pushSecrets(source.id) };
    if (source) {
      const stored = { token: source.push!.hasToken, clientSecret: source.push!.hasClientSecret };
      const { settings, secrets } = validatePush(edited!, settingsOf(source), stored, urlPolicy);
      return { settings, secrets: { ...(await sources.pushSecrets(source.id)), ...secrets } };
    }
    return validatePush(edited ?? {}, null, { token: false, clientSecret: false }, urlPolicy);
  };
  const runConnectionTest = async (settings: PushSettings, secrets: PushSecretsInput): Promise<ConnectionTestResult> => {
    let client: ScimClient;
    try {
      client = targets.standalone(settings, secrets);
    } catch (error) {
      // Settings saved before the address guard existed: the client refuses them up front.
      if (error instanceof StopSyncError && isAddressRefusal(error.cause)) return refusedUpFront(error);
      throw error;
    }
    try {
      return await testConnection(client, settings);
    } finally {
      await client.close();
    }
  };
  /** An LDAP destination's settings and bind password to test: saved, edited over saved, or new. */
  const ldapToTest = (source: Source | null, edited: ConnectionTestInput | undefined) => {
    if (!deps.ldap) throw ValidationError.single('protocol', 'unsupported', 'LDAP destinations are not available in this center');
    if (source && !edited) return { settings: settingsOf(source), secrets: {} };
    return validateLdapPush(edited ?? {}, source ? settingsOf(source) : null, source?.push?.hasBindPassword ?? false, deps.ldap.check, undefined);
  };
  /** A source's stored secrets; none when they cannot be opened (the center's key changed). */
  const readableSecrets = (sourceId: string): Promise<PushSecretsInput> =>
    sources.pushSecrets(sourceId).catch((error: unknown) => {
      if (error instanceof SecretBoxError) return {};
      throw error;
    });
  const runLdapTest = async (settings: PushSettings, secrets: PushSecretsInput): Promise<ConnectionTestResult> => {
    // Without a password LDAP would bind anonymously and "pass": say what is missing instead.
    if (!secrets.bindPassword) {
      const skipped = (name: string) => ({ name, ok: false, skipped: true, detail: engineMessage('engine.ldap.test.skipped') });
      return fromConnectorTest({ ok: false, checks: [{ name: 'bind', ok: false, detail: engineMessage('engine.ldap.noStoredPassword') }, skipped('baseDn'), skipped('write')] });
    }
    return fromConnectorTest(await deps.ldap!.testConnection(settings.ldap!, { bindPassword: secrets.bindPassword }));
  };
  const pausedRun = async (runId: number): Promise<Run> => {
    const run = await runs.get(runId);
    if (!run) throw new NotFoundError('run', String(runId));
    if (run.status !== 'paused') throw new StateConflictError('run_not_paused', 'only a paused run can be confirmed or cancelled');
    return run;
  };

  return {
    previewScope: deps.previewScope,
    async links(sourceId, filter) {
      await requirePush(sourceId);
      return links.list(sourceId, filter);
    },
    async link(sourceId, kind, localId) {
      await requirePush(sourceId);
      checkKind(kind);
      return links.get(sourceId, kind, localId);
    },
    async unlink(sourceId, kind, localId, options = {}) {
      await requirePush(sourceId);
      checkKind(kind);
      await links.unlink(sourceId, kind, localId);
      await audit.record({ actor: options.actor ?? 'api', action: 'push.unlink', sourceId, detail: { kind, localId } });
    },
    async relink(sourceId, kind, localId, remoteId, options = {}) {
      await requirePush(sourceId);
      checkKind(kind);
      const object = kind === 'user' ? await mirror.getUser(localId) : await mirror.getOrg(localId);
      if (!object) throw new NotFoundError(kind, localId);
      const link = await links.relink(sourceId, kind, localId, remoteId, nameOf(object));
      await audit.record({ actor: options.actor ?? 'api', action: 'push.relink', sourceId, detail: { kind, localId, remoteId: link.remoteId } });
      return link;
    },
    async testConnection(sourceIdOrSettings: string | ConnectionTestInput, second?: ConnectionTestInput | ActorOption, third?: ActorOption) {
      const sourceId = typeof sourceIdOrSettings === 'string' ? sourceIdOrSettings : null;
      const edited = sourceId === null ? (sourceIdOrSettings as ConnectionTestInput) : (second as ConnectionTestInput | undefined);
      const options = (sourceId === null ? (second as ActorOption | undefined) : third) ?? {};
      const source = sourceId === null ? null : await requirePush(sourceId);
      const record = (origins: string[], detail: Record<string, unknown>) =>
        audit.record({ actor: options.actor ?? 'api', action: 'push.test_connection', sourceId, detail: { origins, ...detail } });
      // An LDAP destination: the saved source's protocol, or new settings that carry `ldap`.
      const ldap = source ? source.protocol === 'ldap' : edited?.ldap !== undefined;
      let tested: { settings: PushSettings; secrets: PushSecretsInput };
      try {
        tested = ldap ? ldapToTest(source, edited) : await settingsToTest(source, edited);
        // The stored password is read only once the settings it goes to have passed.
        if (ldap && source) tested.secrets = { ...(await readableSecrets(source.id)), ...tested.secrets };
      } catch (error) {
        if (error instanceof ValidationError) {
          const entered = Object.fromEntries(Object.entries(edited ?? {}).filter(([, value]) => value !== undefined));
          const merged = { ...(source ? settingsOf(source) : {}), ...entered };
          const origins = ldap ? ldapOriginsOf({ ...(source ? settingsOf(source).ldap : {}), ...(entered.ldap as object | undefined) }) : originsOf(merged);
          await record(origins, { outcome: 'invalid', issues: error.issues.map((issue) => `${issue.field}: ${issue.code}`) });
        }
        throw error;
      }
      const result = ldap ? await runLdapTest(tested.settings, tested.secrets) : await runConnectionTest(tested.settings, tested.secrets);
      // LDAP's steps after a failed one are skipped, not failed; SCIM's list is as it always was.
      const failed = result.steps.filter((step) => !step.ok && !(ldap && step.skipped)).map((step) => step.name);
      await record(ldap ? ldapOriginsOf(tested.settings.ldap) : originsOf(tested.settings), { outcome: outcomeOf(result), ...(failed.length > 0 && { failedSteps: failed }) });
      return result;
    },
    async ldapTree(sourceId, options = {}) {
      const source = await requirePush(sourceId);
      if (source.protocol !== 'ldap') throw new StateConflictError('not_ldap', 'only LDAP destinations have a directory tree');
      if (!deps.ldap) return { ok: false, reason: engineMessage('engine.ldap.tree.unavailable') };
      const bindPassword = (await readableSecrets(sourceId)).bindPassword;
      // Never an anonymous bind in its place: with an empty password LDAP binds unauthenticated.
      if (!bindPassword) return { ok: false, reason: engineMessage('engine.ldap.noStoredPassword') };
      return deps.ldap.readTree(settingsOf(source).ldap!, { bindPassword }, { limit: options.limit ?? TREE_LIMIT, timeoutMs: options.timeoutMs ?? TREE_TIMEOUT_MS });
    },
    status,
    async hold(sourceId) {
      await requirePush(sourceId);
      return (await holds.state(sourceId)).hold;
    },
    async heldDeletions(sourceId, page = { limit: 50, offset: 0 }) {
      await requirePush(sourceId);
      return holds.heldObjects(sourceId, page);
    },
    async cancelledDeletions(sourceId, page = { limit: 50, offset: 0 }) {
      await requirePush(sourceId);
      return held.listCancelled(sourceId, page);
    },
    async confirmDeletions(sourceId, options = {}) {
      await requirePush(sourceId);
      await holds.confirm(sourceId, options.actor ?? 'api');
    },
    async cancelDeletions(sourceId, options = {}) {
      await requirePush(sourceId);
      await holds.cancel(sourceId, options.actor ?? 'api');
    },
    async confirmRun(runId, options = {}) {
      const run = await pausedRun(runId);
      const resumed = await manualSyncs.resume(runId, { mergeOptions: { confirmedDeletes: true } });
      if (!resumed) throw new StateConflictError('run_not_paused', 'the run is no longer paused');
      await held.clear(run.sourceId, run.id);
      await audit.record({ actor: options.actor ?? 'api', action: 'run.confirm_deletions', sourceId: run.sourceId, detail: { runId } });
      return resumed;
    },
    async cancelRun(runId, options = {}) {
      const run = await pausedRun(runId);
      // Each held object stays on the downstream until it changes again in the directory.
      const cancelled = (await runs.cancelPaused(runId)) ? await held.cancel(run.sourceId, run.id, options.actor ?? 'api') : 0;
      await audit.record({ actor: options.actor ?? 'api', action: 'run.cancel_deletions', sourceId: run.sourceId, detail: { runId, deletes: cancelled } });
      return (await runs.get(runId))!;
    },
    async drained(sourceId, timeoutMs = 30_000) {
      // Wall-clock time, like the timer it waits on: a test clock that stands still must not make this wait forever.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await status(sourceId);
        if (current.pending === 0 && current.retrying === 0 && current.worker?.state !== 'delivering') return;
        if (Date.now() > deadline) throw new StateConflictError('not_drained', `source ${sourceId} still has ${current.pending} changes to deliver and ${current.retrying} objects to retry`);
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

/** An LDAP test reaches one server: `ldaps://host:636` (URL's origin is "null" for ldap: schemes). */
function ldapOriginsOf(ldap: { url?: unknown } | undefined): string[] {
  if (typeof ldap?.url !== 'string') return [];
  const match = /^(ldaps?):\/\/([^/?#@\s:]+)(?::(\d+))?\/?$/i.exec(ldap.url.trim());
  if (!match) return [];
  const scheme = match[1]!.toLowerCase();
  return [`${scheme}://${match[2]!.toLowerCase()}:${match[3] ?? (scheme === 'ldaps' ? '636' : '389')}`];
}

/** The distinct origins of the URLs a test reaches; unparseable input is left out. */
function originsOf(settings: Partial<PushSettings>): string[] {
  const origins = new Set<string>();
  for (const url of [settings.userUrl, settings.orgUrl, settings.auth === 'oauth2' ? settings.tokenUrl : undefined]) {
    if (typeof url !== 'string' || url === '') continue;
    try {
      const { origin } = new URL(url);
      if (origin !== 'null') origins.add(origin);
    } catch {
      // not a URL: nothing was reached there
    }
  }
  return [...origins];
}
