import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';
import { purgeScopeExits } from './scope-exits.js';

/**
 * Deletes user and org tombstones older than `cutoff` whose change is at or below `throughSeq`
 * (every push source has delivered the deletion), and scope exits older than `cutoff`. Returns
 * how many tombstones went.
 */
export async function purgeTombstones(knex: Knex, cutoff: string, throughSeq: number): Promise<number> {
  let purged = 0;
  for (const table of [TABLES.users, TABLES.orgs]) {
    purged += await knex(table).whereNotNull('deleted_at').where('deleted_at', '<', cutoff).where('seq', '<=', throughSeq).delete();
  }
  await purgeScopeExits(knex, cutoff);
  return purged;
}
