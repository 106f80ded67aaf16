import type { ObjectOutcome, ObjectWork } from './object-pusher.js';
import type { RunReconciler } from './object-writer.js';
import type { RemoteMatch } from './remote-match.js';
import type { ConnectorWriter } from './connector-writer.js';

/**
 * A reconciling run against a connector: the downstream is listed once (a paged search: every
 * entry's stable id and digest); a linked object it no longer holds is created again, its link
 * and memberships forgotten; one whose place or attributes differ from what the engine wants is
 * moved back and written whole.
 */
export class ConnectorReconciler implements RunReconciler {
  #present: Promise<Map<string, string | undefined>> | null = null;

  constructor(private readonly writer: ConnectorWriter) {}

  async observe(works: readonly ObjectWork[]): Promise<ObjectWork[]> {
    if (!works.some((work) => work.body !== null && work.link?.remoteId)) return [...works];
    this.#present ??= this.writer.remoteDigests();
    const present = await this.#present;
    return Promise.all(
      works.map(async (work) => {
        if (work.body === null || !work.link?.remoteId) return work;
        const remoteId = work.link.remoteId;
        if (!present.has(remoteId)) {
          this.writer.lost(work, remoteId);
          return { ...work, link: { ...work.link, remoteId: null, hash: null, sent: null } };
        }
        if (!(await this.writer.drifted(work, present.get(remoteId)))) return work;
        // Changed or moved behind the center's back: put back and written whole.
        return { ...work, link: { ...work.link, hash: null, sent: null } };
      }),
    );
  }

  async push(work: ObjectWork, match?: RemoteMatch): Promise<ObjectOutcome> {
    const outcome = await this.writer.push(work, match);
    // Created again after the listing missed it: the memberships recorded for it no longer hold.
    return outcome.operation === 'create' && outcome.result === 'succeeded' ? { ...outcome, resetMembers: true } : outcome;
  }
}
