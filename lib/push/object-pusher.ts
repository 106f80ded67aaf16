import type { ObjectKind } from '../mirror/mirror-rows.js';
import { engineMessage, storeMessage, type EngineMessage } from '../i18n/engine-message.js';
import type { RunOperation } from '../runs/run-store.js';
import type { PushPolicy } from '../sources/push-policy-validation.js';
import type { OrgResourceShape } from '../sources/source-types.js';
import { URN } from '../scim/urns.js';
import { diffBodies, patchOperations, type AttributeChanges } from './diff.js';
import { PushError, RemoteConflictError, RemoteNotFoundError, RemoteRejectedError, StopSyncError, TransientPushError } from './client/errors.js';
import type { LinkFailure, LinkSuccess, PushLink } from './links-store.js';
import { bodyHash, type ScimBody } from './bodies.js';
import type { BodyMapping } from './body-mapping.js';
import { isUnsupported, type ScimClient, type ScimResponse, type UpdateMethod } from './client/scim-client.js';
import type { ObjectWriter } from './object-writer.js';
import { ambiguousMatchError, type MatchTarget, type RemoteMatch, type RemoteMatcher, type RunRequest } from './remote-match.js';

/** The SCIM filter string literal, shared with the member pusher. */
export { quote } from './remote-match.js';

/**
 * Where and how one source pushes, as the engine sees it whatever the protocol: shared by the
 * delivery worker and full runs. The wire is the writer's (`ObjectWriter`).
 */
export interface PushTarget {
  sourceId: string;
  policy: PushPolicy;
  /** Nothing is sent: outcomes say what would be. */
  dryRun: boolean;
  /** How org bodies are built; a connector's target builds them as `organization` (the parent's remote id in the body). */
  orgShape: OrgResourceShape;
  /** Claims a found remote object for `localId` before adopting it; returns the other local id when one is linked to it already. */
  claimRemote(kind: ObjectKind, remoteId: string, localId: string): Promise<string | undefined>;
  /** The source's mapping table and the host's mapping hooks; absent: bodies as `userBody`/`orgBody` build them. */
  mapping?: BodyMapping;
  writer: ObjectWriter;
}

/** A SCIM source's target: its client and endpoints, for the SCIM writer and the SCIM-only steps (matching, member deltas, reading back). */
export interface ScimTarget extends PushTarget, Omit<MatchTarget, 'policy'> {
  client: ScimClient;
  userEndpoint: string;
  /** Undefined when the source has no Org URL: orgs are not pushed. */
  orgEndpoint: string | undefined;
  /** The remote ids of a group's members as last sent, for a PUT that must not drop them. */
  groupMembers(orgLocalId: string): Promise<string[]>;
  /** Looks unlinked objects up on the downstream before they are created (the source's matching settings). */
  matcher: RemoteMatcher;
}

/** The target's SCIM side, when it has one. */
export function scimTargetOf(target: PushTarget): ScimTarget | null {
  return target.writer.protocol === 'scim' ? (target as ScimTarget) : null;
}

/** One object to bring to its desired state. */
export interface ObjectWork {
  kind: ObjectKind;
  localId: string;
  name: string | null;
  /** The body the downstream should have; null when the object left the host (deprovision). */
  body: ScimBody | null;
  link: PushLink | undefined;
  /** Feed sequence that caused this work (incremental delivery). */
  seq?: number;
  /**
   * An earlier holder may have created it unrecorded (a lease takeover): when matching finds
   * nothing, it is looked up by every identifier before it is created.
   */
  lookFirst?: boolean;
  /**
   * For a deprovision: the body the object had when it left the host, to look up a copy that a
   * create without a recorded answer (timeout, reset, crash) may have made on the downstream.
   */
  identity?: ScimBody;
  /**
   * Attribute paths (as `diff.ts` flattens them) the mapping leaves to the downstream: "only on
   * create" rows after the create, empty values without "clear when empty". The body carries the
   * value last sent there; the reconciling sync does not repair them.
   */
  keep?: readonly string[];
}

