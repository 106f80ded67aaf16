import type { Knex } from 'knex';
import { NotFoundError, StateConflictError } from '../errors.js';
import { STANDARD_USER_TARGETS, targetsFromSchemas } from '../mappings/target-choices.js';
import { compileUserMappings } from '../mappings/user-mapping.js';
import { nameOf } from '../mirror/mirror-record.js';
import type { MirrorReader } from '../mirror/mirror-reader.js';
import { searchLiveUsers, type UserHit } from '../mirror/user-search.js';
import type { MapOrgHook, MapUserHook } from '../options.js';
import { URN } from '../scim/urns.js';
import type { SourcesService } from '../sources/sources-service.js';
import type { AttributeMapping, Source } from '../sources/source-types.js';
import { bodyHash, type ScimBody } from './bodies.js';
import { bodyMappingOf } from './body-mapping.js';
import type { PatchOperation } from './client/scim-client.js';
import { diffBodies, patchOperations, type AttributeChanges } from './diff.js';
import type { LinkStore } from './links-store.js';
import { scimTargetOf } from './object-pusher.js';
import type { TargetFactory } from './push-targets.js';
import { WorkBuilder } from './work-builder.js';

/** What a push would send for one user, computed, never sent. */
export interface MappingPreviewResult {
  user: { id: string; name: string | null; userName: string };
  /** `create`: not on the downstream yet; `update`: something changed; `unchanged`: same body as last sent. */
  action: 'create' | 'update' | 'unchanged';
  /** The exact body that would be sent (a POST's body; a PUT sends it with the remote `id`). */
  body: ScimBody;
  /** Against what was last sent to this source (the link's `sent`). */
  changes: AttributeChanges;
  /** The PATCH operations of an update; empty for a create or when unchanged. */
  operations: PatchOperation[];
  /** The remote id the update goes to; null for a create. */
  remoteId: string | null;
  /** Targets the downstream is left to keep (only on create, empty without "clear when empty"). */
  keep: string[];
}

export type { UserHit };

/**
 * The console's Mappings page: which users to preview, what a table would send for one of
 * them (the saved table, or one being edited), and which targets the downstream offers.
 */
export class MappingPreview {
  constructor(
    private readonly deps: { knex: Knex; mirror: MirrorReader; sources: SourcesService; targets: TargetFactory; links: LinkStore; hooks: { mapUser?: MapUserHook; mapOrg?: MapOrgHook } },
  ) {}

  /** Live users whose userName, name or e-mail contains `query` (at most `limit`). */
  searchUsers(query: string, limit = 10): Promise<UserHit[]> {
    return searchLiveUsers(this.deps.knex, query, limit);
  }

  /**
   * What a push of this source would send for the user: with the source's saved table (and the
   * host's hooks), or with `mappings` as being edited (checked first: a MappingError names the
   * bad row). Reads the links and, once, the downstream's discovery; sends nothing.
   */
  async preview(sourceId: string, userId: string, mappings?: readonly AttributeMapping[] | null): Promise<MappingPreviewResult> {
    const source = await this.#pushSource(sourceId);
    const user = await this.deps.mirror.getUser(userId);
    if (!user || user.deletedAt) throw new NotFoundError('user', userId);
    const { target } = await this.deps.targets.target(source, true);
    if (mappings !== undefined) {
      const mapper = mappings ? compileUserMappings(mappings) : null;
      const { mapUser, mapOrg } = this.deps.hooks;
      if (mapper || mapUser || mapOrg) target.mapping = bodyMappingOf(source, mapper, this.deps.hooks);
      else delete target.mapping;
    }
    const builder = await WorkBuilder.create(target, this.deps.links);
    const [work] = await builder.userWorks([user], () => true);
    const body = work!.body!;
    const link = work!.link;
    const base = { user: { id: user.id, name: nameOf(user), userName: user.data.userName }, body, keep: [...(work!.keep ?? [])] };
    if (!link?.remoteId) return { ...base, action: 'create', changes: {}, operations: [], remoteId: null };
    if (link.hash === bodyHash(body)) return { ...base, action: 'unchanged', changes: {}, operations: [], remoteId: link.remoteId };
    const changes = diffBodies(link.sent, body);
    return { ...base, action: Object.keys(changes).length > 0 ? 'update' : 'unchanged', changes, operations: patchOperations(changes), remoteId: link.remoteId };
  }

  /**
   * Targets to offer: the downstream's own, from its `/Schemas` when it publishes them, else
   * core User, Enterprise User and our extension. `fromDownstream` says which it is.
   */
  async targetChoices(sourceId: string): Promise<{ targets: string[]; fromDownstream: boolean }> {
    const source = await this.#pushSource(sourceId);
    const { target: shared } = await this.deps.targets.target(source, true);
    // Only SCIM publishes its schemas; another protocol's mapped body takes the standard attributes.
    const target = scimTargetOf(shared);
    try {
      if (target) {
        const discovery = await target.client.discovery();
        const response = await target.client.get(`${target.client.baseOf(target.userEndpoint)}/Schemas`);
        const targets = targetsFromSchemas(response.body, discovery.userExtensions ?? [URN.enterpriseUser, URN.userOrgs]);
        if (targets.length > 0) return { targets: [...new Set(targets)], fromDownstream: true };
      }
    } catch {
      // Not published, or the downstream cannot be reached now: the standard attributes do.
    } finally {
      await shared.writer.release();
    }
    return { targets: [...STANDARD_USER_TARGETS], fromDownstream: false };
  }

  async #pushSource(sourceId: string): Promise<Source> {
    const source = await this.deps.sources.get(sourceId);
    if (source.mode !== 'push') throw new StateConflictError('not_push', 'only push sources have attribute mappings');
    return source;
  }
}
