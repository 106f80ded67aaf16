import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import type { MirrorUserData } from './normalize.js';

export interface UserHit {
  id: string;
  userName: string;
  displayName: string | null;
}

/**
 * Live users whose userName, name or e-mail contains `query` (case-insensitive for ASCII; the
 * user's data text is searched, so names and addresses match), at most `limit`, by id. For the
 * console's pickers (the mapping preview), not for bulk work.
 */
export async function searchLiveUsers(knex: Knex, query: string, limit = 10): Promise<UserHit[]> {
  const term = query.trim().toLowerCase().slice(0, 100);
  if (term === '') return [];
  const like = `%${term.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
  const rows: Array<{ id: string; data: string }> = await knex(TABLES.users)
    .whereNull('deleted_at')
    .where((where) => where.whereRaw("user_name_fold like ? escape '\\'", [like]).orWhereRaw("lower(data) like ? escape '\\'", [like]))
    .orderBy('id')
    .limit(limit)
    .select('id', 'data');
  return rows.map((row) => {
    const data = JSON.parse(row.data) as MirrorUserData;
    return { id: row.id, userName: data.userName, displayName: data.displayName ?? null };
  });
}
