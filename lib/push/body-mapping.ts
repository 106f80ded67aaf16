import { callHost } from '../hooks/call-host.js';
import { engineMessage } from '../i18n/engine-message.js';
import { compileUserMappings, MappingError, type UserMapper } from '../mappings/user-mapping.js';
import type { MirrorOrgData, MirrorUserData } from '../mirror/normalize.js';
import { normalizeUser } from '../mirror/normalize.js';
import type { MapOrgHook, MapUserHook } from '../options.js';
import type { ScimBody } from '../scim/scim-body.js';
import type { Source } from '../sources/source-types.js';
import { StopSyncError } from './client/errors.js';

/**
 * How one push source shapes its bodies: the host's hooks (`push.mapUser`, `push.mapOrg`) and the
 * source's own mapping table, compiled once. Without either, bodies are built as they always
 * were (`userBody`, `orgBody`) and nothing here costs anything.
 */
export interface BodyMapping {
  /** The source's table, compiled; null for the defaults (`userBody`, the fast path). */
  userMapper: UserMapper | null;
  /** The host's user hook bound to the source; undefined when the host gave none. */
  mapUser?: (user: MirrorUserData) => Promise<MirrorUserData>;
  mapOrg?: (body: ScimBody, org: MirrorOrgData) => Promise<ScimBody>;
}

/** Caches a source's compiled table by the table's JSON, so the worker and runs compile it once. */
export class MapperCache {
  readonly #compiled = new Map<string, { json: string; mapper: UserMapper | null }>();

  mapperFor(source: Source): UserMapper | null {
    const rows = source.push?.userMappings;
    if (!rows) return null;
    const json = JSON.stringify(rows);
    const cached = this.#compiled.get(source.id);
    if (cached?.json === json) return cached.mapper;
    let mapper: UserMapper;
    try {
      mapper = compileUserMappings(rows);
    } catch (error) {
      // Saved tables are checked on save; one that no longer compiles stops the source, not each user.
      if (!(error instanceof MappingError)) throw error;
      throw new StopSyncError('config', engineMessage('engine.mapping.broken', { row: error.row + 1, error: error.message }), {}, { cause: error });
    }
    this.#compiled.set(source.id, { json, mapper });
    return mapper;
  }

  drop(sourceId: string): void {
    this.#compiled.delete(sourceId);
  }
}

export function bodyMappingOf(source: Source, mapper: UserMapper | null, hooks: { mapUser?: MapUserHook; mapOrg?: MapOrgHook }): BodyMapping {
  const mapping: BodyMapping = { userMapper: mapper };
  const { mapUser, mapOrg } = hooks;
  if (mapUser) {
    mapping.mapUser = (user) => callHost('mapUser', async () => normalizeUser((await mapUser(structuredClone(user), { source })) as Parameters<typeof normalizeUser>[0]));
  }
  if (mapOrg) {
    mapping.mapOrg = (body, org) =>
      callHost('mapOrg', async () => {
        const mapped = await mapOrg(structuredClone(body), { org: { ...org }, source });
        if (typeof mapped !== 'object' || mapped === null || !Array.isArray(mapped.schemas)) throw new TypeError('mapOrg must return a SCIM body with `schemas`');
        return mapped;
      });
  }
  return mapping;
}
