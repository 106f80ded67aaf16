import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditLog } from '../../audit-log.js';
import { NotFoundError, StateConflictError } from '../../errors.js';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import type { MirrorUser } from '../../mirror/mirror-rows.js';
import type { ResolvedPushOptions } from '../../options.js';
import type { LeaseStore } from '../../persistence/leases.js';
import { LeaseKeeper } from '../../persistence/leases.js';
import type { IncrementalLog } from '../../runs/incremental-log.js';
import type { RunStore } from '../../runs/run-store.js';
import type { SourcesService } from '../../sources/sources-service.js';
import type { Source } from '../../sources/source-types.js';
import { sleep } from '../../util/sleep.js';
import { deliveryLeaseName } from '../delivery/delivery-worker.js';
import type { LinkStore } from '../links-store.js';
import { scimTargetOf, type PushTarget, type ScimTarget } from '../object-pusher.js';
import { scimWriter } from '../scim-writer.js';
import type { TargetFactory } from '../push-targets.js';
import { checkScope } from './on-demand-scope.js';
import { OnDemandSteps } from './on-demand-steps.js';
import { notReached } from './step-helpers.js';
import type { OnDemandResult, OnDemandStep, ProvisionOptions } from './on-demand-types.js';
import { recordingClient, type OnDemandRequest } from './recording-client.js';

export interface OnDemandDeps {
  knex: Knex;
  sources: SourcesService;
  mirror: MirrorReader;
  links: LinkStore;
  log: IncrementalLog;
  audit: AuditLog;
  targets: TargetFactory;
  leases: LeaseStore;
  runs: Pick<RunStore, 'isDelivering'>;
  options: ResolvedPushOptions;
  holder: string;
  clock: () => Date;
  /** Tells the source's delivery worker the lease is free again. */
  wake(sourceId: string): void;
}

const DEFAULT_WAIT_MS = 2000;
const LEASE_POLL_MS = 25;
/** The source's results an admin can open again (newest first, from the audit log). */
const RESULTS_KEPT = 50;

/**
 * Provisioning one user now ("Provision on demand"): scope check → the user's orgs → match →
 * create or update → memberships, each step recorded with its requests. It is a delivery of one
 * user: links and the incremental log are written as delivery writes them, through the same
 * pushers, while it holds the source's delivery lease (so it never races the worker or a run).
 * Out of scope it stops and says what the next delivery would do; it never deprovisions.
 * A disabled source refuses; a quarantined one is tried all the same (an admin's single attempt
 * is how they see what fails), with a note, and its health is left as it is.
 */
export class OnDemandProvisioner {
  constructor(private readonly deps: OnDemandDeps) {}

  async provision(sourceId: string, userId: string, options: ProvisionOptions = {}): Promise<OnDemandResult> {
    const { deps } = this;
    const started = performance.now();
    const source = await deps.sources.get(sourceId);
    if (source.mode !== 'push') throw new StateConflictError('not_push', 'only push sources provision on demand');
    if (!source.enabled) throw new StateConflictError('source_disabled', `source ${sourceId} is disabled: enable it to provision on demand`);
    const user = await deps.mirror.getUser(userId);
    if (!user || user.deletedAt) throw new NotFoundError('user', userId);
    const actor = options.actor ?? 'api';
    const at = deps.clock().toISOString();

    const steps: OnDemandStep[] = [];
    const scope = await checkScope(deps.knex, deps.links, source, user);
    steps.push(scope.step);
    let outcome: OnDemandResult['outcome'];
    if (!scope.inScope) {
      outcome = 'out_of_scope';
      await deps.log.recordDeliveries([
        { sourceId, changeSeq: user.seq, kind: 'user', objectId: user.id, objectName: user.data.userName, operation: 'skip', result: 'skipped', error: storeMessage(scope.step.note!), attempt: 1 },
      ]);
      steps.push(...notReached(['orgs', 'match', 'user', 'memberships']));
    } else {
      outcome = await this.#pushHoldingLease(source, user, steps, options.waitMs ?? DEFAULT_WAIT_MS);
    }
    const result: OnDemandResult = {
      id: randomBytes(8).toString('hex'),
      sourceId,
      userId,
      userName: user.data.userName,
      actor,
      at,
      outcome,
      durationMs: Math.round(performance.now() - started),
      note: source.quarantine ? engineMessage('engine.onDemand.quarantined') : null,
      steps,
    };
    await deps.audit.record({ actor, action: 'push.provision_now', sourceId, detail: { ...result } });
    return result;
  }

  /** A result recorded by `provision` (read back from the audit log: any instance can show it). */
  async result(sourceId: string, resultId: string): Promise<OnDemandResult | undefined> {
    const entries = await this.deps.audit.list({ action: 'push.provision_now', sourceId, limit: RESULTS_KEPT });
    const entry = entries.find((candidate) => candidate.detail?.id === resultId);
    return entry ? (entry.detail as unknown as OnDemandResult) : undefined;
  }

  async #pushHoldingLease(source: Source, user: MirrorUser, steps: OnDemandStep[], waitMs: number): Promise<OnDemandResult['outcome']> {
    const { deps } = this;
    if (await deps.runs.isDelivering(source.id)) throw new StateConflictError('run_active', `a full run of source ${source.id} is delivering: provision on demand once it ends`);
    const lease = deliveryLeaseName(source.id);
    const holder = `${deps.holder}:on-demand:${randomBytes(4).toString('hex')}`;
    const claim = await claimWithin(deps.leases, lease, holder, deps.options.leaseTtlMs, waitMs);
    if (!claim) {
      throw new StateConflictError('delivery_busy', `the delivery of source ${source.id} kept its lease for ${waitMs} ms: try again in a moment`);
    }
    const keeper = new LeaseKeeper(deps.leases, lease, holder, deps.options.leaseTtlMs).start();
    try {
      const requests: OnDemandRequest[] = [];
      const { target: shared, semaphore } = await deps.targets.target(source);
      // SCIM's requests are recorded for the result (its own writer, so discovery is recorded too); a connector's operations show as each object's method and path.
      const scim = scimTargetOf(shared);
      const target: PushTarget = scim ? recorded(scim, requests) : shared;
      const run = new OnDemandSteps({ knex: deps.knex, mirror: deps.mirror, links: deps.links, log: deps.log, options: deps.options }, target, semaphore, requests);
      // Taken over from a holder that died mid-batch: its creates may be on the downstream unrecorded.
      return await run.push(user, steps, claim.tookOver);
    } finally {
      keeper.stop();
      await deps.leases.release(lease, holder).catch(() => undefined);
      deps.wake(source.id);
    }
  }
}

/** The SCIM target with a client that records every request it sends. */
function recorded(scim: ScimTarget, requests: OnDemandRequest[]): ScimTarget {
  const target: ScimTarget = { ...scim, client: recordingClient(scim.client, requests) };
  target.writer = scimWriter(target);
  return target;
}

/** Takes the lease, waiting up to `waitMs` for its holder (the delivery worker between batches) to let go. */
async function claimWithin(leases: LeaseStore, name: string, holder: string, ttlMs: number, waitMs: number): Promise<{ tookOver: boolean } | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const claim = await leases.claim(name, holder, ttlMs);
    if (claim) return claim;
    if (Date.now() >= deadline) return null;
    await sleep(LEASE_POLL_MS);
  }
}
