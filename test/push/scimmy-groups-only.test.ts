import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { afterEach, describe, expect, it } from 'vitest';
import { DownstreamStore, type Kind } from '../../examples/demo/downstream/store.js';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { FAST_PUSH } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

const TOKEN = 'groups-only-secret';

/**
 * A third-party SCIM server that knows Users and Groups only, like most apps: scimmy with its
 * own User (+ Enterprise) and Group resource types, no Organization. scimmy's declarations are
 * process-wide; this file runs in a process of its own (vitest's forks pool).
 */
let declared = false;
function declareGroupsOnly(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({ patch: true, filter: true, sort: false, bulk: false, changePassword: false, etag: false });
  const declare = (Resource: any, kind: Kind) =>
    SCIMMY.Resources.declare(Resource)
      .ingress((resource: { id?: string }, data: Record<string, unknown>, store: DownstreamStore) => store.save(kind, resource.id, data))
      .egress((resource: { id?: string; filter?: { match(values: unknown[]): unknown[] } }, store: DownstreamStore) => {
        if (resource.id) return store.get(kind, resource.id);
        return resource.filter ? resource.filter.match(store.list(kind)) : store.list(kind);
      })
      .degress((resource: { id?: string }, store: DownstreamStore) => store.remove(kind, resource.id!));
  SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);
  declare(SCIMMY.Resources.User, 'users');
  declare(SCIMMY.Resources.Group, 'groups');
}

interface GroupsOnly {
  scimUrl: string;
  store: DownstreamStore;
  /** Answers 500 instead of handling a request while it returns true. */
  failing: (req: express.Request) => boolean;
  patches: number[];
  close(): Promise<void>;
}

