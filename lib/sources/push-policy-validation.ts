import { validate as validateCron } from 'node-cron';
import type { FieldIssue } from '../errors.js';
import type { DeletionThreshold, DeprovisionPolicy, MatchingPolicy, OrgDeprovision, OrgMatch, PushSettings, UserDeprovision, UserMatch } from './source-types.js';

/** Push settings that are policy rather than connection: matching, deprovisioning, threshold, pace, schedule. */
export type PushPolicy = Required<Pick<PushSettings, 'matching' | 'deprovision' | 'deletionThreshold' | 'rateLimit' | 'schedule'>> & Pick<PushSettings, 'concurrency'>;

export const DEFAULT_MATCHING: MatchingPolicy = { users: 'userName', orgs: 'externalIdThenName' };
export const USER_MATCHES: readonly UserMatch[] = ['userName', 'externalId', 'email'];
export const ORG_MATCHES: readonly OrgMatch[] = ['externalIdThenName', 'externalId'];
export const DEFAULT_DEPROVISION: DeprovisionPolicy = { users: 'disable', orgs: 'delete' };
export const DEFAULT_DELETION_THRESHOLD: DeletionThreshold = { count: 100 };
export const DEFAULT_PUSH_SCHEDULE = '0 3 * * *';
export const MAX_PUSH_CONCURRENCY = 64;
const USER_ACTIONS: readonly UserDeprovision[] = ['disable', 'delete', 'leave'];
const ORG_ACTIONS: readonly OrgDeprovision[] = ['delete', 'leave'];

/**
 * Validates the policy fields of a push source, merged over what is stored. Fields left out keep
 * their stored value or get the default, so older sources read the same as new ones.
 */
export function validatePushPolicy(merged: Omit<Partial<PushSettings>, 'ldap'>, add: (issue: FieldIssue) => void): PushPolicy {
  const policy: PushPolicy = {
    matching: { ...DEFAULT_MATCHING },
    deprovision: { ...DEFAULT_DEPROVISION },
    deletionThreshold: { ...DEFAULT_DELETION_THRESHOLD },
    rateLimit: null,
    schedule: DEFAULT_PUSH_SCHEDULE,
  };
  const matching = merged.matching as Partial<MatchingPolicy> | undefined;
  if (matching !== undefined) {
    if (typeof matching !== 'object' || matching === null) {
      add({ field: 'push.matching', code: 'type', message: 'matching must be { users, orgs }' });
    } else {
      const users = matching.users ?? DEFAULT_MATCHING.users;
      const orgs = matching.orgs ?? DEFAULT_MATCHING.orgs;
      if (!USER_MATCHES.includes(users)) add({ field: 'push.matching.users', code: 'invalid_choice', message: 'users must be matched by userName, externalId or email' });
      if (!ORG_MATCHES.includes(orgs)) add({ field: 'push.matching.orgs', code: 'invalid_choice', message: 'orgs must be matched by externalIdThenName or externalId' });
      policy.matching = { users, orgs };
    }
  }
  const deprovision = merged.deprovision as Partial<DeprovisionPolicy> | undefined;
  if (deprovision !== undefined) {
    if (typeof deprovision !== 'object' || deprovision === null) {
      add({ field: 'push.deprovision', code: 'type', message: 'deprovision must be { users, orgs }' });
    } else {
      const users = deprovision.users ?? DEFAULT_DEPROVISION.users;
      const orgs = deprovision.orgs ?? DEFAULT_DEPROVISION.orgs;
      if (!USER_ACTIONS.includes(users)) add({ field: 'push.deprovision.users', code: 'invalid_choice', message: 'users must be disable, delete or leave' });
      if (!ORG_ACTIONS.includes(orgs)) {
        add({ field: 'push.deprovision.orgs', code: 'invalid_choice', message: 'orgs must be delete or leave (SCIM orgs have no active flag to disable)' });
      }
      policy.deprovision = { users, orgs };
    }
  }
  if (merged.deletionThreshold === null) policy.deletionThreshold = null;
  else if (merged.deletionThreshold !== undefined) policy.deletionThreshold = threshold(merged.deletionThreshold, add);
  if (merged.concurrency !== undefined && merged.concurrency !== null) {
    if (!Number.isInteger(merged.concurrency) || merged.concurrency < 1 || merged.concurrency > MAX_PUSH_CONCURRENCY) {
      add({ field: 'push.concurrency', code: 'out_of_range', message: `concurrency must be a whole number from 1 to ${MAX_PUSH_CONCURRENCY}`, params: { min: 1, max: MAX_PUSH_CONCURRENCY } });
    } else policy.concurrency = merged.concurrency;
  }
  if (merged.rateLimit !== undefined && merged.rateLimit !== null) {
    if (typeof merged.rateLimit !== 'number' || !Number.isFinite(merged.rateLimit) || merged.rateLimit <= 0) {
      add({ field: 'push.rateLimit', code: 'out_of_range', message: 'rateLimit must be a positive number of requests per second, or empty for none' });
    } else policy.rateLimit = merged.rateLimit;
  }
  if (merged.schedule === null || merged.schedule === '') policy.schedule = null;
  else if (merged.schedule !== undefined) {
    const schedule = typeof merged.schedule === 'string' ? merged.schedule.trim() : '';
    if (!schedule || !validateCron(schedule)) {
      add({ field: 'push.schedule', code: 'invalid_cron', message: 'schedule must be a cron expression such as "0 3 * * *" (03:00 every day), or empty for none' });
    } else policy.schedule = schedule;
  }
  return policy;
}

function threshold(value: unknown, add: (issue: FieldIssue) => void): DeletionThreshold | null {
  if (typeof value !== 'object' || value === null) {
    add({ field: 'push.deletionThreshold', code: 'type', message: 'deletionThreshold must be { count } or { percent }, or null for none' });
    return null;
  }
  const { count, percent } = value as DeletionThreshold;
  const result: DeletionThreshold = {};
  if (count !== undefined && count !== null) {
    if (!Number.isInteger(count) || count < 0) add({ field: 'push.deletionThreshold.count', code: 'out_of_range', message: 'count must be a whole number, 0 or more' });
    else result.count = count;
  }
  if (percent !== undefined && percent !== null) {
    if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
      add({ field: 'push.deletionThreshold.percent', code: 'out_of_range', message: 'percent must be between 0 and 100' });
    } else result.percent = percent;
  }
  if (result.count === undefined && result.percent === undefined) return null;
  return result;
}
