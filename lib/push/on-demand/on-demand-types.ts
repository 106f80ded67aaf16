import type { EngineMessage } from '../../i18n/engine-message.js';
import type { ObjectKind } from '../../mirror/mirror-rows.js';
import type { ActorOption } from '../../sources/source-types.js';
import type { AttributeChanges } from '../diff.js';
import type { OnDemandRequest } from './recording-client.js';

export type { OnDemandRequest };

/** The steps of provisioning one user on demand, in the order they run. */
export const ON_DEMAND_STEPS = ['scope', 'orgs', 'match', 'user', 'memberships'] as const;
export type OnDemandStepName = (typeof ON_DEMAND_STEPS)[number];

/** One object a step sent (an org created before the user, a group whose members changed). */
export interface OnDemandObject {
  kind: ObjectKind;
  id: string;
  name: string | null;
  /** create, update, skip… as in the logs. */
  operation: string;
  /** succeeded, rejected, retrying, failed, skipped. */
  result: string;
  method: string | null;
  path: string | null;
  httpStatus: number | null;
  changes: AttributeChanges | null;
  note: EngineMessage | null;
}

export interface OnDemandStep {
  name: OnDemandStepName;
  /** `skipped`: nothing to do here (with the reason), or not reached after an earlier step stopped. */
  status: 'succeeded' | 'skipped' | 'failed';
  /**
   * What it decided: scope `in_scope` / `out_of_scope`; orgs `created` / `present` / `not_pushed`;
   * match `linked` / `found` / `none` / `ambiguous` / `failed`; user `create` / `update` /
   * `unchanged`; memberships `updated` / `unchanged` / `not_groups`; `not_reached`.
   */
  operation: string;
  /** Every request the step sent, in order. */
  requests: OnDemandRequest[];
  /** The user step's changed attributes (an update's diff; a create's is its whole body, on the link). */
  changes: AttributeChanges | null;
  /** Why it skipped or failed, or what else happened (adopted, recreated). */
  note: EngineMessage | null;
  objects: OnDemandObject[];
  durationMs: number;
}

export interface OnDemandResult {
  /** Names this result among the source's (`center.push.provisionResult`). */
  id: string;
  sourceId: string;
  userId: string;
  userName: string;
  actor: string;
  at: string;
  /** provisioned (created or updated), unchanged, out_of_scope, failed. */
  outcome: 'provisioned' | 'unchanged' | 'out_of_scope' | 'failed';
  durationMs: number;
  /** Said of the whole attempt: the source is quarantined (tried all the same). */
  note: EngineMessage | null;
  steps: OnDemandStep[];
}

export interface ProvisionOptions extends ActorOption {
  /**
   * How long to wait for the source's delivery (or another on-demand push) to let go of the
   * source's lease before giving up with `delivery_busy`. @default 2000
   */
  waitMs?: number;
}

/** A user an admin may pick, from the mirror. */
export interface OnDemandCandidate {
  id: string;
  userName: string;
  displayName: string | null;
  email: string | null;
  active: boolean;
  /** The remote id this source has linked the user to, if any. */
  remoteId: string | null;
  /** Whether the source's scope covers the user now. */
  inScope: boolean;
}
