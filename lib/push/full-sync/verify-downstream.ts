import type { ObjectKind } from '../../mirror/mirror-rows.js';
import { engineMessage } from '../../i18n/engine-message.js';
import type { LinkStore } from '../links-store.js';
import type { ObjectOutcome, ObjectWork, PushTarget } from '../object-pusher.js';
import { runWorks } from '../phases.js';
import { orgNameAttribute, orgParentAttribute, type ScimBody } from '../bodies.js';
import type { Semaphore } from '../client/rate-limit.js';
import { treeLevels } from '../work-builder.js';

/** A downstream object that no link points to: the IdP does not have it. */
export interface Orphan {
  kind: ObjectKind;
  remoteId: string;
  name: string | null;
  parent?: string;
  /** The resource as listed (without meta), so a PUT that disables it keeps its attributes. */
  resource: ScimBody;
}

const PAGE = 100;
/** Listing stops here even if the downstream claims more (a broken totalResults must not loop forever). */
const MAX_OBJECTS = 1_000_000;

/**
 * Pages through the downstream's Users (and Org URL) with startIndex/count and returns what the
 * links do not know. The remote ids are held in memory: one string per orphan.
 */
export async function findOrphans(target: PushTarget, links: LinkStore, cancelled: () => Promise<boolean>): Promise<Orphan[]> {
  const orphans: Orphan[] = [];
  const endpoints: Array<[ObjectKind, string]> = [['user', target.userEndpoint]];
  if (target.orgEndpoint) endpoints.push(['org', target.orgEndpoint]);
  for (const [kind, endpoint] of endpoints) {
    let startIndex = 1;
    for (let seen = 0; seen < MAX_OBJECTS; ) {
      const page = await target.client.list<Record<string, unknown>>(endpoint, startIndex, PAGE);
      const resources = page.resources.filter((resource) => typeof resource.id === 'string' || typeof resource.id === 'number');
      if (page.resources.length === 0) break;
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
      seen += page.resources.length;
      startIndex += page.resources.length;
      if (startIndex > page.totalResults || (await cancelled())) break;
    }
  }
  return orphans;
}

/**
 * Applies the deprovisioning policy to orphans: users first, then orgs leaves first. The
 * outcomes carry no link writes: an orphan has no local object to link.
 */
export async function deprovisionOrphans(target: PushTarget, semaphore: Semaphore, orphans: readonly Orphan[]): Promise<ObjectOutcome[]> {
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
