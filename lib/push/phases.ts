import type { Knex } from 'knex';
import { engineMessage, storeMessage } from '../i18n/engine-message.js';
import type { MirrorOrg, MirrorUser } from '../mirror/mirror-rows.js';
import type { LinkStore } from './links-store.js';
import type { ObjectOutcome, ObjectWork, PushTarget } from './object-pusher.js';
import type { RunReconciler } from './object-writer.js';
import type { RemoteMatch } from './remote-match.js';
import type { Semaphore } from './client/rate-limit.js';
import { treeLevels, type WorkBuilder } from './work-builder.js';

/**
 * The steps shared by incremental batches and full runs, in tree order: org upserts parents
 * first, then users, then (elsewhere) memberships, then user deletions, then org deletions
 * leaves first. Each step reports its outcomes through `onOutcomes` before the next begins.
 */
export interface PhaseContext {
  knex: Knex;
  target: PushTarget;
  semaphore: Semaphore;
  links: LinkStore;
  builder: WorkBuilder;
  onOutcomes(outcomes: ObjectOutcome[]): Promise<void>;
  /**
   * A reconciling run (manual or scheduled sync) reads the downstream's copies before sending
   * and repairs what differs there; without it (incremental delivery, "trust the links") an
   * object whose body hash matches its link is skipped unread.
   */
  reconciler?: RunReconciler;
}

/**
 * Runs works with at most the source's concurrency in flight; keeps their order in the result.
 * The works to be created are looked up on the downstream first, in batches (matching).
 *
 * As many lanes as the semaphore has places take the works in order, each holding a place for
 * one work at a time: other requests of the source (member deltas) still queue between works,
 * and a page of 1,000 works does not hold 1,000 pending promises and closures at once.
 */
export async function runWorks(target: PushTarget, semaphore: Semaphore, works: readonly ObjectWork[], reconciler?: RunReconciler, matched?: Matches): Promise<ObjectOutcome[]> {
  const { writer } = target;
  const matches = matched ?? (await matchWorks(target, semaphore, works));
  const outcomes = new Array<ObjectOutcome>(works.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < works.length) {
      const index = next++;
      const work = works[index]!;
      const release = await semaphore.acquire();
      try {
        outcomes[index] = await (reconciler ? reconciler.push(work, matches.get(work)) : writer.push(work, matches.get(work)));
      } finally {
        release();
      }
    }
  };
  const lanes: Promise<void>[] = [];
  for (let count = Math.min(works.length, semaphore.limit); count > 0; count -= 1) lanes.push(lane());
  await Promise.all(lanes);
  return outcomes;
}

/** What matching found on the downstream for the works that would be created. */
export type Matches = ReadonlyMap<ObjectWork, RemoteMatch>;

/** User works ready to be sent: downstream copies read (a reconciling run), creates looked up (matching). */
export interface PreparedUsers {
  works: readonly ObjectWork[];
  matches: Matches;
}

function matchWorks(target: PushTarget, semaphore: Semaphore, works: readonly ObjectWork[]): Promise<Matches> {
  return target.writer.matchUnlinked(works, (request) => semaphore.run(request));
}

/**
 * Marks the org creates about to be sent, so that a replay after a crash between request and
 * record looks the org up before creating it: Groups and Organizations have no unique attribute
 * a second POST would collide on. Users need no mark: SCIM requires userName to be unique, so a
 * replayed POST answers 409 and the user is adopted (and a failed attempt leaves a link row that
 * makes the next one look first). Skipping the mark saves a write per user in a 100k sync.
 */
async function markCreates(context: PhaseContext, works: readonly ObjectWork[]): Promise<void> {
  if (context.target.dryRun) return;
  const fresh = works.filter((work) => work.kind === 'org' && work.body !== null && !work.link);
  await context.links.markCreating(
    context.target.sourceId,
    fresh.map((work) => ({ kind: work.kind, localId: work.localId, objectName: work.name })),
  );
}

/**
 * Org upserts level by level. Stops after a level with an outcome of `retry` or `stop`: deeper
 * orgs would be sent without their parent. Returns every outcome so far, and whether it stopped.
 *
 * With `waiting` (incremental delivery), a transient failure stops only what depends on it: an
 * org whose parent is in `waiting` (it failed, or waits itself) is not sent and joins `waiting`
 * (returned in `deferred`), and the other levels go on. Only a `stop` halts.
 */
