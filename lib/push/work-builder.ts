import type { MirrorOrg, MirrorUser } from '../mirror/mirror-rows.js';
import { nameOf } from '../mirror/mirror-record.js';
import { URN } from '../scim/urns.js';
import type { LinkStore, PushLink } from './links-store.js';
import type { ObjectWork, PushTarget } from './object-pusher.js';
import { orgBody, userBody, type ScimBody, type UserReferences } from './bodies.js';
import type { BodyMapping } from './body-mapping.js';

/** `deletedAt` of a gone object whose mirror row retention has purged (a full run's stand-in record). */
export const PURGED = 'purged';

/**
 * Turns mirror rows into work for the object pusher, resolving references through the links in
 * a few batched queries: an org's parent and a user's orgs and manager are sent as remote ids.
 * When a source has no Org URL, users carry the host's org ids instead (the only ids that
 * downstream can know).
 */
export class WorkBuilder {
  /** Org local id → remote id; filled lazily, updated as orgs are created. */
  readonly orgRemote = new Map<string, string | null>();
  /**
   * Look up every unlinked object before creating it (after a lease takeover: the dead holder's
   * creates may have reached the downstream without their links being written).
   */
  lookUpCreates = false;

  constructor(
    private readonly target: PushTarget,
    private readonly links: LinkStore,
    private readonly extensions: UserReferences['extensions'],
  ) {}

  static async create(target: PushTarget, links: LinkStore): Promise<WorkBuilder> {
    let userExtensions: string[] | undefined;
    try {
      userExtensions = await target.writer.userExtensions();
    } catch (error) {
      if (!target.dryRun) throw error;
    }
    const extensions = {
      enterprise: userExtensions === undefined || userExtensions.includes(URN.enterpriseUser),
      orgs: userExtensions === undefined || userExtensions.includes(URN.userOrgs),
    };
    return new WorkBuilder(target, links, extensions);
  }

