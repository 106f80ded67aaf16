import { describe, expect, it } from 'vitest';
import { TABLES } from '../../../lib/persistence/tables.js';
import { buildDirectory, buildOrg, buildUser } from '../../support/factories.js';
import { MemoryDirectory } from '../../support/memory-directory.js';
import { useTestCenter } from '../../support/test-center.js';

describe('center.reconcile()', () => {
  let directory: MemoryDirectory;
  const t = useTestCenter({}, () => (directory = new MemoryDirectory(buildDirectory(3, 25))));

  it('fills an empty mirror from the host directory, orgs before users', async () => {
    const report = await t.center.reconcile({ pageSize: 7 });
    expect(report.orgs).toMatchObject({ created: 4, updated: 0, deleted: 0 });
    expect(report.users).toMatchObject({ created: 25, updated: 0, deleted: 0 });
    expect(await t.center.mirror.counts()).toEqual({ users: 25, orgs: 4 });
    const kinds = await t.knex(TABLES.changes).orderBy('seq').pluck('kind');
    expect(kinds.lastIndexOf('org')).toBeLessThan(kinds.indexOf('user'));
  });

  it('streams the directory in pages of the requested size', async () => {
    await t.center.reconcile({ pageSize: 10 });
    const userPages = directory.requests.filter((request) => request.kind === 'user');
    expect(userPages).toHaveLength(3);
    expect(userPages.every(({ request }) => request.limit === 10)).toBe(true);
  });

  it('repairs drift left by missed hooks: creates, updates and tombstones', async () => {
    await t.center.reconcile();
    const [first, second] = [...directory.users.values()];
    directory.users.set(first!.id, { ...first!, title: 'Changed without a hook' });
    directory.users.delete(second!.id);
    const added = buildUser();
    directory.users.set(added.id, added);
    const removedOrg = buildOrg();
    await t.center.changes.orgUpserted(removedOrg); // the mirror has it, the host never did

    const report = await t.center.reconcile();
    expect(report.users).toMatchObject({ created: 1, updated: 1, deleted: 1, unchanged: 23 });
    expect(report.orgs).toMatchObject({ deleted: 1, unchanged: 4 });
    expect((await t.center.mirror.getUser(first!.id))?.data.title).toBe('Changed without a hook');
    expect((await t.center.mirror.getUser(second!.id))?.deletedAt).not.toBeNull();
    expect((await t.center.mirror.getOrg(removedOrg.id))?.deletedAt).not.toBeNull();
  });

  it('writes nothing when the mirror already matches', async () => {
    await t.center.reconcile();
    const seq = await t.center.mirror.currentSequence();
    const report = await t.center.reconcile();
    expect(report.users).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: 25 });
    expect(await t.center.mirror.currentSequence()).toBe(seq);
  });

  it('never deletes an object the host lists with invalid data, and reports it', async () => {
    await t.center.reconcile();
    const [first] = [...directory.users.values()];
    directory.users.set(first!.id, { ...first!, userName: '' });
    const report = await t.center.reconcile();
    expect(report.users).toMatchObject({ invalid: 1, deleted: 0 });
    expect(report.warnings).toContainEqual(expect.objectContaining({ kind: 'user', id: first!.id, code: 'invalid' }));
    expect((await t.center.mirror.getUser(first!.id))?.deletedAt).toBeNull();
  });

  it('reports an org whose parent the host does not have', async () => {
    const orphan = buildOrg({ parentId: 'nowhere' });
    directory.orgs.set(orphan.id, orphan);
    const report = await t.center.reconcile();
    expect(report.warnings).toContainEqual(expect.objectContaining({ kind: 'org', id: orphan.id, code: 'unknown_parent' }));
  });
});
