import type { Knex } from 'knex';
import { engineMessage, readMessage, type EngineMessage } from '../../i18n/engine-message.js';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import type { MirrorOrg, MirrorUser } from '../../mirror/mirror-rows.js';
import type { ResolvedPushOptions } from '../../options.js';
import type { IncrementalLog } from '../../runs/incremental-log.js';
import { PushError } from '../client/errors.js';
import type { Semaphore } from '../client/rate-limit.js';
import type { LinkStore } from '../links-store.js';
import { MemberPusher, scimGroupsOf, type MemberOutcome } from '../member-pusher.js';
import { scimTargetOf, type ObjectOutcome, type ObjectWork, type PushTarget } from '../object-pusher.js';
import { deliveryEntries, memberDeliveryEntries, recordLinks } from '../outcomes.js';
import { upsertOrgs, type PhaseContext } from '../phases.js';
import { ambiguousMatchError, type RemoteMatch } from '../remote-match.js';
import { WorkBuilder } from '../work-builder.js';
import { notReached, skippedStep } from './step-helpers.js';
import type { OnDemandObject, OnDemandResult, OnDemandStep } from './on-demand-types.js';
import type { OnDemandRequest } from './recording-client.js';
import type { MemberWriter } from '../object-writer.js';

export interface StepDeps {
  knex: Knex;
  mirror: MirrorReader;
  links: LinkStore;
  log: IncrementalLog;
  options: ResolvedPushOptions;
}

const MAX_ANCESTORS = 64;
const LOG_RESULT: Record<string, string> = { succeeded: 'succeeded', rejected: 'rejected', retry: 'retrying', stop: 'failed', skipped: 'skipped', planned: 'planned' };

/**
 * Steps 2–5 for one user in scope, with the source's lease held: the pushers delivery uses, the
 * links and incremental log rows delivery writes. `requests` is the recording client's list:
 * each step takes what was sent while it ran.
 */
export class OnDemandSteps {
  readonly #context: PhaseContext;

  constructor(
    private readonly deps: StepDeps,
    private readonly target: PushTarget,
    private readonly semaphore: Semaphore,
    private readonly requests: OnDemandRequest[],
  ) {
    this.#context = { knex: deps.knex, target, semaphore, links: deps.links, builder: undefined as never, onOutcomes: (outcomes) => this.#note(outcomes) };
  }

