import type { PushSettings } from '../../lib/sources/source-types.js';
import { DEFAULT_DELETION_THRESHOLD, DEFAULT_DEPROVISION, DEFAULT_MATCHING, DEFAULT_PUSH_SCHEDULE } from '../../lib/sources/push-policy-validation.js';

/**
 * The push policy inputs of the parameters form (wizard and source page). Each is named after
 * the field the service names in its issues (`push.<field>`), so an error lands next to its input.
 */
export const PUSH_POLICY_FIELDS = [
  'matching.users',
  'matching.orgs',
  'deprovision.users',
  'deprovision.orgs',
  'deletionThreshold.count',
  'deletionThreshold.percent',
  'concurrency',
  'rateLimit',
  'schedule',
] as const;
export type PushPolicyField = (typeof PUSH_POLICY_FIELDS)[number];
export type PushPolicyValues = Record<PushPolicyField, string>;

/** What a new source's form starts with: the service's own defaults. */
export function defaultPolicyValues(): PushPolicyValues {
  return policyValuesOf({ matching: DEFAULT_MATCHING, deprovision: DEFAULT_DEPROVISION, deletionThreshold: DEFAULT_DELETION_THRESHOLD, schedule: DEFAULT_PUSH_SCHEDULE });
}

/** A stored source's policy as the form shows it: "none" is an empty input. */
export function policyValuesOf(push: Partial<PushSettings> | null | undefined): PushPolicyValues {
  const threshold = push?.deletionThreshold;
  return {
    'matching.users': push?.matching?.users ?? DEFAULT_MATCHING.users,
    'matching.orgs': push?.matching?.orgs ?? DEFAULT_MATCHING.orgs,
    'deprovision.users': push?.deprovision?.users ?? DEFAULT_DEPROVISION.users,
    'deprovision.orgs': push?.deprovision?.orgs ?? DEFAULT_DEPROVISION.orgs,
    'deletionThreshold.count': numberText(threshold?.count),
    'deletionThreshold.percent': numberText(threshold?.percent),
    concurrency: numberText(push?.concurrency),
    rateLimit: numberText(push?.rateLimit),
    schedule: push?.schedule ?? '',
  };
}

/**
 * The form's strings as the service's input. Empty means "none" (no threshold, no rate cap, no
 * schedule) or "the center's default" (concurrency); anything not a number is passed on as NaN
 * so that the service's validation names the field.
 */
export function policyInput(values: PushPolicyValues): Partial<PushSettings> {
  const count = number(values['deletionThreshold.count']);
  const percent = number(values['deletionThreshold.percent']);
  const schedule = values.schedule.trim();
  return {
    matching: { users: values['matching.users'] as never, orgs: values['matching.orgs'] as never },
    deprovision: { users: values['deprovision.users'] as never, orgs: values['deprovision.orgs'] as never },
    deletionThreshold: count === null && percent === null ? null : { ...(count !== null && { count }), ...(percent !== null && { percent }) },
    concurrency: number(values.concurrency) as number,
    rateLimit: number(values.rateLimit),
    schedule: schedule === '' ? null : schedule,
  };
}

/** Reads the policy inputs of a posted form; an input the form did not send keeps `fallback`'s value. */
export function readPolicyValues(body: Record<string, unknown>, fallback: PushPolicyValues): PushPolicyValues {
  return Object.fromEntries(
    PUSH_POLICY_FIELDS.map((field) => {
      const value = body[`push.${field}`];
      return [field, typeof value === 'string' ? value : Array.isArray(value) ? String(value[value.length - 1] ?? '') : fallback[field]];
    }),
  ) as PushPolicyValues;
}

function number(text: string): number | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : Number(trimmed);
}

function numberText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}