  /** Loads the remote ids of every linked org of the source at once (orgs are few next to users). */
  async preloadOrgLinks(orgIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(orgIds)].filter((id) => !this.orgRemote.has(id));
    if (missing.length === 0) return;
    const links = await this.links.load(this.target.sourceId, 'org', missing);
    for (const id of missing) this.orgRemote.set(id, links.get(id)?.remoteId ?? null);
  }

  /** Records remote ids learned while pushing (a created parent, for its children). */
  learnOrg(localId: string, remoteId: string | null): void {
    this.orgRemote.set(localId, remoteId);
  }

  async orgWorks(orgs: readonly MirrorOrg[], live: (org: MirrorOrg) => boolean): Promise<{ works: ObjectWork[]; blocked: ObjectWork[] }> {
    const links = await this.links.load(this.target.sourceId, 'org', orgs.map((org) => org.id));
    await this.preloadOrgLinks(orgs.flatMap((org) => (org.data.parentId ? [org.data.parentId] : [])));
    const works: ObjectWork[] = [];
    const blocked: ObjectWork[] = [];
    const mapOrg = this.target.mapping?.mapOrg;
    for (const org of orgs) {
      const link = links.get(org.id);
      const parentId = org.data.parentId;
      const parentRemote = parentId ? this.orgRemote.get(parentId) ?? undefined : undefined;
      if (!live(org)) {
        const identity = identityOf(org, link, () => orgBody(org.data, this.target.orgShape, parentRemote));
        works.push({ kind: 'org', localId: org.id, name: nameOf(org), body: null, link, seq: org.seq, identity });
        continue;
      }
      const built = orgBody(org.data, this.target.orgShape, parentRemote);
      const body = mapOrg ? await mapOrg(built, org.data) : built;
      const work: ObjectWork = { kind: 'org', localId: org.id, name: nameOf(org), body, link, seq: org.seq, lookFirst: this.lookUpCreates };
      // Sent without its parent it would land as a root: wait until the parent is there.
      const needsParent = parentId !== undefined && !parentRemote && this.target.orgShape !== 'group';
      if (needsParent && !this.target.dryRun) blocked.push(work);
      else works.push(work);
    }
    return { works, blocked };
  }

  async userWorks(users: readonly MirrorUser[], live: (user: MirrorUser) => boolean): Promise<ObjectWork[]> {
    const ids = users.map((user) => user.id);
    const links = await this.links.load(this.target.sourceId, 'user', ids);
    const managerIds = users.flatMap((user) => (user.data.managerId && !links.has(user.data.managerId) ? [user.data.managerId] : []));
    const managers = managerIds.length > 0 ? await this.links.load(this.target.sourceId, 'user', managerIds) : new Map<string, PushLink>();
    const pushOrgs = this.target.writer.pushesOrgs;
    if (pushOrgs) await this.preloadOrgLinks(users.flatMap((user) => user.data.orgIds));
    const refs: UserReferences = {
      orgRef: (orgId) => (pushOrgs ? this.orgRemote.get(orgId) ?? undefined : orgId),
      managerRef: (userId) => (links.get(userId) ?? managers.get(userId))?.remoteId ?? undefined,
      extensions: this.extensions,
    };
    if (this.target.mapping) return this.#mappedUserWorks(this.target.mapping, users, links, refs, live);
    return users.map((user) => {
      const link = links.get(user.id);
      const isLive = live(user);
      return {
        kind: 'user' as const,
        localId: user.id,
        name: nameOf(user),
        body: isLive ? userBody(user.data, refs) : null,
        link,
        seq: user.seq,
        lookFirst: this.lookUpCreates,
        identity: isLive ? undefined : identityOf(user, link, () => userBody(user.data, refs)),
      };
    });
  }

  /** Users through the host's `mapUser` and the source's table; the plain path above stays free of both. */
  async #mappedUserWorks(mapping: BodyMapping, users: readonly MirrorUser[], links: ReadonlyMap<string, PushLink>, refs: UserReferences, live: (user: MirrorUser) => boolean): Promise<ObjectWork[]> {
    const { userMapper, mapUser } = mapping;
    return Promise.all(
      users.map(async (user): Promise<ObjectWork> => {
        const link = links.get(user.id);
        const isLive = live(user);
        const base = { kind: 'user' as const, localId: user.id, name: nameOf(user), link, seq: user.seq, lookFirst: this.lookUpCreates };
        if (!isLive && (!link || link.remoteId || user.deletedAt === PURGED)) return { ...base, body: null };
        const data = mapUser ? await mapUser(user.data) : user.data;
        if (!isLive) return { ...base, body: null, identity: userMapper ? userMapper.map(data, refs, { creating: true }).body : userBody(data, refs) };
        if (!userMapper) return { ...base, body: userBody(data, refs) };
        // "Creating" until the downstream has it: a link without a remote id was never confirmed.
        const mapped = userMapper.map(data, refs, { creating: !link?.remoteId, sent: link ? () => link.sent : undefined });
        return mapped.keepPaths.length > 0 ? { ...base, body: mapped.body, keep: mapped.keepPaths } : { ...base, body: mapped.body };
      }),
    );
  }
}

/**
 * What a gone object looked like, to find it by look-up, for a link without a remote id (a
 * create whose answer was lost). A tombstone purged from the mirror has nothing left to match.
 */
function identityOf(record: MirrorUser | MirrorOrg, link: PushLink | undefined, body: () => ScimBody): ScimBody | undefined {
  if (!link || link.remoteId || record.deletedAt === PURGED) return undefined;
  return body();
}

/**
 * Orgs in tree order: each level's parents are in earlier levels or outside the set. Deletions
 * use the levels reversed (leaves first).
 */
export function treeLevels<T>(items: readonly T[], idOf: (item: T) => string, parentOf: (item: T) => string | undefined): T[][] {
  const byId = new Map(items.map((item) => [idOf(item), item]));
  const depth = new Map<string, number>();
  const depthOf = (item: T): number => {
    const chain: T[] = [];
    let current: T | undefined = item;
    let base = 0;
    // Walk up iteratively (deep trees must not overflow the stack); a cycle stops at the repeat.
    const seen = new Set<string>();
    while (current !== undefined) {
      const id = idOf(current);
      const known = depth.get(id);
      if (known !== undefined) {
        base = known + 1;
        break;
      }
      if (seen.has(id)) break;
      seen.add(id);
      chain.push(current);
      const parentId = parentOf(current);
      current = parentId ? byId.get(parentId) : undefined;
    }
    for (let index = chain.length - 1; index >= 0; index -= 1) depth.set(idOf(chain[index]!), base + (chain.length - 1 - index));
    return depth.get(idOf(item))!;
  };
  const levels: T[][] = [];
  for (const item of items) (levels[depthOf(item)] ??= []).push(item);
  return levels.filter((level) => level !== undefined);
}
