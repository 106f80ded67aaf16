import type { Knex } from 'knex';
import { TABLES } from '../persistence/tables.js';

/** One org as a scope picker shows it: indented under its parent. */
export interface OrgChoice {
  id: string;
  name: string;
  depth: number;
}

/**
 * Live orgs of the mirror in tree order (parents before children, siblings by their order), for
 * pickers such as a pull source's scope. At most `limit` rows are read, so a huge tree cannot
 * blow up a page; `truncated` says when some were left out.
 */
export async function listOrgChoices(knex: Knex, limit = 2000): Promise<{ orgs: OrgChoice[]; truncated: boolean }> {
  const rows: Array<{ id: string; name: string; parent_id: string | null; sort_order: number }> = await knex(TABLES.orgs)
    .whereNull('deleted_at')
    .orderBy('sort_order')
    .orderBy('name')
    .orderBy('id')
    .limit(limit + 1)
    .select('id', 'name', 'parent_id', 'sort_order');
  const truncated = rows.length > limit;
  const kept = rows.slice(0, limit);
  const ids = new Set(kept.map((row) => row.id));
  const children = new Map<string | null, typeof kept>();
  for (const row of kept) {
    // An org whose parent is missing (or outside the page) is shown as a root rather than lost.
    const parent = row.parent_id && ids.has(row.parent_id) ? row.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const orgs: OrgChoice[] = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    for (const row of children.get(parent) ?? []) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      orgs.push({ id: row.id, name: row.name, depth });
      visit(row.id, depth + 1);
    }
  };
  visit(null, 0);
  return { orgs, truncated };
}
