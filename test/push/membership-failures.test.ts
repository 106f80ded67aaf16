import { describe, expect, it } from 'vitest';
import type { UserDeprovision } from '../../lib/sources/source-types.js';
import { adminAgent } from '../support/admin-agent.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

/** Four teams of two, pushed as SCIM Groups: one membership PATCH per team. */
describe('push memberships: counted, retried, and left by deprovisioned users', () => {
  const server = useFakeDownstream();
  const t = useTestCenter({ push: FAST_PUSH });
  const isMemberPatch = (request: { method: string; path: string }) => request.method === 'PATCH' && request.path.includes('/Groups/');

  async function seed() {
    const teams = Array.from({ length: 4 }, (_, index) => buildOrg({ id: `team${index}`, name: `Team ${index}` }));
    const users = Array.from({ length: 8 }, (_, index) => buildUser({ id: `u${index}`, userName: `u${index}@example.com`, orgIds: [teams[index % 4]!.id] }));
    await t.center.changes.apply([...teams.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
    return { teams, users };
  }

  async function groupSource(users: UserDeprovision = 'disable') {
    return createPushSource(t.center, server, { orgUrl: server.url('Groups'), orgResource: 'group', deprovision: { users, orgs: 'delete' } });
  }

  async function sync(sourceId: string) {
    return (await t.center.runs.settled((await t.center.runs.start(sourceId)).id))!;
  }

  function membersOf(groupName: string): string[] {
    const group = server.resources('Groups').find((entry) => entry.displayName === groupName)!;
    const userNames = new Map(server.resources('Users').map((user) => [user.id, user.userName as string]));
    return (group.members ?? []).map((member: { value: string }) => userNames.get(member.value)!).sort();
  }

  it('retries membership PATCHes answered 500 within the run, and counts them as updates', async () => {
    await seed();
    const source = await groupSource();
    const failedOnce = new Set<string>();
    server.fault = (request) => {
      if (!isMemberPatch(request) || failedOnce.has(request.path)) return undefined;
      failedOnce.add(request.path);
      return { status: 500, body: { detail: 'database is busy' } };
    };
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, created: 12, updated: 4 });
    expect(server.requests.filter(isMemberPatch).map((request) => request.status)).toEqual([500, 500, 500, 500, 200, 200, 200, 200]);
    for (let index = 0; index < 4; index += 1) expect(membersOf(`Team ${index}`)).toEqual([`u${index + 4}@example.com`, `u${index}@example.com`].sort());
    const items = await t.center.runs.items(run.id, { limit: 100 });
    const memberItems = items.items.filter((item) => item.kind === 'org' && item.method === 'PATCH');
    expect(memberItems.map((item) => item.result)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it('honours 429 with Retry-After on a membership PATCH like on objects', async () => {
    await seed();
    const source = await groupSource();
    let throttled = 0;
    server.fault = (request) => (isMemberPatch(request) && throttled++ < 4 ? { status: 429, headers: { 'retry-after': '0' } } : undefined);
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0, updated: 4 });
    expect(server.requests.filter(isMemberPatch).filter((request) => request.status === 429)).toHaveLength(4);
    expect(membersOf('Team 0')).toEqual(['u0@example.com', 'u4@example.com']);
  });

  it('ends "succeeded with failures" when membership PATCHes keep failing, counts each, and sends them again next run', async () => {
    await seed();
    const source = await groupSource();
    server.fault = (request) => (isMemberPatch(request) ? { status: 500, body: { detail: 'database is busy' } } : undefined);
    const run = await sync(source.id);
    expect(run).toMatchObject({ status: 'succeeded_with_failures', failed: 4, created: 12 });
    // Each PATCH tried as often as an object is (runAttempts: 3).
    expect(server.requests.filter(isMemberPatch)).toHaveLength(12);
    const failed = await t.center.runs.items(run.id, { result: 'failed', limit: 100 });
    expect(failed.total).toBe(4);
    expect(failed.items.every((item) => item.method === 'PATCH' && item.httpStatus === 500)).toBe(true);

    // The list and the run say how many failed, in both languages.
    const console = adminAgent(t.app);
    const list = await console.get(`/sources/${source.id}/sync`).set('accept-language', 'en');
    expect(list.text).toContain('Succeeded with 4 failures');
    const page = await console.get(`/sources/${source.id}/runs/${run.id}`).set('accept-language', 'zh-CN');
    expect(page.text).toContain('完成，4 项失败');

    server.fault = () => undefined;
    const next = await sync(source.id);
    expect(next).toMatchObject({ status: 'succeeded', failed: 0, updated: 4 });
    expect(membersOf('Team 3')).toEqual(['u3@example.com', 'u7@example.com']);
  });

  for (const policy of ['disable', 'delete'] as const) {
    it(`removes a deleted user from its groups in a manual sync under '${policy}'`, async () => {
      await seed();
      const source = await groupSource(policy);
      await sync(source.id);
      expect(membersOf('Team 1')).toEqual(['u1@example.com', 'u5@example.com']);
      await t.center.changes.userDeleted('u1');
      server.requests.length = 0;
      const run = await sync(source.id);
      expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
      expect(membersOf('Team 1')).toEqual(['u5@example.com']);
      const patch = server.requests.find(isMemberPatch)!;
      expect(patch.body.Operations).toEqual([{ op: 'remove', path: expect.stringMatching(/^members\[value eq ".+"\]$/) }]);
      const user = server.resources('Users').find((entry) => entry.userName === 'u1@example.com');
      if (policy === 'disable') expect(user).toMatchObject({ active: false });
      else expect(user).toBeUndefined();
    });
  }

  it("leaves a deleted user in its groups under 'leave'", async () => {
    await seed();
    const source = await groupSource('leave');
    await sync(source.id);
    await t.center.changes.userDeleted('u1');
    server.requests.length = 0;
    await sync(source.id);
    expect(server.writes()).toHaveLength(0);
    expect(membersOf('Team 1')).toEqual(['u1@example.com', 'u5@example.com']);
  });

  it("removes a deleted user from its groups in incremental delivery under 'disable'", async () => {
    await seed();
    const source = await groupSource('disable');
    await sync(source.id);
    await t.center.start();
    await t.center.changes.userDeleted('u2');
    await t.center.push.drained(source.id);
    expect(membersOf('Team 2')).toEqual(['u6@example.com']);
    expect(server.resources('Users').find((entry) => entry.userName === 'u2@example.com')).toMatchObject({ active: false });
    // Nothing is left to send: the next run finds the group as it should be.
    server.requests.length = 0;
    await t.center.push.drained(source.id);
    expect(server.writes()).toHaveLength(0);
  });
});