  async push(user: MirrorUser, steps: OnDemandStep[], lookUpCreates = false): Promise<OnDemandResult['outcome']> {
    let builder: WorkBuilder;
    try {
      builder = await WorkBuilder.create(this.target, this.deps.links);
    } catch (error) {
      // Discovery (ServiceProviderConfig, ResourceTypes) failed: the downstream cannot be talked to.
      if (!(error instanceof PushError)) throw error;
      steps.push({ ...skippedStep('orgs', 'failed', error.engineMessage), status: 'failed', requests: [...this.requests] }, ...notReached(['match', 'user', 'memberships']));
      return 'failed';
    }
    builder.lookUpCreates = lookUpCreates;
    this.#context.builder = builder;
    const orgs = await this.#timed('orgs', () => this.#orgs(user, builder));
    steps.push(orgs);
    if (orgs.status === 'failed') {
      steps.push(...notReached(['match', 'user', 'memberships']));
      return 'failed';
    }
    const [work] = await builder.userWorks([user], () => true);
    const match = await this.#timed('match', async () => {
      if (work!.link?.remoteId) return { step: skippedStep('match', 'linked', engineMessage('engine.onDemand.match.linked', { remoteId: work!.link.remoteId })) };
      const found = await this.#match(work!);
      if (!found) return { step: skippedStep('match', 'onCreate', engineMessage('engine.onDemand.match.onCreate')) };
      return { step: matchStep(found, this.target.writer.userMatchAttribute), match: found };
    });
    steps.push(match);
    const pushed = await this.#timed('user', async () => {
      const outcome = await this.target.writer.push(work!, match.match);
      if (outcome.result === 'skipped' && !outcome.note) outcome.note = engineMessage('engine.onDemand.user.unchanged');
      await this.#note([outcome]);
      return { step: userStep(outcome), outcome };
    });
    steps.push(pushed);
    if (pushed.status === 'failed') {
      steps.push(...notReached(['memberships']));
      return 'failed';
    }
    const members = await this.#timed('memberships', () => this.#memberships(user, pushed.outcome!));
    steps.push(members);
    if (members.status === 'failed') return 'failed';
    return pushed.operation === 'unchanged' && members.operation !== 'updated' && orgs.operation !== 'created' ? 'unchanged' : 'provisioned';
  }

  /** Step 2: the user's orgs and their ancestors the downstream has not got yet, parents first. */
  async #orgs(user: MirrorUser, builder: WorkBuilder): Promise<{ step: OnDemandStep }> {
    if (!this.target.writer.pushesOrgs) return { step: skippedStep('orgs', 'not_pushed', engineMessage('engine.onDemand.orgs.notPushed')) };
    const missing = await this.#missingOrgs(user, builder);
    if (missing.length === 0) return { step: skippedStep('orgs', 'present', engineMessage('engine.onDemand.orgs.present')) };
    const { outcomes, halted } = await upsertOrgs(this.#context, missing);
    const failed = halted || outcomes.some((outcome) => outcome.result !== 'succeeded' && outcome.result !== 'skipped');
    const note = failed ? firstProblem(outcomes) ?? engineMessage('engine.onDemand.orgs.failed') : engineMessage('engine.onDemand.orgs.created', { count: outcomes.length });
    return { step: { ...skippedStep('orgs', failed ? 'failed' : 'created', note), status: failed ? 'failed' : 'succeeded', objects: outcomes.map(objectOf) } };
  }

  /**
   * Unlinked live orgs of the user and their unlinked ancestors, as delivery sends them before
   * a user (an org is only sent under a parent the downstream has).
   */
  async #missingOrgs(user: MirrorUser, builder: WorkBuilder): Promise<MirrorOrg[]> {
    const wanted = new Map<string, MirrorOrg>();
    let next = [...new Set(user.data.orgIds)];
    for (let depth = 0; depth < MAX_ANCESTORS && next.length > 0; depth += 1) {
      const candidates = next.filter((id) => !wanted.has(id));
      await builder.preloadOrgLinks(candidates);
      const unlinked = candidates.filter((id) => !builder.orgRemote.get(id));
      const found = (await this.deps.mirror.getOrgs(unlinked)).filter((org) => !org.deletedAt);
      for (const org of found) wanted.set(org.id, org);
      next = found.flatMap((org) => (org.data.parentId ? [org.data.parentId] : []));
    }
    return [...wanted.values()];
  }

  /**
   * Before the user step: the downstream's copy, by the source's matching (SCIM's look-up, or a
   * connector's), or undefined when the push looks it up itself as it creates.
   */
  async #match(work: ObjectWork): Promise<RemoteMatch | undefined> {
    const scim = scimTargetOf(this.target);
    if (scim) return scim.matcher.matchOne(scim, 'user', { localId: work.localId, body: work.body! });
    return (await this.target.writer.matchUnlinked([work], (request) => this.semaphore.run(request))).get(work);
  }

  /** Step 5: the user's group memberships: as deltas when orgs are SCIM Groups, whole groups for a connector that keeps them. */
  async #memberships(user: MirrorUser, outcome: ObjectOutcome): Promise<{ step: OnDemandStep }> {
    const connectorMembers = this.target.writer.memberWriter();
    if (connectorMembers) return this.#connectorMemberships(connectorMembers, outcome);
    const groups = scimGroupsOf(this.target);
    if (!groups) return { step: skippedStep('memberships', 'not_groups', engineMessage('engine.onDemand.members.notGroups')) };
    const pusher = new MemberPusher(this.deps.knex, groups, this.deps.links, this.deps.options.membersPerPatch);
    const send = (work: () => Promise<MemberOutcome>) => this.semaphore.run(work);
    const outcomes = [...(await pusher.wish([{ userId: user.id, orgIds: user.data.orgIds }], send)), ...(await pusher.flush(send))];
    await this.deps.log.recordDeliveries(memberDeliveryEntries(this.target.sourceId, outcomes, 1));
    const sent = outcomes.filter((outcome) => outcome.result !== 'skipped');
    if (sent.length === 0) return { step: skippedStep('memberships', 'unchanged', engineMessage('engine.onDemand.members.unchanged')) };
    const problem = sent.find((outcome) => outcome.result !== 'succeeded');
    const objects: OnDemandObject[] = sent.map((outcome) => ({
      kind: 'org',
      id: outcome.orgId,
      name: outcome.orgName,
      operation: 'update',
      result: LOG_RESULT[outcome.result] ?? outcome.result,
      method: outcome.method,
      path: outcome.path,
      httpStatus: outcome.httpStatus,
      changes: { ...(outcome.added.length > 0 && { 'members (added)': { new: outcome.added } }), ...(outcome.removed.length > 0 && { 'members (removed)': { old: outcome.removed } }) },
      note: outcome.error?.engineMessage ?? null,
    }));
    const note = problem ? problem.error?.engineMessage ?? engineMessage('engine.onDemand.members.failed') : engineMessage('engine.onDemand.members.updated', { count: sent.length });
    return { step: { ...skippedStep('memberships', problem ? 'failed' : 'updated', note), status: problem ? 'failed' : 'succeeded', objects } };
  }

  /** A connector's groups of the orgs the user was and is in, written whole as delivery does. */
  async #connectorMemberships(members: MemberWriter, outcome: ObjectOutcome): Promise<{ step: OnDemandStep }> {
    members.note([outcome]);
    const outcomes = await members.flush();
    await this.#note(outcomes);
    if (outcomes.length === 0) return { step: skippedStep('memberships', 'unchanged', engineMessage('engine.onDemand.members.unchanged')) };
    const problem = outcomes.find((each) => each.result !== 'succeeded');
    const note = problem ? problem.error?.engineMessage ?? engineMessage('engine.onDemand.members.failed') : engineMessage('engine.onDemand.members.updated', { count: outcomes.length });
    return { step: { ...skippedStep('memberships', problem ? 'failed' : 'updated', note), status: problem ? 'failed' : 'succeeded', objects: outcomes.map(objectOf) } };
  }

  /** Writes links and log rows as delivery does (the user's row carries its change's sequence). */
  async #note(outcomes: ObjectOutcome[]): Promise<void> {
    await recordLinks(this.deps.knex, this.deps.links, this.target.sourceId, outcomes);
    await this.deps.log.recordDeliveries(deliveryEntries(this.target.sourceId, outcomes, () => 1));
  }

  /** Runs one step; its requests are those recorded while it ran, its duration the wall time. */
  async #timed(name: OnDemandStep['name'], run: () => Promise<StepRun>): Promise<OnDemandStep & Omit<StepRun, 'step'>> {
    const started = performance.now();
    const before = this.requests.length;
    const { step, match, outcome } = await run();
    return { ...step, name, requests: this.requests.slice(before), durationMs: Math.round(performance.now() - started), ...(match && { match }), ...(outcome && { outcome }) };
  }
}

