import type { Knex } from 'knex';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import type { MirrorUser } from '../../mirror/mirror-rows.js';
import { currentSequence } from '../../mirror/sequence.js';
import type { Logger, ResolvedPushOptions } from '../../options.js';
import type { RunContext, RunExecutor, RunOutcome } from '../../runs/manual-sync.js';
import { LeaseKeeper, type LeaseStore } from '../../persistence/leases.js';
import { deliveryLeaseName } from '../delivery/delivery-worker.js';
import { immediateStopOf, PushError, StopSyncError } from '../client/errors.js';
import type { HeldDeletions } from '../held-deletions.js';
import type { LinkStore } from '../links-store.js';
import { leaveGroups, MemberPusher, scimGroupsOf, type MemberOutcome } from '../member-pusher.js';
import type { PushTarget } from '../object-pusher.js';
import { buildUsers, observeUsers, sendUsers, upsertOrgs, upsertUsers, type PhaseContext } from '../phases.js';
import type { Semaphore } from '../client/rate-limit.js';
import { RunRecorder } from './run-recorder.js';
import { CancelWatch } from './cancel-watch.js';
import type { CursorStore } from '../../sources/cursor-store.js';
import type { SourceHealth } from '../../sources/source-health.js';
import type { TargetFactory } from '../push-targets.js';
import { runDeletions } from './deletions.js';
import { treeLevels, WorkBuilder } from '../work-builder.js';
import { sleep } from '../../util/sleep.js';
import { pushScopeOf, scopedOrg, type PushScope } from '../scope/push-scope.js';

export interface FullSyncDeps {
  knex: Knex;
  mirror: MirrorReader;
  links: LinkStore;
  /** What a paused run holds, and the deprovisionings admins cancelled. */
  held: HeldDeletions;
  targets: TargetFactory;
  leases: LeaseStore;
  cursors: CursorStore;
  health: SourceHealth;
  options: ResolvedPushOptions;
  logger: Logger;
  holder: string;
  /** Aborted when the center closes: backoff sleeps and lease waits end at once. */
  closing?: AbortSignal;
  /** Wakes the source's delivery worker once the run lets go of the lease. */
  onFinished(sourceId: string): void;
}

/** Where a run is, stored in `sync_runs.checkpoint` after every page so a crash resumes there. */
interface Checkpoint {
  phase: 'orgs' | 'users' | 'managers' | 'deletes' | 'done';
  /** The feed position when the run began: a clean run moves the source's cursor up to it. */
  startSeq: number;
  /** Users phase: the last user id done (keyset). */
  after?: string;
}

/** Run options a push run understands (`center.runs.start(id, { options })`). */
export interface PushRunOptions {
  /** Also page through the downstream and deprovision what the IdP does not have. */
  verifyDownstream?: boolean;
  /**
   * Skip reading the downstream: an object whose body is unchanged since it was last sent is not
   * checked (faster, but a downstream that lost or changed data is not repaired). Never the default.
   */
  trustLinks?: boolean;
  /** Set when an admin confirmed the deletions of a paused run. */
  confirmedDeletes?: boolean;
  dryRun?: boolean;
}

/**
 * A push source's manual (or scheduled) sync: full reconciliation of everything in scope against
 * what the downstream really holds (read page by page next to the mirror's pages, see
 * Reconciler), or against the links alone when the run says `trustLinks`; streamed from the
 * mirror page by page with the database work batched per page.
 * Orgs go parents first, then users, then memberships, then deletions (users, then orgs leaves
 * first). A dry run goes through the same steps and sends nothing.
 */
export function pushRunExecutor(deps: FullSyncDeps): RunExecutor {
  return async (context) => new FullSync(deps, context).run();
}

class FullSync {
  readonly #dryRun: boolean;
  readonly #options: PushRunOptions;
  readonly #cancel: CancelWatch;
  /** Who the source covers; null for the whole directory. */
  readonly #scope: PushScope | null;