/** What `retry` means is up to the caller: the worker backs off, a run retries a few times. */
export type OutcomeResult = 'succeeded' | 'skipped' | 'planned' | 'rejected' | 'retry' | 'stop';

/** What pushing one `ObjectWork` did: its result, the request made, and what to write to its link (the logs keep a `LoggedOutcome`). */
export interface ObjectOutcome {
  work: ObjectWork;
  operation: RunOperation;
  result: OutcomeResult;
  error?: PushError;
  method?: string | null;
  path?: string | null;
  httpStatus?: number | null;
  durationMs?: number | null;
  changes?: AttributeChanges | null;
  /** What happened besides the result (adopted, already disabled…): a note, never an error. */
  note?: EngineMessage;
  link?: { type: 'success'; value: LinkSuccess } | { type: 'failure'; value: LinkFailure } | { type: 'remove' };
  /** The remote object was replaced or removed: memberships recorded for it no longer hold. */
  resetMembers?: boolean;
}

/**
 * Brings one object to its desired state on the downstream, authentik-style: unchanged (same
 * hash as last sent) is skipped; no link looks the object up by the source's matching setting
 * and adopts what it finds, else creates; 409 on create adopts the existing object; 404 on
 * update drops the link and creates again. `match` is what a batched look-up found for this
 * work (`matchUnlinked`); without it the object is looked up alone. No database I/O: the
 * caller writes the outcomes in batches.
 */
