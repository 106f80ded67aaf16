import type { Knex } from 'knex';
import * as initial from './20261126-01-initial.js';
import * as pull from './20261126-02-pull.js';
import * as push from './20261126-03-push.js';
import * as orgMembersChanged from './20261202-01-org-members-changed.js';
import * as userOrgExits from './20261202-02-user-org-exits.js';
import * as caseFolds from './20261202-03-case-folds.js';
import * as userNameUnique from './20261202-04-user-name-unique.js';
import * as pushRetries from './20261202-05-push-retries.js';
import * as deletionHolds from './20261202-14-deletion-holds.js';
import * as logSearch from './20261202-17-log-search.js';
import * as wizardDrafts from './20261202-18-wizard-drafts.js';
import * as runStatusLength from './20261202-13-run-status-length.js';
import * as sourceHours from './20261202-16-source-hours.js';
import * as alertEpisodes from './20261202-15-alert-episodes.js';
import * as sourceApplyPending from './20261202-19-source-apply-pending.js';

/** Every migration, in order. Add new ones at the end; never rename or reorder. */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Knex.Migration]> = [
  ['20261126-01-initial', initial],
  ['20261126-02-pull', pull],
  ['20261126-03-push', push],
  ['20261202-01-org-members-changed', orgMembersChanged],
  ['20261202-02-user-org-exits', userOrgExits],
  ['20261202-03-case-folds', caseFolds],
  ['20261202-04-user-name-unique', userNameUnique],
  ['20261202-05-push-retries', pushRetries],
  ['20261202-13-run-status-length', runStatusLength],
  ['20261202-14-deletion-holds', deletionHolds],
  ['20261202-15-alert-episodes', alertEpisodes],
  ['20261202-16-source-hours', sourceHours],
  ['20261202-17-log-search', logSearch],
  ['20261202-18-wizard-drafts', wizardDrafts],
  ['20261202-19-source-apply-pending', sourceApplyPending],
];