async function startGroupsOnly(): Promise<GroupsOnly> {
  declareGroupsOnly();
  const store = new DownstreamStore();
  const app = express();
  const downstream = { failing: (() => false) as GroupsOnly['failing'], patches: [] as number[] };
  app.use((req, res, next) => {
    const memberPatch = req.method === 'PATCH' && req.path.includes('/Groups/');
    if (memberPatch && downstream.failing(req)) {
      downstream.patches.push(500);
      return void res.status(500).json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '500', detail: 'database is busy' });
    }
    if (memberPatch) res.on('finish', () => downstream.patches.push(res.statusCode));
    next();
  });
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      docUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
      handler: (req: express.Request) => {
        if (req.get('authorization') !== `Bearer ${TOKEN}`) throw new Error('Authorization failed');
        return 'idp';
      },
      context: () => store,
    }) as unknown as express.Router,
  );
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const scimUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  return Object.assign(downstream, {
    scimUrl,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

describe('push to a Groups-only scimmy (no Organization resource type)', () => {
  let downstream: GroupsOnly;
  afterEach(async () => {
    await downstream?.close();
  });
  // Registered after the downstream's afterEach, so the center closes first.
  const t = useTestCenter({ push: FAST_PUSH });

  async function seed() {
    const orgs = [buildOrg({ id: 'root', name: 'Acme' }), ...Array.from({ length: 3 }, (_, index) => buildOrg({ id: `team${index}`, name: `Team ${index}`, parentId: 'root' }))];
    const users = Array.from({ length: 6 }, (_, index) => buildUser({ id: `u${index}`, userName: `u${index}@acme.example`, orgIds: [`team${index % 3}`] }));
    await t.center.changes.apply([...orgs.map((org) => ({ type: 'orgUpserted' as const, org })), ...users.map((user) => ({ type: 'userUpserted' as const, user }))]);
  }

  async function source(orgResource?: 'group') {
    const { source } = await t.center.sources.create({
      name: 'Groups app',
      mode: 'push',
      push: { auth: 'bearer', token: TOKEN, userUrl: `${downstream.scimUrl}/Users`, orgUrl: `${downstream.scimUrl}/Groups`, ...(orgResource && { orgResource }), deprovision: { users: 'disable', orgs: 'delete' } },
    });
    return t.center.sources.enable(source.id);
  }

  const sync = async (sourceId: string) => (await t.center.runs.settled((await t.center.runs.start(sourceId)).id))!;

  function membersOf(name: string): string[] {
    const group = downstream.store.list('groups').find((entry) => entry.displayName === name)!;
    const userNames = new Map(downstream.store.list('users').map((user) => [user.id, user.userName as string]));
    return (group.members ?? []).map((member: { value: string }) => userNames.get(member.value)!).sort();
  }

  it('with the default org shape: a configuration error at Test connection with SCIM Groups proposed, and a run that sends nothing', async () => {
    downstream = await startGroupsOnly();
    await seed();
    const created = await source();
    const result = await t.center.push.testConnection(created.id);
    expect(result.ok).toBe(false);
    const step = result.steps.find((entry) => entry.name === 'orgShape')!;
    expect(step).toMatchObject({ ok: false, path: '/scim/v2/ResourceTypes', status: 200, proposal: { orgResource: 'group', orgUrl: `${downstream.scimUrl}/Groups` } });
    expect(renderMessage(translator('en'), step.detail)).toContain('the downstream has no Organization resource type');

    const run = await sync(created.id);
    expect(run).toMatchObject({ status: 'failed', created: 0, failed: 0 });
    expect(renderMessage(translator('en'), run.error)).toContain(`Fix: set “Send orgs as” to SCIM Groups and the Org URL to ${downstream.scimUrl}/Groups`);
    expect(downstream.store.list('groups')).toHaveLength(0);
    expect(downstream.store.list('users')).toHaveLength(0);
  });

  it('as SCIM Groups: passes, retries membership PATCHes answered 500 and counts those that keep failing', async () => {
    downstream = await startGroupsOnly();
    await seed();
    const created = await source('group');
    const result = await t.center.push.testConnection(created.id);
    expect(result.ok).toBe(true);
    expect(result.steps.find((entry) => entry.name === 'orgShape')).toMatchObject({ ok: true, status: 200 });

    // Team 0's PATCH keeps failing; the others fail once each, then go through on the retry.
    const seen = new Set<string>();
    const team0 = () => downstream.store.list('groups').find((group) => group.displayName === 'Team 0')!.id;
    downstream.failing = (req) => {
      if (req.path.endsWith(`/Groups/${team0()}`)) return true;
      if (seen.has(req.path)) return false;
      seen.add(req.path);
      return true;
    };
    const run = await sync(created.id);
    expect(run).toMatchObject({ status: 'succeeded_with_failures', failed: 1, created: 10, updated: 2 });
    expect(downstream.patches.filter((status) => status === 500)).toHaveLength(3 + 2); // Team 0 three times, the others once
    expect(membersOf('Team 1')).toEqual(['u1@acme.example', 'u4@acme.example']);
    expect(membersOf('Team 0')).toEqual([]);

    downstream.failing = () => false;
    const next = await sync(created.id);
    expect(next).toMatchObject({ status: 'succeeded', failed: 0, updated: 1 });
    expect(membersOf('Team 0')).toEqual(['u0@acme.example', 'u3@acme.example']);
  });

  it("as SCIM Groups: a deleted user under 'disable' leaves its group, in delivery and in a manual sync", async () => {
    downstream = await startGroupsOnly();
    await seed();
    const created = await source('group');
    await sync(created.id);
    await t.center.start();
    await t.center.changes.userDeleted('u1');
    await t.center.push.drained(created.id);
    expect(membersOf('Team 1')).toEqual(['u4@acme.example']);
    expect(downstream.store.list('users').find((user) => user.userName === 'u1@acme.example')).toMatchObject({ active: false });

    await t.center.changes.userDeleted('u5');
    const run = await sync(created.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(membersOf('Team 2')).toEqual(['u2@acme.example']);
  });
});