export async function pushObject(target: ScimTarget, work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome> {
  if (work.body === null) return deprovision(target, work);
  const body = work.body;
  const hash = bodyHash(body);
  const link = work.link;
  if (link?.remoteId && link.hash === hash) return { work, operation: 'skip', result: 'skipped' };
  const operation: RunOperation = link?.remoteId ? 'update' : 'create';
  // A create's "changes" are its whole body, which the link keeps; only updates are diffed.
  const changes = operation === 'update' ? diffBodies(link!.sent, body) : {};
  if (target.dryRun) {
    if (operation === 'create' && match?.type === 'found') return { ...planned(target, work, 'update', diffBodies(null, body), match.remoteId), note: engineMessage('engine.note.wouldAdopt') };
    if (operation === 'create' && match?.type === 'ambiguous') return failedOutcome(work, operation, ambiguousMatchError(work.kind, match), changes);
    return planned(target, work, operation, changes);
  }
  try {
    if (link?.remoteId) {
      try {
        return await update(target, work, link.remoteId, link.sent, body, hash, changes);
      } catch (error) {
        if (!(error instanceof RemoteNotFoundError)) throw error;
        // Gone on the downstream: forget it and create it again.
        const outcome = await create(target, work, body, hash, undefined, false);
        return { ...outcome, resetMembers: true, note: engineMessage('engine.note.recreated') };
      }
    }
    // A link row without a remote id is an earlier create whose answer was never recorded.
    return await create(target, work, body, hash, match, link !== undefined || work.lookFirst === true);
  } catch (error) {
    return failedOutcome(work, operation, error, changes);
  }
}

/**
 * Matching before creating: the object is adopted when the downstream has it (by the source's
 * matching setting; by every identifier when an earlier create may have gone unrecorded), else
 * created. An ambiguous match is rejected: no guess, no duplicate.
 */
async function create(target: ScimTarget, work: ObjectWork, body: ScimBody, hash: string, prematched: RemoteMatch | undefined, unrecorded: boolean): Promise<ObjectOutcome> {
  const endpoint = endpointOf(target, work.kind);
  const item = { localId: work.localId, body };
  let match = prematched ?? (await target.matcher.matchOne(target, work.kind, item));
  if (match.type === 'none' && unrecorded) match = await target.matcher.matchThoroughly(target, work.kind, item);
  // Nothing found (the common case of a first push): no adoption step, and no promise for it.
  if (match.type !== 'none') {
    const adopted = await adoptMatch(target, work, match, body, hash, engineMessage(unrecorded ? 'engine.note.adoptedUnrecorded' : 'engine.note.matchedAdopted'));
    if (adopted) return adopted;
  }
  let response: ScimResponse;
  try {
    response = await target.client.create(endpoint, body);
  } catch (error) {
    // The collection itself is missing: the URL is wrong, and every other create would fail alike.
    if (error instanceof RemoteNotFoundError) throw new StopSyncError('config', engineMessage(work.kind === 'user' ? 'engine.push.userUrlMissing' : 'engine.push.orgUrlMissing', { ...error.engineMessage.params }), error);
    if (!(error instanceof RemoteConflictError)) throw error;
    const conflict = await adoptMatch(target, work, await target.matcher.matchThoroughly(target, work.kind, item), body, hash, engineMessage('engine.note.adoptedConflict'));
    if (!conflict) throw new RemoteRejectedError(engineMessage('engine.push.notAdoptable', { ...error.engineMessage.params }), error);
    return conflict;
  }
  const remoteId = idOf(response.body);
  if (!remoteId) throw new RemoteRejectedError(engineMessage('engine.push.noId', { path: response.path, status: response.status }), { method: 'POST', path: response.path, status: response.status });
  return success(work, 'create', response, remoteId, body, hash, 'synced', {});
}

/**
 * Looks up, in batches, every work that would be created (no remote id yet): one `or` filter
 * per group of objects instead of a GET each. A batched look-up that failed for a while (a 5xx,
 * a timeout) is left out, so each of its objects looks itself up and fails or succeeds on its
 * own, as its create would: one bad answer does not send fifty objects to the retry queue.
 */
export async function matchUnlinked(target: ScimTarget, works: readonly ObjectWork[], run: RunRequest): Promise<Map<ObjectWork, RemoteMatch>> {
  const matches = new Map<ObjectWork, RemoteMatch>();
  for (const kind of ['org', 'user'] as const) {
    const creates = works.filter((work) => work.kind === kind && work.body !== null && !work.link?.remoteId);
    if (creates.length === 0 || (kind === 'org' && !target.orgEndpoint)) continue;
    const results = await target.matcher.matchMany(target, kind, creates.map((work) => ({ localId: work.localId, body: work.body! })), run);
    creates.forEach((work, index) => {
      const result = results[index]!;
      if (!(result.type === 'failed' && result.error instanceof TransientPushError)) matches.set(work, result);
    });
  }
  return matches;
}

/** Adopts what a look-up found; undefined when it found nothing. */
async function adoptMatch(target: ScimTarget, work: ObjectWork, match: RemoteMatch, body: ScimBody, hash: string, note: EngineMessage): Promise<ObjectOutcome | undefined> {
  if (match.type === 'failed') throw match.error;
  if (match.type === 'ambiguous') throw ambiguousMatchError(work.kind, match);
  if (match.type === 'none') return undefined;
  return adopt(target, work, match.remoteId, body, hash, note);
}

async function adopt(target: ScimTarget, work: ObjectWork, remoteId: string, body: ScimBody, hash: string, note: EngineMessage): Promise<ObjectOutcome> {
  const holder = await target.claimRemote(work.kind, remoteId, work.localId);
  if (holder !== undefined) throw linkedElsewhere(work, remoteId, holder);
  // We do not know what the adopted object holds: send everything.
  const outcome = await update(target, work, remoteId, null, body, hash, diffBodies(null, body));
  return { ...outcome, note, resetMembers: true };
}

async function update(
  target: ScimTarget,
  work: ObjectWork,
  remoteId: string,
  previous: ScimBody | null,
  body: ScimBody,
  hash: string,
  changes: AttributeChanges,
): Promise<ObjectOutcome> {
  const url = target.client.resourceUrl(endpointOf(target, work.kind), remoteId);
  return withUpdateMethod(target, work.kind, async (method) => {
    let response: ScimResponse;
    if (method === 'PATCH') {
      const operations = patchOperations(changes);
      if (operations.length === 0) return success(work, 'update', null, remoteId, body, hash, 'synced', changes);
      response = await target.client.patch(url, operations);
    } else {
      const replacement: Record<string, unknown> = { ...body, id: remoteId };
      // A PUT replaces the whole group: keep the members we sent, or they would be dropped.
      if (work.kind === 'org' && target.orgShape === 'group') {
        replacement.members = (await target.groupMembers(work.localId)).map((value) => ({ value }));
      }
      response = await target.client.replace(url, replacement);
    }
    return success(work, 'update', response, remoteId, body, hash, 'synced', changes);
  });
}

/**
 * Sends an update with the method the downstream takes for this kind (PATCH unless discovery
 * says otherwise); when it answers "not supported", the client learns the other method and
 * the update is sent again with it, once.
 */
async function withUpdateMethod<T>(target: ScimTarget, kind: ObjectKind, send: (method: UpdateMethod) => Promise<T>): Promise<T> {
  let method = await target.client.updateMethod(kind);
  for (;;) {
    try {
      return await send(method);
    } catch (error) {
      const other = isUnsupported(error) ? target.client.learnUnsupported(kind, method) : null;
      if (!other) throw error;
      method = other;
    }
  }
}

/** The host no longer has the object: apply the source's policy (disable, delete or leave). */
async function deprovision(target: ScimTarget, work: ObjectWork): Promise<ObjectOutcome> {
  const action = work.kind === 'user' ? target.policy.deprovision.users : target.policy.deprovision.orgs;
  const link = work.link;
  if (link && !link.remoteId && action !== 'leave' && work.identity) {
    // A link row without a remote id is a create whose answer never came back (or was never
    // recorded): the downstream may hold the object all the same. Find it before deciding.
    const operation: RunOperation = action === 'disable' ? 'disable' : 'delete';
    let found: string | undefined;
    try {
      const match = await target.matcher.matchThoroughly(target, work.kind, { localId: work.localId, body: work.identity });
      if (match.type === 'failed') throw match.error;
      if (match.type === 'ambiguous') throw ambiguousMatchError(work.kind, match);
      found = match.type === 'found' ? match.remoteId : undefined;
    } catch (error) {
      return failedOutcome(work, operation, error, {});
    }
    if (found) {
      const holder = await target.claimRemote(work.kind, found, work.localId);
      if (holder !== undefined) {
        const note = engineMessage('engine.note.notDeprovisionedLinked', { kind: work.kind, remoteId: found, holder });
        return { work, operation: 'skip', result: 'skipped', link: { type: 'remove' }, note };
      }
      const foundLink = { ...link, remoteId: found, sent: null };
      const outcome = await deprovisionLinked(target, { ...work, link: foundLink }, foundLink, action);
      return { ...outcome, note: outcome.note ?? engineMessage('engine.note.foundByLookup') };
    }
  }
  if (!link?.remoteId) {
    // Never made it to the downstream: only the local bookkeeping goes.
    return { work, operation: 'skip', result: 'skipped', link: link ? { type: 'remove' } : undefined, note: engineMessage('engine.note.notOnDownstream') };
  }
  return deprovisionLinked(target, work, { ...link, remoteId: link.remoteId }, action);
}

async function deprovisionLinked(target: ScimTarget, work: ObjectWork, link: PushLink & { remoteId: string }, action: 'disable' | 'delete' | 'leave'): Promise<ObjectOutcome> {
  if (action === 'leave') {
    return { work, operation: 'skip', result: 'skipped', note: engineMessage('engine.note.left'), link: keptLink(link, 'left') };
  }
  if (action === 'disable' && link.sent?.active === false) return { work, operation: 'skip', result: 'skipped', note: engineMessage('engine.note.alreadyDisabled') };
  const operation: RunOperation = action === 'disable' ? 'disable' : 'delete';
  const changes: AttributeChanges = action === 'disable' ? { active: { old: link.sent?.active ?? true, new: false } } : {};
  if (target.dryRun) return planned(target, work, operation, changes);
  const url = target.client.resourceUrl(endpointOf(target, work.kind), link.remoteId);
  try {
    if (action === 'delete') {
      const response = await removeIfPresent(target, url);
      return { ...outcomeOf(work, 'delete', 'succeeded', response), link: { type: 'remove' }, resetMembers: true };
    }
    const disabled: ScimBody = { ...(link.sent ?? work.identity ?? { schemas: [URN.user] }), active: false };
    try {
      const remoteId = link.remoteId;
      const response = await withUpdateMethod(target, 'user', (method) =>
        method === 'PATCH' ? target.client.patch(url, [{ op: 'replace', path: 'active', value: false }]) : target.client.replace(url, { ...disabled, id: remoteId }),
      );
      return success(work, 'disable', response, link.remoteId, disabled, bodyHash(disabled), 'disabled', changes);
    } catch (error) {
      if (error instanceof RemoteNotFoundError) return { ...outcomeOf(work, 'disable', 'succeeded', null), note: engineMessage('engine.note.alreadyGone'), link: { type: 'remove' }, resetMembers: true };
      throw error;
    }
  } catch (error) {
    return failedOutcome(work, operation, error, changes);
  }
}

async function removeIfPresent(target: ScimTarget, url: string): Promise<ScimResponse | null> {
  try {
    return await target.client.remove(url);
  } catch (error) {
    if (error instanceof RemoteNotFoundError) return null; // already gone is what we wanted
    throw error;
  }
}

function planned(target: ScimTarget, work: ObjectWork, operation: RunOperation, changes: AttributeChanges, remoteId = work.link?.remoteId): ObjectOutcome {
  const endpoint = endpointOf(target, work.kind);
  const method = operation === 'create' ? 'POST' : operation === 'delete' ? 'DELETE' : null;
  const path = remoteId ? pathOf(target.client.resourceUrl(endpoint, remoteId)) : pathOf(endpoint);
  return { work, operation, result: 'planned', method, path, changes };
}

function success(
  work: ObjectWork,
  operation: RunOperation,
  response: ScimResponse | null,
  remoteId: string,
  body: ScimBody,
  hash: string,
  status: LinkSuccess['status'],
  changes: AttributeChanges,
): ObjectOutcome {
  // Built in one literal (not spread from `outcomeOf`): one of these per object pushed.
  return {
    work,
    operation,
    result: 'succeeded',
    method: response?.method ?? null,
    path: response?.path ?? null,
    httpStatus: response?.status ?? null,
    durationMs: response?.durationMs ?? null,
    changes,
    link: { type: 'success', value: { kind: work.kind, localId: work.localId, remoteId, hash, sent: body, objectName: work.name, status } },
  };
}

function outcomeOf(work: ObjectWork, operation: RunOperation, result: OutcomeResult, response: ScimResponse | null): ObjectOutcome {
  return { work, operation, result, method: response?.method ?? null, path: response?.path ?? null, httpStatus: response?.status ?? null, durationMs: response?.durationMs ?? null };
}

export function failedOutcome(work: ObjectWork, operation: RunOperation, error: unknown, changes: AttributeChanges): ObjectOutcome {
  if (!(error instanceof PushError)) throw error;
  const result: OutcomeResult = error instanceof TransientPushError ? 'retry' : error instanceof StopSyncError ? 'stop' : 'rejected';
  return {
    work,
    operation,
    result,
    error,
    method: error.method ?? null,
    path: error.path ?? null,
    httpStatus: error.status ?? null,
    changes,
    link: { type: 'failure', value: { kind: work.kind, localId: work.localId, objectName: work.name, status: result === 'rejected' ? 'rejected' : 'failed', error: storeMessage(error.engineMessage) } },
  };
}

export function linkedElsewhere(work: ObjectWork, remoteId: string, holder: string): RemoteRejectedError {
  return new RemoteRejectedError(engineMessage('engine.push.linkedElsewhere', { kind: work.kind, remoteId, holder }));
}

export function keptLink(link: PushLink, status: LinkSuccess['status']): ObjectOutcome['link'] {
  return {
    type: 'success',
    value: { kind: link.kind, localId: link.localId, remoteId: link.remoteId!, hash: link.hash ?? '', sent: link.sent ?? { schemas: [] }, objectName: link.objectName, status },
  };
}

function endpointOf(target: ScimTarget, kind: ObjectKind): string {
  if (kind === 'user') return target.userEndpoint;
  if (!target.orgEndpoint) throw new StopSyncError('config', engineMessage('engine.push.noOrgUrl'));
  return target.orgEndpoint;
}

function idOf(resource: unknown): string | undefined {
  const id = (resource as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
}

export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
