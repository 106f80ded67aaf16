import type { Knex } from 'knex';

/** Rows per query when a whole filtered table is streamed (an export). */
export const STREAM_PAGE = 500;

/**
 * Every row a filtered query matches, ordered by `id`, read in keyset pages (`id < last` or
 * `id > last`) so that a caller streaming an export of any size never holds more than one page,
 * and each page is an indexed range read however deep into the table it is. `query` builds the
 * filtered query afresh for each page.
 */
export async function* streamById(query: () => Knex.QueryBuilder, order: 'asc' | 'desc', pageSize = STREAM_PAGE): AsyncGenerator<Record<string, any>> {
  let last: number | undefined;
  for (;;) {
    const page = query().orderBy('id', order).limit(pageSize);
    if (last !== undefined) page.where('id', order === 'desc' ? '<' : '>', last);
    const rows: Array<Record<string, any>> = await page;
    yield* rows;
    if (rows.length < pageSize) return;
    last = Number(rows[rows.length - 1]!.id);
  }
}
