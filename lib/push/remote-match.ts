import { engineMessage } from '../i18n/engine-message.js';
import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { MatchingPolicy, OrgResourceShape, UserMatch } from '../sources/source-types.js';
import { foldCase } from '../util/case-fold.js';
import { orgNameAttribute, orgParentAttribute, type ScimBody } from './bodies.js';
import { PushError, RemoteRejectedError, StopSyncError, TransientPushError } from './client/errors.js';
import type { ScimClient } from './client/scim-client.js';

/** What looking one unlinked object up on the downstream found. */
export type RemoteMatch =
  | { type: 'found'; remoteId: string; attribute: string }
  | { type: 'none' }
  | { type: 'ambiguous'; attribute: string; value: string; remoteIds: string[] }
  | { type: 'failed'; error: PushError };

/** What the matcher needs of a push target (a `PushTarget` is one). */
export interface MatchTarget {
  client: ScimClient;
  userEndpoint: string;
  orgEndpoint: string | undefined;
  orgShape: OrgResourceShape;
  policy: { matching: MatchingPolicy };
  /** Which of `remoteIds` another local object of this source holds already. */
  heldByOthers(kind: ObjectKind, remoteIds: readonly string[], localId: string): Promise<Set<string>>;
}

export interface MatchItem {
  localId: string;
  body: ScimBody;
}

/** Runs one look-up request (through the source's in-flight bound, for a batch). */
export type RunRequest = <T>(request: () => Promise<T>) => Promise<T>;

type Resource = Record<string, unknown>;

/**
 * One way of recognising a remote object as a local object's twin: the attribute compared, how
 * a value is normalised (SCIM compares `caseExact: false` attributes without case), the filter
 * term that asks for it, and the keys a remote resource answers to.
 */
interface MatchStep {
  attribute: string;
  valueOf(body: ScimBody): string | undefined;
  normalize(value: string): string;
  term(value: string): string;
  keysOf(resource: Resource): string[];
  /** A further condition on a candidate (an org name counts under the same parent only). */
  accept?(resource: Resource, body: ScimBody): boolean;
  /**
   * A loose match (a name) passes over candidates another local object holds: two sibling orgs
   * may share a name. An exact identifier held by another object is a conflict, reported on adopt.
   */
  loose?: boolean;
}

/** Terms joined with `or` in one look-up; fewer when the downstream answers fewer resources per request. */
const MAX_TERMS = 50;
/** The encoded filter stays well under the 8 KB request line many servers and proxies accept. */
const MAX_FILTER_CHARS = 4000;
/** Pages read for one look-up before giving up on it (a downstream that ignores the filter). */
const MAX_PAGES = 5;
const DEFAULT_MAX_RESULTS = 100;

/**
 * Matching before creating (issue 10): an object the source has no link for is looked up on
 * the downstream by the source's matching attribute and adopted when found, before any POST, so
 * that a second source (or a wiped link table) does not duplicate what the downstream holds.
 *
 * A page of objects costs one GET per `MAX_TERMS` objects: their values are asked for in one
 * `or` filter, and answers are matched back by value, so a downstream that ignores part of the
 * filter cannot make a wrong match. A downstream that refuses `or` is asked one object per
 * request, and remembered as such. A filter the downstream refuses even alone skips that
 * attribute. Two remote objects matching one local object is ambiguous and never guessed at,
 * unless exactly one of them carries our externalId.
 *
 * One matcher per source's client: what it learns about the downstream lives as long as the client.
 */
export class RemoteMatcher {
  /** Endpoints that refused an `or` filter: looked up one value per request from then on. */
  readonly #singleOnly = new Set<string>();

  /** Looks up many objects of one kind with the source's matching settings (before their creates). */
  async matchMany(target: MatchTarget, kind: ObjectKind, items: readonly MatchItem[], run: RunRequest): Promise<RemoteMatch[]> {
    return this.#match(target, kind, items, configuredSteps(target, kind), run);
  }

  /**
   * Looks up one object by every identifier it has: after a 409 (the downstream says it holds
   * the object, whatever the source matches by) and for a create whose answer was lost.
   */
  async matchThoroughly(target: MatchTarget, kind: ObjectKind, item: MatchItem): Promise<RemoteMatch> {
    const [match] = await this.#match(target, kind, [item], thoroughSteps(target, kind), (request) => request());
    return match!;
  }

