import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDemoApp, DEMO_SOURCE_NAME, type DemoApp } from '../../examples/demo/app.js';
import { startDemoDownstream, type DemoDownstream } from '../../examples/demo/downstream/index.js';
import { SEED_USER_COUNT } from '../../examples/demo/seed.js';

/** The CSRF token of the first form on a page the agent fetches. */
async function formToken(agent: request.Agent, page: string): Promise<string> {
  const html = (await agent.get(page)).text;
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF token on ${page}`);
  return token;
}

async function login(agent: request.Agent, username: string, password: string) {
  const _csrf = await formToken(agent, '/login');
  return agent.post('/login').type('form').send({ _csrf, username, password, returnTo: '/sync-center/' });
}

describe('the demo host IdP', () => {
  let dataDir: string;
  let demo: DemoApp;
  let downstream: DemoDownstream;
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger = { info: (message: string) => void infos.push(message), warn: (message: string) => void warnings.push(message), error() {} };
  const signInLines = () => warnings.filter((line) => line.includes('sign-in'));
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ssc-demo-'));
    downstream = await startDemoDownstream({ port: 0, token: 'demo-downstream-token' });
    demo = await createDemoApp({
      dataDir,
      publicOrigin: 'http://localhost:3000',
      downstream: { url: downstream.url, scimUrl: downstream.scimUrl, token: 'demo-downstream-token' },
      logger,
    });
  });
  afterAll(async () => {
    await demo.close();
    await downstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('boots with a seeded directory of about 200 users in about 20 orgs, mirrored', async () => {
    expect(await demo.center.mirror.counts()).toEqual({ users: SEED_USER_COUNT, orgs: 20 });
  });

  it('sends an anonymous visitor of the sync center to the login with a way back', async () => {
    const response = await request(demo.app).get('/sync-center/');
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login?returnTo=%2Fsync-center%2F');
  });

  it('refuses a wrong password', async () => {
    const agent = request.agent(demo.app);
    const response = await login(agent, 'admin', 'nope');
    expect(response.headers.location).toContain('/login?error=1');
    expect((await agent.get('/sync-center/')).status).toBe(303);
  });

  it('lets the viewer read the sync center as a reader, and refuses their changes', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'viewer', 'viewer');
    const page = await agent.get('/sync-center/').set('accept-language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Read only');
    expect(page.text).not.toContain('href="/sync-center/new"');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const refused = await agent.post('/sync-center/new').type('form').send({ _csrf: token, protocol: 'scim' });
    expect(refused.status).toBe(403);
  });

  it("links the console header back to the host and to the host's sign-out page", async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const page = await agent.get('/sync-center/').set('accept-language', 'en');
    expect(page.text).toContain('<a class="home-link" href="/">');
    expect(page.text).toContain('Demo IdP</a>');
    expect(page.text).toContain('<a class="sign-out" href="/logout">Sign out</a>');
    const logout = await agent.get('/logout');
    expect(logout.status).toBe(200);
    expect(logout.text).toContain('action="/logout"');
  });

  it('lets the admin in after login', async () => {
    const agent = request.agent(demo.app);
    const response = await login(agent, 'admin', 'admin');
    expect(response.headers.location).toBe('/sync-center/');
    const page = await agent.get('/sync-center/');
    expect(page.status).toBe(200);
  });

  it('reports a directory edit to the center', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const before = await demo.center.mirror.currentSequence();
    const user = (await demo.store.getUser('u0001'))!;
    const _csrf = await formToken(agent, '/directory/users/u0001/edit');
    const response = await agent
      .post('/directory/users/u0001')
      .type('form')
      .send({ _csrf, userName: user.userName, displayName: 'Renamed', familyName: user.familyName, givenName: user.givenName, email: user.email, orgId: 'org-hr' });
    expect(response.status).toBe(303);
    expect(await demo.center.mirror.currentSequence()).toBe(before + 1);
    const mirrored = await demo.center.mirror.getUser('u0001');
    expect(mirrored?.data).toMatchObject({ displayName: 'Renamed', orgIds: ['org-hr'] });
  });

  it('offers the demo downstream as a push target and fills it with the whole directory', async () => {
    const source = (await demo.center.sources.list()).find((candidate) => candidate.name === DEMO_SOURCE_NAME)!;
    expect(source).toMatchObject({ mode: 'push', enabled: true });
    const { runs } = await demo.center.runs.list(source.id);
    const run = await demo.center.runs.settled(runs[0]!.id);
    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    expect(downstream.store.users.size).toBe(SEED_USER_COUNT);
    expect(downstream.store.orgs.size).toBe(20);
  });

  it('delivers a directory edit to the demo downstream', async () => {
    const source = (await demo.center.sources.list()).find((candidate) => candidate.name === DEMO_SOURCE_NAME)!;
    await demo.center.runs.settled((await demo.center.runs.list(source.id)).runs[0]!.id);
    await demo.center.start();
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const user = (await demo.store.getUser('u0002'))!;
    const remoteName = () => [...downstream.store.users.values()].find((candidate) => candidate.userName === user.userName)?.displayName;
    // Changes of earlier tests may be delivered first: wait for the delivery that carries this one.
    const delivered = new Promise<void>((resolve) => {
      demo.center.events.on('delivery', (event) => {
        if (event.sourceId === source.id && event.delivered > 0 && remoteName() === 'Delivered Name') resolve();
      });
    });
    const _csrf = await formToken(agent, '/directory/users/u0002/edit');
    await agent
      .post('/directory/users/u0002')
      .type('form')
      .send({ _csrf, userName: user.userName, displayName: 'Delivered Name', familyName: user.familyName, givenName: user.givenName, email: user.email, orgId: user.orgId });
    await delivered;
    const remote = [...downstream.store.users.values()].find((candidate) => candidate.userName === user.userName);
    expect(remote?.displayName).toBe('Delivered Name');
  });

  it('shows the downstream’s bearer token on its page, saying it is a demo secret', async () => {
    const page = await request(downstream.url).get('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`id="token" readonly size="60" value="demo-downstream-token"`);
    expect(page.text).toContain(`value="${downstream.scimUrl}"`);
    expect(page.text).toContain('This token is a demo secret, shown here on purpose');
  });

  it('refuses to move an org under its own descendant and keeps the host unchanged', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const _csrf = await formToken(agent, '/directory/orgs/org-rd/edit');
    const response = await agent.post('/directory/orgs/org-rd').type('form').send({ _csrf, name: 'R&D', parentId: 'org-rd-qa', sortOrder: '1' });
    expect(response.status).toBe(422);
    expect((await demo.store.getOrg('org-rd'))?.parentId).toBe('org-root');
  });

  it('refuses a directory change without the CSRF token (403) and changes nothing', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const user = (await demo.store.getUser('u0003'))!;
    const response = await agent.post('/directory/users/u0003').type('form').send({ userName: user.userName, displayName: 'Forged' });
    expect(response.status).toBe(403);
    expect(response.text).toMatch(/This form has expired|表单已失效/);
    expect((await demo.store.getUser('u0003'))?.displayName).toBe(user.displayName);
    const forgedToken = await agent.post('/directory/users/u0003').type('form').send({ _csrf: 'forged.token', userName: user.userName, displayName: 'Forged' });
    expect(forgedToken.status).toBe(403);
  });

  it('refuses a sign-in or sign-out without the CSRF token', async () => {
    const agent = request.agent(demo.app);
    const response = await agent.post('/login').type('form').send({ username: 'admin', password: 'admin', returnTo: '/' });
    expect(response.status).toBe(403);
    await login(agent, 'admin', 'admin');
    expect((await agent.post('/logout').type('form').send({})).status).toBe(403);
    expect((await agent.get('/directory')).status).toBe(200);
  });

  it('carries a CSRF token in every form that posts', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    for (const page of ['/', '/directory?org=org-hr', '/directory/users/new', '/directory/users/u0004/edit', '/directory/orgs/new', '/directory/users/u0004/delete']) {
      const html = (await agent.get(page)).text;
      const posting = html.match(/<form[^>]*method="post"[^>]*>[\s\S]*?<\/form>/g) ?? [];
      expect(posting.length, page).toBeGreaterThan(0);
      for (const form of posting) expect(form, page).toMatch(/name="_csrf" value="[^"]+"/);
    }
  });

  it('deletes a user only after the confirmation step', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const user = (await demo.store.getUser('u0005'))!;
    const back = `/directory?org=${encodeURIComponent(user.orgId!)}`;
    const list = await agent.get(back);
    expect(list.text).toContain(`href="/directory/users/u0005/delete?back=${encodeURIComponent(back)}"`);
    expect(list.text).not.toContain('action="/directory/users/u0005/delete"');

    const _csrf = await formToken(agent, '/directory/users/u0005/edit');
    const unconfirmed = await agent.post('/directory/users/u0005/delete').type('form').send({ _csrf, back });
    expect(unconfirmed.status).toBe(303);
    expect(unconfirmed.headers.location).toBe(`/directory/users/u0005/delete?back=${encodeURIComponent(back)}`);
    expect(await demo.store.getUser('u0005')).toBeDefined();

    const confirm = await agent.get(unconfirmed.headers.location!);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(`${user.displayName} (${user.userName})`);
    expect(confirm.text).toContain('name="confirm" value="yes"');
    const confirmToken = /name="_csrf" value="([^"]+)"/.exec(confirm.text)![1];
    const deleted = await agent.post('/directory/users/u0005/delete').type('form').send({ _csrf: confirmToken, confirm: 'yes', back });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.location).toBe(back);
    expect(await demo.store.getUser('u0005')).toBeUndefined();
    expect((await demo.center.mirror.getUser('u0005'))?.deletedAt).toBeTruthy();
  });

  it('deletes an empty org only after the confirmation step, and never one with members', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    expect((await agent.get('/directory/orgs/org-hr/delete')).status).toBe(409);
    const _csrf = await formToken(agent, '/directory/orgs/new');
    const created = await agent.post('/directory/orgs/new').type('form').send({ _csrf, name: 'Short-lived', parentId: 'org-root', sortOrder: '9' });
    const orgId = new URL(created.headers.location!, 'http://demo').searchParams.get('org')!;
    expect(await demo.store.getOrg(orgId)).toBeDefined();

    expect((await agent.post(`/directory/orgs/${orgId}/delete`).type('form').send({ _csrf })).headers.location).toBe(`/directory/orgs/${orgId}/delete`);
    expect(await demo.store.getOrg(orgId)).toBeDefined();
    const confirm = await agent.get(`/directory/orgs/${orgId}/delete`);
    expect(confirm.text).toContain('Short-lived');
    const deleted = await agent.post(`/directory/orgs/${orgId}/delete`).type('form').send({ _csrf, confirm: 'yes' });
    expect(deleted.headers.location).toBe('/directory');
    expect(await demo.store.getOrg(orgId)).toBeUndefined();
  });

  it('logs a failed sign-in with the user name and address, never the password', async () => {
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'not-the-password-42');
    expect(signInLines()).toContainEqual(expect.stringMatching(/^demo: failed sign-in for "admin" from (::ffff:)?127\.0\.0\.1$/));
    expect(warnings.join('\n')).not.toContain('not-the-password-42');
  });

  it('answers 429 on the login page after five failed sign-ins for one user name from one address', async () => {
    const agent = request.agent(demo.app);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const failed = await login(agent, 'viewer', `guess-${attempt}`);
      expect(failed.status, `attempt ${attempt}`).toBe(303);
      expect(failed.headers.location).toContain('/login?error=1');
    }
    const throttled = await login(agent, 'viewer', 'viewer');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
    expect(throttled.text).toMatch(/Too many failed sign-ins for this user name from your address\. Try again in 15 min\.|登录失败次数过多，请 15 分钟后再试/);
    expect(throttled.text).toContain('action="/login"');
    expect((await agent.get('/directory')).status).toBe(303);
    expect(signInLines()).toContainEqual(expect.stringMatching(/^demo: sign-in refused for "viewer" from \S+: too many failed attempts$/));

    const other = request.agent(demo.app);
    expect((await login(other, 'admin', 'admin')).headers.location).toBe('/sync-center/');
  });

  it('prints an alert to the terminal and shows it as a banner, with the link that fixes it, on the demo pages', async () => {
    const { source } = await demo.center.sources.create({ name: '告警演示', mode: 'push', push: { userUrl: 'http://127.0.0.1:9/Users', token: 't0ken-for-alert-demo' } });
    await demo.center.sources.enable(source.id);
    const run = await demo.center.runs.start(source.id);
    await demo.center.runs.settled(run.id);
    await vi.waitFor(() => expect(infos.some((line) => line.startsWith('demo: ALERT critical run_failed'))).toBe(true), { timeout: 10_000 });
    const agent = request.agent(demo.app);
    await login(agent, 'admin', 'admin');
    const home = await agent.get('/').set('accept-language', 'zh-CN');
    expect(home.text).toContain('同步中心告警：');
    expect(home.text).toContain(`数据源&#34;告警演示&#34;的第 ${run.id} 次同步失败`);
    expect(home.text).toContain(`href="/sync-center/sources/${source.id}/runs/${run.id}"`);
  });
});
