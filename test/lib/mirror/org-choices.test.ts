import { beforeEach, describe, expect, it } from 'vitest';
import { useTestCenter } from '../../support/test-center.js';

describe('center.mirror.orgChoices', () => {
  const t = useTestCenter();
  beforeEach(async () => {
    await t.center.changes.apply([
      { type: 'orgUpserted', org: { id: 'root', name: 'Company', order: 0 } },
      { type: 'orgUpserted', org: { id: 'sales', name: 'Sales', parentId: 'root', order: 2 } },
      { type: 'orgUpserted', org: { id: 'eng', name: 'Engineering', parentId: 'root', order: 1 } },
      { type: 'orgUpserted', org: { id: 'web', name: 'Web', parentId: 'eng', order: 0 } },
      { type: 'orgUpserted', org: { id: 'gone', name: 'Closed', parentId: 'root', order: 3 } },
      { type: 'orgDeleted', id: 'gone' },
    ]);
  });

  it('lists live orgs in tree order, children under their parent by order, with their depth', async () => {
    expect(await t.center.mirror.orgChoices()).toEqual({
      orgs: [
        { id: 'root', name: 'Company', depth: 0 },
        { id: 'eng', name: 'Engineering', depth: 1 },
        { id: 'web', name: 'Web', depth: 2 },
        { id: 'sales', name: 'Sales', depth: 1 },
      ],
      truncated: false,
    });
  });

  it('reads at most `limit` orgs and says when some were left out', async () => {
    const { orgs, truncated } = await t.center.mirror.orgChoices(2);
    expect(orgs).toHaveLength(2);
    expect(truncated).toBe(true);
  });
});
