import type express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { adminAgent, csrfTokenOf, encodeForm } from '../../support/admin-agent.js';
import { buildOrg, buildUser } from '../../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';

const READER_HEADER = 'x-test-reader';

describe('the console’s Provision on demand (GET/POST /sources/:id/on-demand)', () => {
  const server = useFakeDownstream();
  const t = useTestCenter(() => ({
    push: FAST_PUSH,
    admin: {
      isAdmin: (req) => Boolean((req as express.Request).get(ADMIN_HEADER)),
      canView: (req) => Boolean((req as express.Request).get(READER_HEADER)),
      actor: (req) => String((req as express.Request).get(ADMIN_HEADER) ?? (req as express.Request).get(READER_HEADER)),
    },
  }));

  async function seed() {
    await t.center.changes.apply([
      { type: 'orgUpserted', org: buildOrg({ id: 'o-sales', name: 'Sales' }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-ada', userName: 'ada@example.com', displayName: 'Ada Lovelace', orgIds: ['o-sales'] }) },
      { type: 'userUpserted', user: buildUser({ id: 'u-zoe', userName: 'zoe@example.com', displayName: '周 Zoe', orgIds: ['o-sales'] }) },
    ]);
    return createPushSource(t.center, server);
  }

  it('searches, provisions with post/redirect/get, and shows each step with its request and status', async () => {
    const source = await seed();
    const admin = adminAgent(t.app, 'alice');
    const page = await admin.get(`/sources/${source.id}/on-demand?q=lovelace`).set('accept-language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-candidate="u-ada"');
    expect(page.text).not.toContain('data-candidate="u-zoe"');
    expect(page.text).toContain('Provision now');

    const posted = await admin.post(`/sources/${source.id}/on-demand`, { userId: 'u-ada', q: 'lovelace' }, 'en');
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toMatch(new RegExp(`^${MOUNT}/sources/${source.id}/on-demand/results/[0-9a-f]+$`));
    const result = await admin.agent.get(posted.headers.location).set(ADMIN_HEADER, 'alice').set('accept-language', 'en');
    expect(result.status).toBe(200);
    expect(result.text).toContain('data-outcome="provisioned"');
    for (const name of ['scope', 'orgs', 'match', 'user', 'memberships']) expect(result.text).toContain(`data-step="${name}"`);
    expect(result.text).toMatch(/<code>POST \/scim\/v2\/Users<\/code><\/td>\s*<td>201<\/td>/);
    expect(result.text).toContain('ada@example.com was provisioned in');
    expect(server.resources('Users')).toEqual([expect.objectContaining({ userName: 'ada@example.com' })]);

    // The same page in Chinese, with the skip's reason on a second try.
    const again = await admin.post(`/sources/${source.id}/on-demand`, { userId: 'u-ada' }, 'zh-CN');
    const zh = await admin.agent.get(again.headers.location).set(ADMIN_HEADER, 'alice').set('accept-language', 'zh-CN');
    expect(zh.text).toContain('data-outcome="unchanged"');
    expect(zh.text).toContain('无变化：内容与上次发送的相同（哈希一致）');
    expect(zh.text).toContain('创建或更新');
  });

  it('answers an unknown user with the search page and a message, keeping the search', async () => {
    const source = await seed();
    const admin = adminAgent(t.app, 'alice');
    const response = await admin.post(`/sources/${source.id}/on-demand`, { userId: 'u-gone', q: 'ada' }, 'en');
    expect(response.status).toBe(404);
    expect(response.text).toContain('There is no user “u-gone” in the directory');
    expect(response.text).toContain('value="ada"');
    expect(response.text).toContain('data-candidate="u-ada"');
    expect(server.writes()).toEqual([]);
  });

  it('refuses a post without the CSRF token', async () => {
    const source = await seed();
    const response = await request(t.app).post(`${MOUNT}/sources/${source.id}/on-demand`).set(ADMIN_HEADER, 'alice').type('form').send(encodeForm({ userId: 'u-ada' }));
    expect(response.status).toBe(403);
    expect(server.writes()).toEqual([]);
    expect(await t.center.audit.list({ action: 'push.provision_now' })).toEqual([]);
  });

  it('lets a reader search and read results, but not provision', async () => {
    const source = await seed();
    const result = await t.center.push.provisionNow(source.id, 'u-ada', { actor: 'alice' });
    const reader = request.agent(t.app);
    const page = await reader.get(`${MOUNT}/sources/${source.id}/on-demand?q=ada`).set(READER_HEADER, 'rita').set('accept-language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-candidate="u-ada"');
    expect(page.text).toContain('data-read-only');
    expect(page.text).not.toContain('Provision now');
    const shown = await reader.get(`${MOUNT}/sources/${source.id}/on-demand/results/${result.id}`).set(READER_HEADER, 'rita');
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('data-outcome="provisioned"');
    server.requests.length = 0;
    const posted = await reader.post(`${MOUNT}/sources/${source.id}/on-demand`).set(READER_HEADER, 'rita').type('form').send(encodeForm({ _csrf: csrfTokenOf(page.text), userId: 'u-zoe' }));
    expect(posted.status).toBe(403);
    expect(server.writes()).toEqual([]);
  });

  it('shows why a disabled source refuses, and 404 for an unknown result or a pull source', async () => {
    const source = await seed();
    const admin = adminAgent(t.app, 'alice');
    expect((await admin.get(`/sources/${source.id}/on-demand/results/feedbeef`)).status).toBe(404);
    const { source: pull } = await t.center.sources.create({ name: 'Wiki', mode: 'pull' });
    expect((await admin.get(`/sources/${pull.id}/on-demand`)).status).toBe(404);
    await t.center.sources.disable(source.id);
    const refused = await admin.post(`/sources/${source.id}/on-demand`, { userId: 'u-ada' }, 'en');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This source is not enabled');
  });
});
