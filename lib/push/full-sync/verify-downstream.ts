import type { ObjectKind } from '../../mirror/mirror-rows.js';
import type { LinkStore } from '../links-store.js';
import type { ObjectOutcome, ObjectWork, ScimTarget } from '../object-pusher.js';
import { runWorks } from '../phases.js';
import { orgNameAttribute, orgParentAttribute, type ScimBody } from '../bodies.js';
import type { Semaphore } from '../client/rate-limit.js';
import { treeLevels } from '../work-builder.js';
import { RemoteRejectedError } from '../client/errors.js';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import { DownstreamPager } from './downstream-pager.js';

/** A downstream object that no link points to: the IdP does not have it. */
export interface Orphan {
  kind: ObjectKind;
  remoteId: string;
  name: string | null;
  parent?: string;
  /** The resource as listed (without meta), so a PUT that disables it keeps its attributes. */
  resource: ScimBody;
}

/**
 * Pages through the downstream's Users (and Org URL) until a short or empty page (see
 * DownstreamPager) and returns what the links do not know, with the listings a bound cut short.
 * The orphans are held in memory: one entry per orphan.
 */
export async function findOrphans(target: ScimTarget, links: LinkStore, cancelled: () => Promise<boolean>): Promise<{ orphans: Orphan[]; cut: ObjectOutcome[] }> {
  const orphans: Orphan[] = [];
  const cut: ObjectOutcome[] = [];
  const endpoints: Array<[ObjectKind, string]> = [['user', target.userEndpoint]];
  if (target.orgEndpoint) endpoints.push(['org', target.orgEndpoint]);
  for (const [kind, endpoint] of endpoints) {
    const pager = new DownstreamPager<Record<string, unknown>>(target.client, endpoint);
    for await (const page of pager.pages()) {
      const resources = page.resources.filter((resource) => typeof resource.id === 'string' || typeof resource.id === 'number');
      const known = await links.localIdsOf(target.sourceId, kind, resources.map((resource) => String(resource.id)));
      for (const resource of resources) {
        const remoteId = String(resource.id);
        if (known.has(remoteId)) continue;
        const { meta: _meta, ...rest } = resource;
        const nameAttribute = kind === 'user' ? 'userName' : orgNameAttribute(target.orgShape);
        const parentAttribute = kind === 'org' ? orgParentAttribute(target.orgShape) : undefined;
        orphans.push({
          kind,
          remoteId,
          name: typeof resource[nameAttribute] === 'string' ? (resource[nameAttribute] as string) : null,
          parent: parentAttribute && typeof resource[parentAttribute] === 'string' ? (resource[parentAttribute] as string) : undefined,
          resource: { ...rest, schemas: Array.isArray(rest.schemas) ? (rest.schemas as string[]) : [] },
        });
      }
      if (await cancelled()) break;
    }
    const end = pager.end();
    if (!end.complete) cut.push(listingCut(kind, end.reason, end.path, end.listed, end.bound));
  }
  return { orphans, cut };
}

/** A run-log line (a failure) saying a listing stopped early (its bound, or a server repeating pages): downstream objects past it were not verified. */
function listingCut(kind: ObjectKind, reason: 'bound' | 'repeated', path: string, listed: number, bound: number): ObjectOutcome {
  const message = engineMessage(reason === 'bound' ? 'engine.verify.listingBound' : 'engine.verify.listingRepeats', { listed, bound, path });
  return {
    work: { kind, localId: path, name: null, body: null, link: undefined },
    operation: 'skip',
    result: 'rejected',
    method: 'GET',
    path,
    error: new RemoteRejectedError(message, { method: 'GET', path }),
  };
}

/**
 * Applies the deprovisioning policy to orphans: users first, then orgs leaves first. The
 * outcomes carry no link writes: an orphan has no local object to link.
 */
export async function deprovisionOrphans(target: ScimTarget, semaphore: Semaphore, orphans: readonly Orphan[]): Promise<ObjectOutcome[]> {
  const workOf = (orphan: Orphan): ObjectWork => ({
    kind: orphan.kind,
    localId: orphan.remoteId,
    name: orphan.name,
    body: null,
    link: {
      sourceId: target.sourceId,
      kind: orphan.kind,
      localId: orphan.remoteId,
      remoteId: orphan.remoteId,
      hash: null,
      sent: orphan.resource,
      objectName: orphan.name,
      lastStatus: 'synced',
      lastError: null,
      updatedAt: '',
    },
  });
  const outcomes: ObjectOutcome[] = [];
  outcomes.push(...(await runWorks(target, semaphore, orphans.filter((orphan) => orphan.kind === 'user').map(workOf))));
  const orgs = orphans.filter((orphan) => orphan.kind === 'org');
  for (const level of treeLevels(orgs, (orphan) => orphan.remoteId, (orphan) => orphan.parent).reverse()) {
    outcomes.push(...(await runWorks(target, semaphore, level.map(workOf))));
  }
  return outcomes.map((outcome) => ({ ...outcome, link: undefined, resetMembers: false, note: outcome.note ?? engineMessage('engine.note.orphan') }));
}
