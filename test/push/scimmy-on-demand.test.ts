import { afterEach, describe, expect, it } from 'vitest';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import { toDirectoryOrg, toDirectoryUser } from '../../examples/demo/host-store.js';
import { seedData } from '../../examples/demo/seed.js';
import type { OnDemandResult } from '../../lib/push/on-demand/on-demand-types.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

const TOKEN = 'on-demand-secret';
const stepsOf = (result: OnDemandResult) => result.steps.map((step) => [step.name, step.status, step.operation]);

/**
 * Provision on demand against a third-party SCIM server: the demo's downstream (scimmy +
 * scimmy-routers) and the demo's directory (200 users, 20 orgs, Chinese and English names).
 * The durations are printed for the report; nothing asserts on time.
 */
describe('provision on demand to the demo downstream (scimmy + scimmy-routers)', () => {
  let downstream: DemoDownstream;
  afterEach(async () => {
    await downstream?.close();
  });
  const t = useTestCenter({ push: FAST_PUSH });

  for (const shape of ['organization', 'group'] as const) {
    it(`creates a demo user with its org chain, updates it with the diff, then skips it unchanged (${shape})`, async () => {
      downstream = await startDemoDownstream({ port: 0, token: TOKEN });
      const { orgs, users } = seedData();
      await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org: toDirectoryOrg(org) })), ...users.map((user) => ({ type: 'userUpserted' as const, user: toDirectoryUser(user) }))]);
      const { source } = await t.center.sources.create({
        name: 'Demo app',
        mode: 'push',
        push: { auth: 'bearer', token: TOKEN, userUrl: `${downstream.scimUrl}/Users`, orgUrl: `${downstream.scimUrl}/${shape === 'group' ? 'Groups' : 'Organizations'}`, orgResource: shape },
      });
      await t.center.sources.enable(source.id);
      // A Chinese name, found by its display name as an admin types it.
      const wang = users.find((user) => user.displayName.startsWith('王'))!;
      const { candidates } = await t.center.push.provisionCandidates(source.id, wang.displayName);
      expect(candidates.map((candidate) => candidate.id)).toContain(wang.id);

      const created = await t.center.push.provisionNow(source.id, wang.id, { actor: 'demo-admin' });
      console.info(`provision on demand, demo downstream (${shape}), first user with its org chain: ${created.durationMs} ms; ${created.steps.map((step) => `${step.name} ${step.durationMs} ms`).join(', ')}`);
      expect(stepsOf(created)).toEqual([
        ['scope', 'succeeded', 'in_scope'],
        ['orgs', 'succeeded', 'created'],
        ['match', 'succeeded', 'none'],
        ['user', 'succeeded', 'create'],
        shape === 'group' ? ['memberships', 'succeeded', 'updated'] : ['memberships', 'skipped', 'not_groups'],
      ]);
      const org = orgs.find((candidate) => candidate.id === wang.orgId)!;
      // The user's org and its parents, parents first, all created.
      const chain: string[] = [];
      for (let id: string | null = org.id; id; id = orgs.find((candidate) => candidate.id === id)!.parentId) chain.unshift(id);
      expect(chain.length).toBeGreaterThan(1);
      expect(created.steps[1]!.objects.map((object) => object.id)).toEqual(chain);
      expect(created.steps[1]!.objects.every((object) => object.result === 'succeeded' && object.httpStatus === 201)).toBe(true);
      const remote = downstream.store.list('users');
      expect(remote).toEqual([expect.objectContaining({ userName: wang.userName, displayName: wang.displayName })]);
      if (shape === 'group') {
        const group = downstream.store.list('groups').find((candidate: Record<string, any>) => candidate.displayName === org.name) as Record<string, any>;
        expect(group.members.map((member: { value: string }) => member.value)).toEqual([remote[0]!.id]);
      }

      await t.center.changes.userUpserted(toDirectoryUser({ ...wang, title: 'Staff engineer' }));
      const updated = await t.center.push.provisionNow(source.id, wang.id);
      console.info(`provision on demand, demo downstream (${shape}), update of a linked user: ${updated.durationMs} ms`);
      expect(stepsOf(updated).slice(1, 4)).toEqual([
        ['orgs', 'skipped', 'present'],
        ['match', 'skipped', 'linked'],
        ['user', 'succeeded', 'update'],
      ]);
      expect(updated.steps[3]!.changes).toEqual({ title: { old: wang.title, new: 'Staff engineer' } });
      expect(downstream.store.list('users')[0]).toMatchObject({ title: 'Staff engineer' });

      const unchanged = await t.center.push.provisionNow(source.id, wang.id);
      expect(unchanged.outcome).toBe('unchanged');
      expect(unchanged.steps.flatMap((step) => step.requests)).toEqual([]);
      expect(created.durationMs).toBeGreaterThan(0);
    });
  }
});
