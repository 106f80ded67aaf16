import type { ObjectKind } from '../mirror/mirror-rows.js';
import { requireFittingOrgShape } from './client/downstream-shape.js';
import { matchUnlinked, pathOf, pushObject, type ScimTarget } from './object-pusher.js';
import type { ObjectWriter, ReconcileContext, RunReconciler } from './object-writer.js';
import { Reconciler } from './reconciler.js';

/**
 * SCIM behind the writer seam: the HTTP client with batched `or`-filter matching, PATCH or PUT as
 * the downstream takes them, discovery of its extensions and org shape. Groups' memberships are
 * member deltas (`MemberPusher`), which the engine's steps drive for a SCIM target with Groups.
 */
export function scimWriter(target: ScimTarget): ObjectWriter {
  const endpointOf = (kind: ObjectKind) => (kind === 'user' ? target.userEndpoint : target.orgEndpoint);
  return {
    protocol: 'scim',
    userMatchAttribute: target.policy.matching.users,
    get pushesOrgs() {
      return target.orgEndpoint !== undefined;
    },
    connection: target.client,
    prepare: () => requireFittingOrgShape(target.client, { orgUrl: target.orgEndpoint, orgResource: target.orgShape }),
    userExtensions: async () => (await target.client.discovery()).userExtensions,
    matchUnlinked: (works, run) => matchUnlinked(target, works, run),
    push: (work, match) => pushObject(target, work, match),
    reconciler: ({ knex, semaphore, links }: ReconcileContext): RunReconciler => new Reconciler(knex, target, semaphore, links),
    async probe() {
      await target.client.list(target.userEndpoint, 1, 1);
    },
    locationOf(kind, remoteId) {
      const endpoint = endpointOf(kind);
      return endpoint ? pathOf(target.client.resourceUrl(endpoint, remoteId)) : null;
    },
    memberWriter: () => null,
    release: async () => undefined,
  };
}
