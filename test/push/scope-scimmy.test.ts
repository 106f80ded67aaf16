import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import { APPLY_ACTOR } from '../../lib/push/scope/pending-applies.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

describe('push scope against a third-party SCIM server (scimmy + scimmy-routers)', () => {
  let downstream: DemoDownstream;
  afterEach(async () => {
    await downstream?.close();
  });
  const t = useTestCenter({ push: FAST_PUSH });

  for (const shape of ['organization', 'group'] as const) {
    it(`sends a subtree and a filter, then moves the scope: enter, leave (${shape})`, async () => {
      downstream = await startDemoDownstream({ port: 0, token: 'downstream-secret' });
      await t.center.changes.apply([
        { type: 'orgUpserted', org: buildOrg({ id: 'acme', name: 'Acme' }) },
        { type: 'orgUpserted', org: buildOrg({ id: 'sales', name: 'Sales', parentId: 'acme' }) },
        { type: 'orgUpserted', org: buildOrg({ id: 'rnd', name: 'R&D', parentId: 'acme', order: 1 }) },
        { type: 'userUpserted', user: buildUser({ id: 'u-sam', userName: 'sam@acme.example', orgIds: ['sales'], title: 'Account Engineer' }) },
        { type: 'userUpserted', user: buildUser({ id: 'u-sue', userName: 'sue@acme.example', orgIds: ['sales'], title: 'Sales Rep' }) },
        { type: 'userUpserted', user: buildUser({ id: 'u-rob', userName: 'rob@acme.example', orgIds: ['rnd'], title: 'Engineer' }) },
      ]);
      const { source } = await t.center.sources.create({
        name: 'Contractor portal',
        mode: 'push',
        push: {
          auth: 'bearer',
          token: 'downstream-secret',
          userUrl: `${downstream.scimUrl}/Users`,
          orgUrl: `${downstream.scimUrl}/${shape === 'group' ? 'Groups' : 'Organizations'}`,
          orgResource: shape,
          deprovision: { users: 'delete', orgs: 'delete' },
          scope: { orgIds: ['sales'], userFilter: 'title co "Engineer"' },
        },
      });
      await t.center.sources.enable(source.id);
      const first = await t.center.runs.settled((await t.center.runs.start(source.id)).id);
      expect(first).toMatchObject({ status: 'succeeded', failed: 0 });
      const orgs = () => downstream.store.list(shape === 'group' ? 'groups' : 'orgs').map((org) => String(org.externalId ?? org.displayName)).sort();
      const users = () => downstream.store.list('users').map((user) => String(user.userName)).sort();
      expect(orgs()).toEqual(['sales']);
      expect(users()).toEqual(['sam@acme.example']);

      await t.center.sources.update(source.id, { push: { scope: { orgIds: ['rnd'], userFilter: 'title co "Engineer"' } } });
      const applied = await vi.waitFor(async () => {
        const run = (await t.center.runs.list(source.id)).runs.find((candidate) => candidate.id > first!.id && candidate.startedBy === APPLY_ACTOR);
        expect(run).toBeDefined();
        return run!;
      });
      // Found as soon as its row commits, maybe before its launch: wait for its end.
      const settled = await vi.waitFor(async () => {
        const run = await t.center.runs.get(applied.id);
        expect(['queued', 'running']).not.toContain(run!.status);
        return run!;
      });
      expect(settled).toMatchObject({ status: 'succeeded', failed: 0 });
      expect(orgs()).toEqual(['rnd']);
      expect(users()).toEqual(['rob@acme.example']);
    });
  }
});
