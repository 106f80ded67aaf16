import type { ObjectKind } from '../mirror/mirror-rows.js';
import type { LinkStore } from './links-store.js';

/**
 * Which local object a remote object belongs to, asked before adopting one: a remote object
 * already linked to another local object is never taken over, or two host users would share one
 * downstream account (and deleting one would disable the other's). Claims made while a batch or
 * run is sent are held here too, so two objects of one batch cannot adopt the same remote one.
 */
export class RemoteClaims {
  readonly #claims = new Map<string, string>();

  constructor(
    private readonly links: LinkStore,
    private readonly sourceId: string,
  ) {}

  /** Claims `remoteId` for `localId`; returns the other local object's id when it is already taken. */
  async claim(kind: ObjectKind, remoteId: string, localId: string): Promise<string | undefined> {
    const key = `${kind}:${remoteId}`;
    const claimed = this.#claims.get(key);
    if (claimed !== undefined && claimed !== localId) return claimed;
    this.#claims.set(key, localId); // before the query: a concurrent claim of the same batch sees it
    const linked = await this.links.linkedElsewhere(this.sourceId, kind, remoteId, localId);
    if (linked === undefined) return undefined;
    if (this.#claims.get(key) === localId) this.#claims.delete(key);
    return linked;
  }

  /**
   * Which of `remoteIds` another local object holds (claimed in this batch or linked), without
   * claiming any: a loose match (a name) passes over those instead of failing on them.
   */
  async heldByOthers(kind: ObjectKind, remoteIds: readonly string[], localId: string): Promise<Set<string>> {
    const held = new Set<string>();
    const unclaimed: string[] = [];
    for (const remoteId of remoteIds) {
      const claimed = this.#claims.get(`${kind}:${remoteId}`);
      if (claimed === undefined) unclaimed.push(remoteId);
      else if (claimed !== localId) held.add(remoteId);
    }
    if (unclaimed.length === 0) return held;
    for (const [remoteId, linked] of await this.links.localIdsOf(this.sourceId, kind, unclaimed)) if (linked !== localId) held.add(remoteId);
    return held;
  }
}