  constructor(
    private readonly deps: FullSyncDeps,
    private readonly context: RunContext,
  ) {
    this.#options = context.run.options as PushRunOptions;
    this.#dryRun = context.run.kind === 'dry_run' || Boolean(this.#options.dryRun);
    this.#cancel = new CancelWatch(() => context.cancelRequested());
    this.#scope = pushScopeOf(deps.knex, context.source.push?.scope);
  }

  async run(): Promise<RunOutcome> {
    const { deps, context } = this;
    const { run, source } = context;
    const { target, semaphore } = await deps.targets.target(source, this.#dryRun);
    const leaseName = deliveryLeaseName(source.id);
    const holder = `${deps.holder}:run:${run.id}`;
    const heartbeat = () => context.runs.addCounts(run.id, {});
    let keeper: LeaseKeeper | null = null;
    if (!this.#dryRun) {
      const acquired = await this.#acquire(leaseName, holder);
      if (!acquired) return { status: 'cancelled' };
      keeper = new LeaseKeeper(deps.leases, leaseName, holder, deps.options.leaseTtlMs, heartbeat).start();
    }
    try {
      return await this.#phases(target, semaphore);
    } catch (error) {
      // A run that could not even start talking to the downstream counts as a failed attempt too.
      if (error instanceof PushError && !this.#dryRun) await deps.health.failure(source.id, error.engineMessage, immediateStopOf(error));
      throw error;
    } finally {
      keeper?.stop();
      await this.#cancel.idle();
      await target.writer.release();
      if (!this.#dryRun) await deps.leases.release(leaseName, holder).catch(() => undefined);
      deps.onFinished(source.id);
    }
  }

  async #phases(target: PushTarget, semaphore: Semaphore): Promise<RunOutcome> {
    const { deps, context } = this;
    const { run, runs } = context;
    // Between phases the database is asked; per page, its last answer is taken (no query behind the page's writes).
    const cancelled = () => this.#cancel.fresh();
    const cancelledLately = () => this.#cancel.latest();
    await target.writer.prepare();
    const recorder = new RunRecorder(deps.knex, runs, deps.links, run.id, target.sourceId, this.#dryRun, { attempts: deps.options.retry.runAttempts, baseMs: deps.options.retry.baseMs, maxMs: deps.options.retry.maxMs, maxRetryAfterMs: deps.options.maxRetryAfterMs }, cancelledLately, deps.closing);
    let checkpoint = (await runs.loadCheckpoint<Checkpoint>(run.id)) ?? { phase: 'orgs', startSeq: await currentSequence(deps.knex) };
    if (checkpoint.phase === 'orgs') {
      const { users, orgs } = this.#scope ? { users: await this.#scope.users.count(), orgs: (await this.#scope.orgIds()).size } : await deps.mirror.counts();
      await runs.setTotal(run.id, users + (target.writer.pushesOrgs ? orgs : 0));
    }
    const builder = await WorkBuilder.create(target, deps.links);
    // A manual or scheduled sync compares with what the downstream really holds, unless told to trust the links.
    const reconciler = this.#options.trustLinks ? undefined : target.writer.reconciler({ knex: deps.knex, semaphore, links: deps.links });
    const phase: PhaseContext = { knex: deps.knex, target, semaphore, links: deps.links, builder, onOutcomes: (outcomes) => recorder.links_(outcomes), reconciler };
    const groups = scimGroupsOf(target);
    const members = groups ? new MemberPusher(deps.knex, groups, deps.links, deps.options.membersPerPatch) : null;
    // A connector's groups are written once, after the users, with their members as the links say.
    const connectorMembers = target.writer.memberWriter();
    const sendMembers = (work: () => Promise<MemberOutcome>) => semaphore.run(work);
    const retryMembers = (failed: MemberOutcome[]) => members!.retry(failed, sendMembers);
    const save = async (next: Checkpoint, db: Knex | Knex.Transaction = deps.knex) => {
      checkpoint = next;
      await runs.saveCheckpoint(run.id, next, db);
    };
    const stopped = () => recorder.stopError !== null;

    if (checkpoint.phase === 'orgs') {
      if (target.writer.pushesOrgs) await this.#orgs(phase, recorder);
      await recorder.settle();
      if (stopped()) throw recorder.stopError!;
      if (await cancelled()) return { status: 'cancelled' };
      await save({ ...checkpoint, phase: 'users', after: undefined });
    }
    if (checkpoint.phase === 'users') {
      // A pipeline: while this page is sent, the next one is read from the downstream (a
      // reconciling run) and its creates looked up there (matching), the one after it is read from
      // the mirror with its links, and the previous page's results are written. Writes run at most
      // one page behind.
      const pages = this.#userPages(checkpoint.after, false);
      const build = async () => {
        const next = await pages.next();
        if (next.done) return null;
        return { users: next.value, built: await buildUsers(phase, next.value) };
      };
      let building = build();
      const prepare = async () => {
        const page = await building;
        if (!page) return null;
        building = build();
        building.catch(() => undefined); // surfaced when awaited
        return { users: page.users, prepared: await observeUsers(phase, page.built) };
      };
      let upcoming = prepare();
      let behind: Promise<void> = Promise.resolve();
      for (let current = await upcoming; current; current = await upcoming) {
        const { users: page, prepared } = current;
        upcoming = prepare();
        upcoming.catch(() => undefined); // surfaced when awaited
        let first = true;
        const outcomes = await recorder.step((only) => {
          if (first && !only) {
            first = false;
            return sendUsers(phase, prepared);
          }
          return upsertUsers(phase, only ? page.filter((user) => only.has(`user:${user.id}`)) : page);
        });
        if (stopped()) break;
        if (members) {
          // This page's links may still be queued: hand the remote ids over directly.
          const remote = new Map(outcomes.flatMap((outcome) => (outcome.link?.type === 'success' ? [[outcome.work.localId, outcome.link.value.remoteId] as const] : outcome.work.link?.remoteId && outcome.result === 'skipped' ? [[outcome.work.localId, outcome.work.link.remoteId] as const] : [])));
          const wishes = page.filter((user) => remote.has(user.id)).map((user) => ({ userId: user.id, orgIds: user.data.orgIds, remoteId: remote.get(user.id) }));
          await recorder.members(await members.wish(wishes, sendMembers), retryMembers);
        }
        const after = page[page.length - 1]!.id;
        recorder.enqueue((trx) => save({ ...checkpoint, after }, trx));
        recorder.commit();
        await behind;
        behind = recorder.queued();
        if (await cancelledLately()) {
          await recorder.settle();
          await upcoming.catch(() => undefined);
          await building.catch(() => undefined);
          return { status: 'cancelled' };
        }
      }
      await upcoming.catch(() => undefined);
      await building.catch(() => undefined);
      await recorder.settle();
      if (stopped()) throw recorder.stopError!;
      if (members) await recorder.members(await members.flush(sendMembers), retryMembers);
      if (connectorMembers) {
        connectorMembers.noteAll();
        await recorder.step(() => connectorMembers.flush());
      }
      await recorder.settle();
      if (stopped()) throw recorder.stopError!;
      await save({ ...checkpoint, phase: 'managers', after: undefined });
    }
    if (checkpoint.phase === 'managers') {
      // Users created before their manager were sent without one; now both are there. The users
      // phase has just brought every link up to the downstream's state, so the links are trusted here.
      const trusting: PhaseContext = { ...phase, reconciler: undefined };
      for await (const page of this.#userPages(undefined, true)) {
        await recorder.step((only) => upsertUsers(trusting, only ? page.filter((user) => only.has(`user:${user.id}`)) : page), { logSkips: false });
        if (stopped() || (await cancelledLately())) break;
      }
      await recorder.settle();
      if (stopped()) throw recorder.stopError!;
      if (await cancelled()) return { status: 'cancelled' };
      await save({ ...checkpoint, phase: 'deletes' });
    }
    if (checkpoint.phase === 'deletes') {
      const outcome = await runDeletions({ knex: deps.knex, mirror: deps.mirror, links: deps.links, held: deps.held, runs, runId: run.id, pageSize: deps.options.pageSize, cancelled, dryRun: this.#dryRun, options: this.#options, scope: this.#scope, leaveGroups: members && groups && leaveGroups(groups) ? (userIds) => this.#leaveGroups(members, userIds, recorder, sendMembers, retryMembers) : null }, target, semaphore, phase, recorder);
      await recorder.settle();
      if (outcome) return outcome;
      if (stopped()) throw recorder.stopError!;
      await save({ ...checkpoint, phase: 'done' });
    }
    const latest = await runs.get(run.id);
    if (latest && latest.total < latest.processed) await runs.setTotal(run.id, latest.processed);
    if (!this.#dryRun) {
      if (recorder.failures === 0) {
        // Everything up to startSeq is on the downstream: incremental delivery can skip to there.
        await deps.cursors.advance(target.sourceId, checkpoint.startSeq);
        if (recorder.successes > 0) await deps.health.success(target.sourceId);
      } else if (recorder.successes === 0 && recorder.lastError) {
        await deps.health.failure(target.sourceId, recorder.lastError.engineMessage, undefined);
      }
    }
    return { status: 'succeeded' };
  }

  /** Deprovisioned users leave their groups downstream first (their memberships are PATCHed away, retried like any). */
  async #leaveGroups(members: MemberPusher, userIds: string[], recorder: RunRecorder, send: (work: () => Promise<MemberOutcome>) => Promise<MemberOutcome>, retry: (failed: MemberOutcome[]) => Promise<MemberOutcome[]>): Promise<void> {
    await recorder.members(await members.wish(userIds.map((userId) => ({ userId, orgIds: [] })), send), retry);
    await recorder.members(await members.flush(send), retry);
  }

  /** All live orgs in tree order, a level at a time, in pages (only ids and parents are held for the whole tree). */
  async #orgs(phase: PhaseContext, recorder: RunRecorder): Promise<void> {
    const inScope = this.#scope ? await this.#scope.orgIds() : undefined;
    const skeleton = (await this.deps.mirror.liveOrgTree()).filter((org) => !inScope || inScope.has(org.id));
    const levels = treeLevels(skeleton, (org) => org.id, (org) => org.parentId);
    await phase.builder.preloadOrgLinks(skeleton.map((org) => org.id));
    for (const level of levels) {
      for (let start = 0; start < level.length; start += this.deps.options.pageSize) {
        const read = await this.deps.mirror.getOrgs(level.slice(start, start + this.deps.options.pageSize).map((org) => org.id));
        const page = inScope ? read.map((org) => scopedOrg(org, inScope)) : read;
        await recorder.step(async (only) => (await upsertOrgs(phase, only ? page.filter((org) => only.has(`org:${org.id}`)) : page)).outcomes);
        if (recorder.stopError || (await this.#cancel.latest())) return;
      }
    }
  }

  /** Live users by id, a page at a time (keyset, so each page is one indexed query). */
  async *#userPages(after: string | undefined, managedOnly: boolean): AsyncGenerator<MirrorUser[]> {
    let cursor = after;
    const scope = this.#scope;
    for (;;) {
      if (scope) {
        // In scope: the ids from the scope's SQL (keyset), then their rows.
        const ids = await scope.users.idsAfter(cursor, this.deps.options.pageSize);
        if (ids.length === 0) return;
        const byId = new Map((await this.deps.mirror.getUsers(ids)).map((user) => [user.id, user]));
        const users = ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
        const page = managedOnly ? users.filter((user) => user.data.managerId) : users;
        if (page.length > 0) yield page;
        cursor = ids[ids.length - 1]!;
        continue;
      }
      const page = await this.deps.mirror.liveUsersAfter(cursor, this.deps.options.pageSize, { managedOnly });
      if (page.length === 0) return;
      yield page;
      cursor = page[page.length - 1]!.id;
    }
  }

  /** Waits for the source's lease (the delivery worker lets go between batches when it sees the run). */
  async #acquire(name: string, holder: string): Promise<boolean> {
    const poll = Math.max(10, Math.min(250, Math.floor(this.deps.options.leaseTtlMs / 10)));
    for (;;) {
      if (await this.deps.leases.acquire(name, holder, this.deps.options.leaseTtlMs)) return true;
      if (this.deps.closing?.aborted || (await this.context.cancelRequested())) return false;
      await sleep(poll, this.deps.closing);
    }
  }
}