  /** Looks up one object with the source's matching settings. */
  async matchOne(target: MatchTarget, kind: ObjectKind, item: MatchItem): Promise<RemoteMatch> {
    const [match] = await this.#match(target, kind, [item], configuredSteps(target, kind), (request) => request());
    return match!;
  }

  async #match(target: MatchTarget, kind: ObjectKind, items: readonly MatchItem[], steps: readonly MatchStep[], run: RunRequest): Promise<RemoteMatch[]> {
    const results: RemoteMatch[] = items.map(() => ({ type: 'none' }));
    if (items.length === 0) return results;
    const endpoint = kind === 'user' ? target.userEndpoint : target.orgEndpoint;
    if (!endpoint) return results;
    const maxResults = await maxResultsOf(target.client);
    let pending = items.map((_, index) => index);
    for (const step of steps) {
      if (pending.length === 0) break;
      const asked: number[] = [];
      const values: string[] = [];
      const next: number[] = [];
      for (const index of pending) {
        const value = step.valueOf(items[index]!.body);
        if (value === undefined) next.push(index);
        else {
          asked.push(index);
          values.push(value);
        }
      }
      const answers = await this.#lookUp(target.client, endpoint, step, values, maxResults, run);
      // Most answers are empty (a first push): decided at once, only candidates wait for `decide`.
      const decided = new Array<RemoteMatch | undefined>(asked.length);
      const deciding: Promise<void>[] = [];
      asked.forEach((index, position) => {
        const value = values[position]!;
        const answer = answers.get(step.normalize(value));
        if (answer instanceof PushError) decided[position] = { type: 'failed', error: answer };
        else if (answer && answer.length > 0) deciding.push(decide(target, kind, step, items[index]!, value, answer).then((match) => void (decided[position] = match)));
      });
      if (deciding.length > 0) await Promise.all(deciding);
      // Two local objects of this batch loosely matching one remote object (sibling orgs of one
      // name): which is which cannot be told, so neither takes it.
      const wanted = new Map<string, number>();
      if (step.loose) for (const match of decided) if (match?.type === 'found') wanted.set(match.remoteId, (wanted.get(match.remoteId) ?? 0) + 1);
      asked.forEach((index, position) => {
        const match = decided[position];
        if (match && !(match.type === 'found' && (wanted.get(match.remoteId) ?? 0) > 1)) results[index] = match;
        else next.push(index);
      });
      pending = next.sort((a, b) => a - b);
    }
    return results;
  }

  /**
   * The candidates for each normalised value: the resources the downstream answered for it, a
   * `PushError` when asking failed in a way the caller must see (the downstream is down, or
   * refuses us), or nothing when the downstream cannot be asked by this attribute.
   */
  async #lookUp(client: ScimClient, endpoint: string, step: MatchStep, values: string[], maxResults: number, run: RunRequest): Promise<Map<string, Resource[] | PushError>> {
    const byKey = new Map<string, string>();
    for (const value of values) if (!byKey.has(step.normalize(value))) byKey.set(step.normalize(value), value);
    const answers = new Map<string, Resource[] | PushError>();
    const terms = Math.max(1, Math.min(MAX_TERMS, Math.floor(maxResults / 2)));
    const groups = this.#singleOnly.has(endpoint) ? [...byKey.keys()].map((key) => [key]) : groupsOf([...byKey.keys()], (key) => step.term(byKey.get(key)!), terms);
    const one = async (key: string): Promise<void> => {
      try {
        answers.set(key, await run(() => search(client, endpoint, step.term(byKey.get(key)!), 1, maxResults)));
      } catch (error) {
        if (mustSurface(error)) answers.set(key, error);
        else if (!(error instanceof PushError)) throw error;
        // Otherwise the downstream cannot be asked by this attribute: the next step may match.
      }
    };
    await Promise.all(
      groups.map(async (group) => {
        if (group.length === 1) return one(group[0]!);
        let resources: Resource[];
        try {
          resources = await run(() => search(client, endpoint, group.map((key) => step.term(byKey.get(key)!)).join(' or '), group.length, maxResults));
        } catch (error) {
          if (mustSurface(error)) {
            for (const key of group) answers.set(key, error);
            return;
          }
          if (!(error instanceof PushError)) throw error;
          // The combined filter was refused (no `or`, too long): ask for each value alone.
          await one(group[0]!);
          if (answers.has(group[0]!) && !(answers.get(group[0]!) instanceof PushError)) this.#singleOnly.add(endpoint);
          await Promise.all(group.slice(1).map(one));
          return;
        }
        for (const key of group) answers.set(key, []);
        for (const resource of resources) {
          for (const key of step.keysOf(resource)) (answers.get(key) as Resource[] | undefined)?.push(resource);
        }
      }),
    );
    // A single look-up's resources are filtered by key too: the downstream may ignore the filter.
    for (const [key, answer] of answers) {
      if (Array.isArray(answer)) answers.set(key, answer.filter((resource) => step.keysOf(resource).includes(key)));
    }
    return answers;
  }
}

