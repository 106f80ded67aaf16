import type { Knex } from 'knex';

/**
 * A unique index over the live users' `user_name_fold` (the folded userName written since
 * 20261202-03), so two live users never share a userName compared case-insensitively, whichever
 * instance writes (RFC 7643 §4.1.1: caseExact false, uniqueness server).
 *
 * Existing live duplicates keep their names: the oldest holder keeps the fold, the others get a
 * NULL fold (outside the index) until their next write, which the writer then refuses.
 */
const INDEX = 'sync_users_user_name_fold_unique';

export async function up(knex: Knex): Promise<void> {
  const duplicated: Array<{ user_name_fold: string }> = await knex('sync_users')
    .whereNull('deleted_at')
    .whereNotNull('user_name_fold')
    .groupBy('user_name_fold')
    .havingRaw('count(*) > 1')
    .select('user_name_fold');
  for (const { user_name_fold: fold } of duplicated) {
    const [keeper] = await knex('sync_users').whereNull('deleted_at').where({ user_name_fold: fold }).orderBy(['created_at', 'id']).limit(1).select('id');
    await knex('sync_users').whereNull('deleted_at').where({ user_name_fold: fold }).whereNot({ id: keeper.id }).update({ user_name_fold: null });
  }
  await knex.raw(`CREATE UNIQUE INDEX ${INDEX} ON sync_users (user_name_fold) WHERE deleted_at IS NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS ${INDEX}`);
}
