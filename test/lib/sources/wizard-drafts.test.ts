import { describe, expect, it } from 'vitest';
import { migrateLatest } from '../../../lib/persistence/migrate.js';
import { TABLES } from '../../../lib/persistence/tables.js';
import { WizardDrafts } from '../../../lib/sources/wizard-drafts.js';
import { useTestDatabase } from '../../support/test-database.js';

describe('WizardDrafts', () => {
  const db = useTestDatabase();
  let now = new Date('2026-12-02T08:00:00.000Z');
  const drafts = () => new WizardDrafts(db.knex, () => now);

  it("keeps a draft for its admin only, replaces it, and deletes it", async () => {
    await migrateLatest(db.knex);
    const store = drafts();
    const id = await store.create('alice', 'sealed-1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await store.get(id, 'alice')).toBe('sealed-1');
    expect(await store.get(id, 'mallory')).toBeUndefined();
    expect(await store.save(id, 'mallory', 'forged')).toBe(false);
    expect(await store.save(id, 'alice', 'sealed-2')).toBe(true);
    expect(await store.get(id, 'alice')).toBe('sealed-2');
    await store.delete(id, 'alice');
    expect(await store.get(id, 'alice')).toBeUndefined();
  });

  it('expires two hours after the last step, each step restarting the time, and removes expired drafts', async () => {
    await migrateLatest(db.knex);
    now = new Date('2026-12-02T08:00:00.000Z');
    const store = drafts();
    const id = await store.create('alice', 'p');
    now = new Date('2026-12-02T09:30:00.000Z');
    expect(await store.save(id, 'alice', 'p2')).toBe(true);
    now = new Date('2026-12-02T11:29:00.000Z');
    expect(await store.get(id, 'alice')).toBe('p2');
    now = new Date('2026-12-02T11:31:00.000Z');
    expect(await store.get(id, 'alice')).toBeUndefined();
    await store.create('bob', 'q');
    expect(await db.knex(TABLES.wizardDrafts).pluck('actor')).toEqual(['bob']);
  });
});