/** The decision for one object from its candidates; undefined: none, the next step may match. */
async function decide(target: MatchTarget, kind: ObjectKind, step: MatchStep, item: MatchItem, value: string, answer: readonly Resource[]): Promise<RemoteMatch | undefined> {
  const byId = new Map<string, Resource>();
  for (const resource of answer) {
    const id = idOf(resource);
    if (id !== undefined && (step.accept?.(resource, item.body) ?? true)) byId.set(id, resource);
  }
  if (step.loose && byId.size > 0) for (const id of await target.heldByOthers(kind, [...byId.keys()], item.localId)) byId.delete(id);
  if (byId.size === 0) return undefined;
  if (byId.size === 1) return { type: 'found', remoteId: [...byId.keys()][0]!, attribute: step.attribute };
  // Exactly one carrying our externalId is ours (it is what we would have sent); otherwise no guess.
  const ours = [...byId].filter(([, resource]) => item.body.externalId !== undefined && resource.externalId === item.body.externalId);
  if (ours.length === 1) return { type: 'found', remoteId: ours[0]![0], attribute: step.attribute };
  return { type: 'ambiguous', attribute: step.attribute, value, remoteIds: [...byId.keys()] };
}

/** The rejection for an ambiguous match, with the sentence an admin reads in the logs. */
export function ambiguousMatchError(kind: ObjectKind, match: Extract<RemoteMatch, { type: 'ambiguous' }>): RemoteRejectedError {
  const ids = match.remoteIds.map((id) => JSON.stringify(id)).join(', ');
  return new RemoteRejectedError(engineMessage('engine.match.ambiguous', { count: match.remoteIds.length, attribute: match.attribute, value: JSON.stringify(match.value), ids }));
}

/** `GET endpoint?filter=…`, every page of the answer (up to `MAX_PAGES`). */
async function search(client: ScimClient, endpoint: string, filter: string, expected: number, maxResults: number): Promise<Resource[]> {
  const count = Math.min(maxResults, Math.max(10, expected * 2));
  const collected: Resource[] = [];
  let startIndex = 1;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query = new URLSearchParams({ filter, startIndex: String(startIndex), count: String(count) });
    const response = await client.send<{ Resources?: unknown; totalResults?: unknown }>('GET', `${endpoint}?${query}`);
    const resources = Array.isArray(response.body?.Resources) ? (response.body.Resources as unknown[]).filter(isResource) : [];
    collected.push(...resources);
    const total = Number(response.body?.totalResults);
    if (resources.length === 0 || !Number.isFinite(total) || startIndex - 1 + resources.length >= total) return collected;
    startIndex += resources.length;
  }
  throw new RemoteRejectedError(engineMessage('engine.match.tooManyPages', { endpoint, pages: MAX_PAGES }));
}