export async function upsertOrgs(
  context: PhaseContext,
  orgs: readonly MirrorOrg[],
  waiting?: Set<string>,
): Promise<{ outcomes: ObjectOutcome[]; halted: boolean; deferred: MirrorOrg[] }> {
  const all: ObjectOutcome[] = [];
  const deferred: MirrorOrg[] = [];
  const levels = treeLevels(orgs, (org) => org.id, (org) => org.data.parentId);
  for (const fullLevel of levels) {
    const level = waiting ? fullLevel.filter((org) => !waitsForParent(org)) : fullLevel;
    const built = await context.builder.orgWorks(level, () => true);
    const works = context.reconciler ? await context.reconciler.observe(built.works) : built.works;
    const blocked = built.blocked;
    await markCreates(context, works);
    const outcomes = await runWorks(context.target, context.semaphore, works, context.reconciler);
    for (const work of blocked) {
      const parentMissing = engineMessage('engine.push.parentMissing', { parent: level.find((org) => org.id === work.localId)?.data.parentId ?? '' });
      outcomes.push({
        work,
        operation: work.link?.remoteId ? 'update' : 'create',
        result: 'rejected',
        note: parentMissing,
        link: { type: 'failure', value: { kind: 'org', localId: work.localId, objectName: work.name, status: 'rejected', error: storeMessage(parentMissing) } },
      });
    }
    for (const outcome of outcomes) {
      if (outcome.result === 'succeeded' && outcome.link?.type === 'success') context.builder.learnOrg(outcome.work.localId, outcome.link.value.remoteId);
      if (waiting && outcome.result === 'retry') waiting.add(outcome.work.localId);
    }
    await context.onOutcomes(outcomes);
    all.push(...outcomes);
    if (waiting ? outcomes.some((outcome) => outcome.result === 'stop') : halts(outcomes)) return { outcomes: all, halted: true, deferred };
  }
  return { outcomes: all, halted: false, deferred };

  /** An org whose parent waits and is not on the downstream yet waits with it (an update under a linked parent may go). */
  function waitsForParent(org: MirrorOrg): boolean {
    const parentId = org.data.parentId;
    if (!parentId || !waiting!.has(parentId) || context.builder.orgRemote.get(parentId)) return false;
    waiting!.add(org.id);
    deferred.push(org);
    return true;
  }
}

export async function upsertUsers(context: PhaseContext, users: readonly MirrorUser[]): Promise<ObjectOutcome[]> {
  return sendUsers(context, await prepareUsers(context, users));
}

/**
 * What a user upsert does before its requests (links read, downstream copies read, creates looked
 * up), so a run can do it for the next page while this one is sent.
 */
export async function prepareUsers(context: PhaseContext, users: readonly MirrorUser[]): Promise<PreparedUsers> {
  return observeUsers(context, await buildUsers(context, users));
}

/** The first part of `prepareUsers`: the page's links read and its bodies built. */
export async function buildUsers(context: PhaseContext, users: readonly MirrorUser[]): Promise<ObjectWork[]> {
  if (users.length === 0) return [];
  return context.builder.userWorks(users, () => true);
}

/**
 * The rest of `prepareUsers`: a reconciling run reads the downstream's copies, and the creates are
 * looked up. Done for the next page while this one is sent, the look-ups' GETs go out between its
 * requests instead of holding up the start of their page (an eighth of each page's time in a
 * 20k push).
 */
export async function observeUsers(context: PhaseContext, built: readonly ObjectWork[]): Promise<PreparedUsers> {
  if (built.length === 0) return { works: [], matches: new Map() };
  const works = context.reconciler ? await context.reconciler.observe(built) : [...built];
  return { works, matches: await matchWorks(context.target, context.semaphore, works) };
}

export async function sendUsers(context: PhaseContext, prepared: PreparedUsers): Promise<ObjectOutcome[]> {
  if (prepared.works.length === 0) return [];
  return send(context, prepared.works, prepared.matches);
}

/** Deprovisions users that left the host (policy: disable, delete or leave). */
export async function deprovisionUsers(context: PhaseContext, users: readonly MirrorUser[]): Promise<ObjectOutcome[]> {
  if (users.length === 0) return [];
  return send(context, await context.builder.userWorks(users, () => false));
}

/**
 * Deprovisions orgs, leaves first, so no org is deleted while it still has children there. With
 * `waiting` (incremental delivery), an org whose child failed (or waits) waits too, instead of
 * halting the rest.
 */
export async function deprovisionOrgs(
  context: PhaseContext,
  orgs: readonly MirrorOrg[],
  waiting?: Set<string>,
): Promise<{ outcomes: ObjectOutcome[]; halted: boolean; deferred: MirrorOrg[] }> {
  const all: ObjectOutcome[] = [];
  const deferred: MirrorOrg[] = [];
  const levels = treeLevels(orgs, (org) => org.id, (org) => org.data.parentId).reverse();
  for (const fullLevel of levels) {
    const level = waiting ? fullLevel.filter((org) => !waitsForChild(org)) : fullLevel;
    const { works } = await context.builder.orgWorks(level, () => false);
    const outcomes = await send(context, works);
    if (waiting) for (const outcome of outcomes) if (outcome.result === 'retry') waiting.add(outcome.work.localId);
    all.push(...outcomes);
    if (waiting ? outcomes.some((outcome) => outcome.result === 'stop') : halts(outcomes)) return { outcomes: all, halted: true, deferred };
  }
  return { outcomes: all, halted: false, deferred };

  function waitsForChild(org: MirrorOrg): boolean {
    if (!orgs.some((child) => child.data.parentId === org.id && waiting!.has(child.id))) return false;
    waiting!.add(org.id);
    deferred.push(org);
    return true;
  }
}

/** Sends works and reports their outcomes before the caller goes on. */
async function send(context: PhaseContext, works: readonly ObjectWork[], matches?: Matches): Promise<ObjectOutcome[]> {
  const outcomes = await runWorks(context.target, context.semaphore, works, context.reconciler, matches);
  await context.onOutcomes(outcomes);
  return outcomes;
}

/** A level that needs a retry or stops the sync: the next level (children, or parents when deleting) must wait. */
function halts(outcomes: readonly ObjectOutcome[]): boolean {
  return outcomes.some((outcome) => outcome.result === 'retry' || outcome.result === 'stop');
}