/** A step's result, with what the next steps need: the look-up's answer, the user's outcome. */
interface StepRun {
  step: OnDemandStep;
  match?: RemoteMatch;
  outcome?: ObjectOutcome;
}

function matchStep(match: RemoteMatch, attribute: string): OnDemandStep {
  switch (match.type) {
    case 'found':
      return { ...skippedStep('match', 'found', engineMessage('engine.onDemand.match.found', { attribute: match.attribute, remoteId: match.remoteId })), status: 'succeeded' };
    case 'none':
      return { ...skippedStep('match', 'none', engineMessage('engine.onDemand.match.none', { attribute })), status: 'succeeded' };
    case 'ambiguous':
      return { ...skippedStep('match', 'ambiguous', ambiguousMatchError('user', match).engineMessage), status: 'failed' };
    default:
      return { ...skippedStep('match', 'failed', match.error.engineMessage), status: 'failed' };
  }
}

function userStep(outcome: ObjectOutcome): OnDemandStep {
  const ok = outcome.result === 'succeeded' || outcome.result === 'skipped';
  const operation = outcome.operation === 'skip' ? 'unchanged' : outcome.operation;
  const note = outcome.error?.engineMessage ?? outcome.note ?? null;
  return { ...skippedStep('user', operation, note), status: outcome.result === 'skipped' ? 'skipped' : ok ? 'succeeded' : 'failed', changes: outcome.changes && Object.keys(outcome.changes).length > 0 ? outcome.changes : null };
}

function objectOf(outcome: ObjectOutcome): OnDemandObject {
  return {
    kind: outcome.work.kind,
    id: outcome.work.localId,
    name: outcome.work.name,
    operation: outcome.operation,
    result: LOG_RESULT[outcome.result] ?? outcome.result,
    method: outcome.method ?? null,
    path: outcome.path ?? null,
    httpStatus: outcome.httpStatus ?? null,
    changes: outcome.changes && Object.keys(outcome.changes).length > 0 ? outcome.changes : null,
    note: outcome.error?.engineMessage ?? outcome.note ?? null,
  };
}

function firstProblem(outcomes: readonly ObjectOutcome[]): EngineMessage | undefined {
  const problem = outcomes.find((outcome) => outcome.result !== 'succeeded' && outcome.result !== 'skipped');
  if (!problem) return undefined;
  if (problem.error) return problem.error.engineMessage;
  const stored = problem.link?.type === 'failure' ? readMessage(problem.link.value.error) : null;
  return stored && 'key' in stored ? stored : problem.note;
}
