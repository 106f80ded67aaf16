import type { Knex } from 'knex';
import { IssueCollector, StateConflictError } from '../../errors.js';
import { userFilterProblem } from '../../scim/query/source-scope.js';
import { pushPolicyOf, settingsOf } from '../../sources/push-settings.js';
import { validatePushScope } from '../../sources/scope-validation.js';
import type { SourcesService } from '../../sources/sources-service.js';
import type { SourceScope } from '../../sources/source-types.js';
import { previewScope, type ScopePreview } from './scope-preview.js';

/** `center.push.previewScope(sourceId, scope)`: a proposed scope's effect, validated as saving it would be; nothing is saved. */
export type PreviewScope = (sourceId: string, scope: Partial<SourceScope>) => Promise<ScopePreview>;

export function createScopePreview(deps: { knex: Knex; sources: SourcesService }): PreviewScope {
  return async (sourceId, input) => {
    const source = await deps.sources.get(sourceId);
    if (source.mode !== 'push') throw new StateConflictError('not_push', 'only push sources have a push scope');
    const issues = new IssueCollector();
    const scope = validatePushScope(input ?? {}, (filter) => userFilterProblem(deps.knex, filter), (issue) => issues.issues.push(issue)) ?? { orgIds: [] };
    issues.throwIfAny();
    const settings = settingsOf(source);
    return previewScope(deps.knex, sourceId, scope, pushPolicyOf(settings), Boolean(settings.orgUrl));
  };
}
