import { StateConflictError } from '../../errors.js';
import { settingsOf } from '../../sources/push-settings.js';
import { OnDemandProvisioner, type OnDemandDeps } from './on-demand.js';
import type { OnDemandCandidate, OnDemandResult, ProvisionOptions } from './on-demand-types.js';
import { searchCandidates } from './user-search.js';

/** The part of `center.push` that provisions one user now. */
export interface OnDemandApi {
  /**
   * Provisions one user to a push source now, as a delivery would, step by step: scope check,
   * the user's orgs the downstream lacks (parents first), match by the source's matching
   * attribute, create or update with the diff (or unchanged), group memberships. Writes the
   * links and incremental log rows a delivery writes, holds the source's delivery lease meanwhile
   * (waiting up to `waitMs` for it), and audits `push.provision_now` with the result. Out of scope
   * it sends nothing and says what the next delivery would do. A disabled source refuses
   * (`source_disabled`); a quarantined one is tried, with a note.
   */
  provisionNow(sourceId: string, userId: string, options?: ProvisionOptions): Promise<OnDemandResult>;
  /** A result of `provisionNow` by its id, among the source's 50 latest; undefined when not found. */
  provisionResult(sourceId: string, resultId: string): Promise<OnDemandResult | undefined>;
  /**
   * Users to pick for `provisionNow`: live users whose userName, name or an e-mail contains
   * `query` (SQL over the mirror), at most `limit` (20, up to 50) after the id `after`.
   */
  provisionCandidates(sourceId: string, query: string, page?: { limit?: number; after?: string }): Promise<{ candidates: OnDemandCandidate[]; next: string | null }>;
}

export function createOnDemandApi(deps: OnDemandDeps): OnDemandApi {
  const provisioner = new OnDemandProvisioner(deps);
  const pushSource = async (sourceId: string) => {
    const source = await deps.sources.get(sourceId);
    if (source.mode !== 'push') throw new StateConflictError('not_push', 'only push sources provision on demand');
    return source;
  };
  return {
    provisionNow: (sourceId, userId, options) => provisioner.provision(sourceId, userId, options),
    async provisionResult(sourceId, resultId) {
      await pushSource(sourceId);
      return provisioner.result(sourceId, resultId);
    },
    async provisionCandidates(sourceId, query, page) {
      const source = await pushSource(sourceId);
      return searchCandidates(deps, sourceId, settingsOf(source).scope, query, page);
    },
  };
}