/** Keys in groups of at most `terms`, each group's `or` filter at most `MAX_FILTER_CHARS` once encoded. */
function groupsOf(keys: readonly string[], termOf: (key: string) => string, terms: number): string[][] {
  const groups: string[][] = [];
  let group: string[] = [];
  let length = 0;
  for (const key of keys) {
    const size = encodeURIComponent(termOf(key)).length + 8; // `%20or%20`
    if (group.length > 0 && (group.length >= terms || length + size > MAX_FILTER_CHARS)) {
      groups.push(group);
      group = [];
      length = 0;
    }
    group.push(key);
    length += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

async function maxResultsOf(client: ScimClient): Promise<number> {
  try {
    return (await client.discovery()).filterMaxResults ?? DEFAULT_MAX_RESULTS;
  } catch {
    return DEFAULT_MAX_RESULTS; // the look-ups themselves will say what is wrong
  }
}

/** Failures the object's outcome must carry (retry later, or stop the sync); others only skip a look-up. */
function mustSurface(error: unknown): error is PushError {
  return error instanceof TransientPushError || error instanceof StopSyncError;
}

/** The steps of the source's matching setting for this kind. */
function configuredSteps(target: MatchTarget, kind: ObjectKind): MatchStep[] {
  const { matching } = target.policy;
  if (kind === 'user') return [userStep(matching.users)];
  return matching.orgs === 'externalId' ? [EXTERNAL_ID] : [EXTERNAL_ID, orgNameStep(target.orgShape)];
}

/** Every identifier an object has, the configured one first. */
function thoroughSteps(target: MatchTarget, kind: ObjectKind): MatchStep[] {
  if (kind !== 'user') return [EXTERNAL_ID, orgNameStep(target.orgShape)];
  const order: UserMatch[] = [target.policy.matching.users, 'userName', 'externalId'];
  return [...new Set(order)].map(userStep);
}

const EXTERNAL_ID: MatchStep = {
  attribute: 'externalId',
  valueOf: (body) => text(body.externalId),
  normalize: (value) => value, // caseExact (RFC 7643 §3.1)
  term: (value) => `externalId eq ${quote(value)}`,
  keysOf: (resource) => texts(resource.externalId),
};

const USER_NAME: MatchStep = {
  attribute: 'userName',
  valueOf: (body) => text(body.userName),
  normalize: foldCase,
  term: (value) => `userName eq ${quote(value)}`,
  keysOf: (resource) => texts(resource.userName).map(foldCase),
};

const WORK_EMAIL: MatchStep = {
  attribute: 'emails[type eq "work"].value',
  valueOf: (body) => workEmails(body)[0],
  normalize: foldCase,
  // The valuePath form of RFC 7644 §3.4.2.2's grammar (`emails[type eq "work"].value eq …` is not in it).
  term: (value) => `emails[type eq "work" and value eq ${quote(value)}]`,
  keysOf: (resource) => workEmails(resource).map(foldCase),
};

function userStep(choice: UserMatch): MatchStep {
  return choice === 'externalId' ? EXTERNAL_ID : choice === 'email' ? WORK_EMAIL : USER_NAME;
}

/**
 * The name step for orgs: the shape's name attribute, and the same parent (both roots, or the
 * same remote parent id), as names repeat across a tree. SCIM Groups have no parent: a group
 * matches by display name alone, and only when no other local org holds it already.
 */
function orgNameStep(shape: OrgResourceShape): MatchStep {
  const name = orgNameAttribute(shape);
  const parent = orgParentAttribute(shape);
  return {
    attribute: name,
    valueOf: (body) => text(body[name]),
    normalize: foldCase,
    term: (value) => `${name} eq ${quote(value)}`,
    keysOf: (resource) => texts(resource[name]).map(foldCase),
    accept: parent ? (resource, body) => (text(resource[parent]) ?? null) === (text(body[parent]) ?? null) : undefined,
    loose: true,
  };
}

/** Work e-mail addresses, the primary first. */
function workEmails(resource: Resource): string[] {
  const emails = Array.isArray(resource.emails) ? (resource.emails as unknown[]).filter(isResource) : [];
  const work = emails.filter((email) => typeof email.type === 'string' && email.type.toLowerCase() === 'work');
  work.sort((a, b) => Number(b.primary === true) - Number(a.primary === true));
  return work.flatMap((email) => texts(email.value));
}

/** A SCIM filter string literal: RFC 7644 §3.4.2.2 takes JSON string rules (RFC 7159 §7). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

function texts(value: unknown): string[] {
  const one = text(value);
  return one === undefined ? [] : [one];
}

function idOf(resource: Resource): string | undefined {
  return text(resource.id);
}

function isResource(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
