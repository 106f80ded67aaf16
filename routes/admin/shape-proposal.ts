import type { OrgResourceShape } from '../../lib/sources/source-types.js';
import type { PushFieldValues } from './wizard-state.js';

const SHAPES: readonly OrgResourceShape[] = ['organization', 'compat', 'group'];

/**
 * "Use the proposed org shape" on the wizard's connection test: the shape and Org URL the
 * downstream's /ResourceTypes call for (posted back from the test's result) replace the entered
 * ones. Anything else posted is ignored; the settings are validated as usual afterwards.
 */
export function useProposedShape(push: PushFieldValues, body: Record<string, unknown>): void {
  const orgResource = String(body['shape.orgResource'] ?? '') as OrgResourceShape;
  const orgUrl = String(body['shape.orgUrl'] ?? '');
  if (!SHAPES.includes(orgResource) || !orgUrl) return;
  push.orgResource = orgResource;
  push.orgUrl = orgUrl;
}
