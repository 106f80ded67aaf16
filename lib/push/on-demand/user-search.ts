import type { Knex } from 'knex';
import type { MirrorReader } from '../../mirror/mirror-reader.js';
import { compileUserScope } from '../../scim/query/source-scope.js';
import type { SourceScope } from '../../sources/source-types.js';
import type { LinkStore } from '../links-store.js';
import { quote } from '../remote-match.js';
import { limits } from './on-demand-scope.js';
import type { OnDemandCandidate } from './on-demand-types.js';

export const MAX_CANDIDATES = 50;
const MAX_QUERY = 200;

/**
 * Live users whose userName, display name, given or family name or an e-mail contains `text`
 * (without case), in id order, `limit` at a time after the id `after` (keyset paging). The
 * search is a SCIM filter run by the SCIM server's filter compiler: SQL over the mirror, never a
 * loop over users. Each candidate says whether this source links it and whether its scope covers it.
 */
export async function searchCandidates(
  deps: { knex: Knex; mirror: MirrorReader; links: LinkStore },
  sourceId: string,
  scope: SourceScope | undefined,
  text: string,
  page: { limit?: number; after?: string } = {},
): Promise<{ candidates: OnDemandCandidate[]; next: string | null }> {
  const query = text.trim().slice(0, MAX_QUERY);
  if (query === '') return { candidates: [], next: null };
  const limit = Math.max(1, Math.min(MAX_CANDIDATES, page.limit ?? 20));
  const value = quote(query);
  const filter = ['userName', 'displayName', 'name.givenName', 'name.familyName', 'name.formatted', 'emails.value'].map((path) => `${path} co ${value}`).join(' or ');
  // One more than asked: whether a next page exists.
  const ids = await compileUserScope(deps.knex, { orgIds: [], userFilter: filter }).idsAfter(page.after, limit + 1);
  const shown = ids.slice(0, limit);
  const users = new Map((await deps.mirror.getUsers(shown)).map((user) => [user.id, user]));
  const links = await deps.links.load(sourceId, 'user', shown);
  const covered = limits(scope) ? await compileUserScope(deps.knex, scope).inScope(shown) : null;
  const candidates = shown.flatMap((id): OnDemandCandidate[] => {
    const user = users.get(id);
    if (!user) return [];
    const emails = user.data.emails ?? [];
    const email = (emails.find((entry) => entry.primary) ?? emails[0])?.value ?? null;
    return [{ id, userName: user.data.userName, displayName: user.data.displayName ?? null, email, active: user.data.active, remoteId: links.get(id)?.remoteId ?? null, inScope: covered ? covered.has(id) : true }];
  });
  return { candidates, next: ids.length > limit ? shown[shown.length - 1]! : null };
}
