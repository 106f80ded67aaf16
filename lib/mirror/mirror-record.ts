import type { MirrorOrg, MirrorUser, ObjectKind } from './mirror-rows.js';

/** A mirror record of either kind, or just its data (what reconcile holds before it is stored). */
export type MirrorObject = Pick<MirrorUser, 'data'> | Pick<MirrorOrg, 'data'>;

/** Every user has a userName and no org has one: that tells the two kinds apart. */
export function kindOf(record: MirrorObject): ObjectKind {
  return 'userName' in record.data ? 'user' : 'org';
}

/** What logs, links and the console call a record: a user's display name or else userName; an org's name. */
export function nameOf(record: MirrorObject): string {
  return 'userName' in record.data ? (record.data.displayName ?? record.data.userName) : record.data.name;
}
