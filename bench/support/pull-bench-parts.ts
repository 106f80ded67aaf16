/** The pull benchmark's synthetic directory and its baseline route (bench/scim-pull.ts). */
import express from 'express';
import type { SyncCenter } from '../../index.js';
import type { Directory, DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';
import { toMirrorRecord } from '../../lib/mirror/mirror-rows.js';
import type { MirrorUserData } from '../../lib/mirror/normalize.js';
import { isPostgres } from '../../lib/persistence/database.js';
import { toScimUser } from '../../lib/scim/presenters.js';
import { orgNameColumns } from '../../lib/scim/resources/users.js';
import { URN } from '../../lib/scim/urns.js';
import { foldCase } from '../../lib/util/case-fold.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const orgId = (n: number) => `org-${pad(n, 5)}`;
export const userId = (n: number) => `user-${pad(n, 6)}`;

/** A synthetic host directory of `users` users in a tree of `orgs` orgs, generated page by page (never held in memory at once). */
export function syntheticDirectory(users: number, orgs: number): Directory {
  const org = (n: number): DirectoryOrg => ({ id: orgId(n), name: `Department ${n}`, code: `D${n}`, parentId: n === 0 ? null : orgId(Math.floor((n - 1) / 20)), order: n % 20 });
  const user = (n: number): DirectoryUser => ({
    id: userId(n),
    userName: `user${n}@example.com`,
    displayName: `User ${n}`,
    name: { givenName: 'User', familyName: String(n) },
    emails: [{ value: `user${n}@example.com`, type: 'work', primary: true }],
    employeeNumber: `E${n}`,
    orgIds: [orgId(n % orgs)],
  });
  const page = <T>(count: number, make: (n: number) => T, cursor: string | undefined, limit: number) => {
    const from = cursor === undefined ? 0 : Number(cursor);
    const to = Math.min(count, from + limit);
    return { items: Array.from({ length: to - from }, (_, i) => make(from + i)), nextCursor: to < count ? String(to) : null };
  };
  return {
    listOrgs: ({ cursor, limit }) => page(orgs, org, cursor, limit),
    listUsers: ({ cursor, limit }) => page(users, user, cursor, limit),
  };
}

/**
 * The baseline: the same indexed SELECT (with the department and organization names the SCIM
 * server reads alongside) and the same JSON, with no auth, scope, log or limits.
 */
export function mountBareRoute(app: express.Express, center: SyncCenter): void {
  const queryContext = { knex: center.knex, dialect: isPostgres(center.knex) ? ('pg' as const) : ('sqlite' as const), scopeOrgIds: [], tombstoneCutoff: '' };
  app.get('/bare/Users', async (req, res) => {
    const row = await center
      .knex('sync_users as u')
      .select('u.*', ...orgNameColumns(queryContext))
      // The column the SCIM server compares, on its index: the baseline must use the same index.
      .where('u.user_name_fold', foldCase(String(req.query.userName)))
      .whereNull('u.deleted_at')
      .first();
    const base = { base: `${req.protocol}://${req.get('host')}/sync/scim/v2` };
    const resources = row
      ? [
          toScimUser(
            toMirrorRecord<MirrorUserData>(row),
            { orgIds: JSON.parse(row.data).orgIds, primaryOrgId: row.primary_org_id, department: row.ssc_department, organization: row.ssc_organization, managerVisible: false },
            base,
          ),
        ]
      : [];
    res.type('application/scim+json').json({ schemas: [URN.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
  });
}
