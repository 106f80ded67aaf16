import { engineMessage } from '../i18n/engine-message.js';
import { RemoteNotFoundError } from './client/errors.js';
import type { Connector, ConnectorObject, RemoteRef } from './connector.js';
import { objectOf, orgRemoteIdsOf } from './connector-objects.js';
import type { ConnectorWriterDeps } from './connector-writer.js';
import type { PushLink } from './links-store.js';
import { failedOutcome, type ObjectOutcome, type ObjectWork, type PushTarget } from './object-pusher.js';
import type { MemberWriter } from './object-writer.js';

/**
 * A connector's groups: each org's group holds the users directly in it that are on the
 * downstream (linked), written whole once per batch or run for the orgs whose members may have
 * changed (the orgs of the users written, before and after, and the orgs written).
 */
export class ConnectorMembers implements MemberWriter {
  readonly #orgRemoteIds = new Set<string>();
  readonly #orgLocalIds = new Set<string>();
  #all = false;

  constructor(
    private readonly connector: Connector,
    private readonly target: PushTarget,
    private readonly deps: ConnectorWriterDeps,
  ) {}

  note(outcomes: readonly ObjectOutcome[]): void {
    for (const outcome of outcomes) {
      if (outcome.result !== 'succeeded' || outcome.method === MEMBERS) continue;
      if (outcome.work.kind === 'org') this.#orgLocalIds.add(outcome.work.localId);
      else for (const body of [outcome.work.body, outcome.work.link?.sent]) for (const id of orgRemoteIdsOf(body)) this.#orgRemoteIds.add(id);
    }
  }

  noteAll(): void {
    this.#all = true;
  }

  async flush(): Promise<ObjectOutcome[]> {
    const sourceId = this.target.sourceId;
    const localIds = this.#all ? (await this.deps.mirror.liveOrgTree()).map((org) => org.id) : [...this.#orgLocalIds, ...(await this.deps.links.localIdsOf(sourceId, 'org', [...this.#orgRemoteIds])).values()];
    this.#orgRemoteIds.clear();
    this.#orgLocalIds.clear();
    this.#all = false;
    const outcomes: ObjectOutcome[] = [];
    const unique = [...new Set(localIds)];
    for (let start = 0; start < unique.length; start += GROUP_PAGE) {
      const page = unique.slice(start, start + GROUP_PAGE);
      const [orgLinks, orgs, members] = await Promise.all([this.deps.links.load(sourceId, 'org', page), this.deps.mirror.getOrgs(page), this.deps.mirror.liveUserIdsInOrgs(page)]);
      const userLinks = await this.deps.links.load(sourceId, 'user', [...new Set([...members.values()].flat())]);
      for (const org of orgs) {
        const link = orgLinks.get(org.id);
        if (org.deletedAt || !link?.remoteId || !link.sent) continue;
        const refs = (members.get(org.id) ?? []).flatMap((userId) => remoteRefOf(userLinks.get(userId)));
        const outcome = await this.#write(org.id, link, refs);
        if (outcome) outcomes.push(outcome);
      }
    }
    return outcomes;
  }

  /** One group's members; null when the group held them already (nothing written, nothing to log). */
  async #write(orgId: string, link: PushLink, members: RemoteRef[]): Promise<ObjectOutcome | null> {
    const work: ObjectWork = { kind: 'org', localId: orgId, name: link.objectName, body: link.sent, link };
    const desired = objectOf('org', orgId, link.sent!) as ConnectorObject & { kind: 'org' };
    const changes = { members: { old: null, new: members.length } };
    try {
      // A dry run's connector reads the group and only records the write, for the LDIF.
      const before = this.target.dryRun ? this.connector.preview().length : 0;
      const { changed } = await this.connector.setMembers!({ id: link.remoteId! }, desired, members);
      if (!changed) return null;
      if (!this.target.dryRun) return { work, operation: 'update', result: 'succeeded', method: MEMBERS, path: link.remoteId, changes };
      const recorded = this.connector.preview().slice(before).trim();
      return { work, operation: 'update', result: 'planned', method: MEMBERS, path: link.remoteId, changes, ...(recorded && { note: engineMessage('engine.connector.wouldApply', { operations: recorded }) }) };
    } catch (error) {
      // A dry run of a reconciling sync: the org (or a member) is gone and only planned to be created again, so the group cannot be read; it would be written.
      if (this.target.dryRun && error instanceof RemoteNotFoundError) return { work, operation: 'update', result: 'planned', method: MEMBERS, path: link.remoteId, changes };
      return { ...failedOutcome(work, 'update', error, {}), method: MEMBERS, link: undefined };
    }
  }
}

/** The `method` of a group's member write in the logs (LDAP: one modify of the member attribute). */

const MEMBERS = 'members';
const GROUP_PAGE = 200;

function remoteRefOf(link: PushLink | undefined): RemoteRef[] {
  return link?.remoteId ? [{ id: link.remoteId }] : [];
}

/** The orgs (remote ids) a user body places the user in. */
