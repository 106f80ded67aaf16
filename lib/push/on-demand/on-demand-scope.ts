import type { Knex } from 'knex';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import type { MirrorUser } from '../../mirror/mirror-rows.js';
import { compileUserScope } from '../../scim/query/source-scope.js';
import { pushPolicyOf, settingsOf } from '../../sources/push-settings.js';
import type { Source, SourceScope } from '../../sources/source-types.js';
import type { LinkStore } from '../links-store.js';
import type { OnDemandStep } from './on-demand-types.js';

/** A scope that limits anything: org subtrees, or a user filter. */
export function limits(scope: SourceScope | undefined): scope is SourceScope {
  return scope !== undefined && (scope.orgIds.length > 0 || Boolean(scope.userFilter));
}

/**
 * Step 1: is the user in the source's scope? The SQL the source's deliveries use
 * (`compileUserScope`); asked once more without the filter when it says no, to tell which part
 * leaves the user out. Out of scope and linked, the note says what the next delivery would do by
 * the source's policy: on demand does not do it.
 */
export async function checkScope(knex: Knex, links: LinkStore, source: Source, user: MirrorUser): Promise<{ inScope: boolean; step: OnDemandStep }> {
  const started = performance.now();
  const settings = settingsOf(source);
  const scope = settings.scope;
  const step = (inScope: boolean, note: OnDemandStep['note']): { inScope: boolean; step: OnDemandStep } => ({
    inScope,
    step: { name: 'scope', status: inScope ? 'succeeded' : 'skipped', operation: inScope ? 'in_scope' : 'out_of_scope', requests: [], changes: null, note, objects: [], durationMs: Math.round(performance.now() - started) },
  });
  if (!limits(scope)) return step(true, engineMessage('engine.onDemand.scope.whole'));
  if ((await compileUserScope(knex, scope).inScope([user.id])).has(user.id)) {
    return step(true, engineMessage(scope.userFilter ? 'engine.onDemand.scope.inFiltered' : 'engine.onDemand.scope.inSubtrees', { filter: scope.userFilter ?? '' }));
  }
  const inSubtrees = scope.orgIds.length === 0 || (await compileUserScope(knex, { orgIds: scope.orgIds }).inScope([user.id])).has(user.id);
  const link = await links.get(source.id, 'user', user.id);
  const base = inSubtrees ? engineMessage('engine.onDemand.scope.outByFilter', { filter: scope.userFilter ?? '' }) : engineMessage('engine.onDemand.scope.outBySubtree');
  if (!link?.remoteId) return step(false, base);
  const action = pushPolicyOf(settings).deprovision.users;
  return step(false, engineMessage(inSubtrees ? 'engine.onDemand.scope.outByFilterLinked' : 'engine.onDemand.scope.outBySubtreeLinked', { filter: scope.userFilter ?? '', remoteId: link.remoteId, action: storeMessage(engineMessage(`engine.onDemand.policy.${action}`)) }));
}
