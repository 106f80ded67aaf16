import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { createTestCenter, MOUNT, useTestCenter } from '../../support/test-center.js';
import { startWizard } from '../../support/wizard-driver.js';

const PUSH = {
  'push.auth': 'bearer',
  'push.userUrl': 'https://crm.example.com/scim/v2/Users',
  'push.orgUrl': '',
  'push.orgResource': 'organization',
  'push.clientId': '',
  'push.tokenUrl': '',
};

describe('the wizard (/new), post/redirect/get', () => {
  const test = useTestCenter();
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  it('answers every step with 303 to the next step\'s page, which carries the values', async () => {
    const first = await client.post('/new', { protocol: 'scim', go: 'next' });
    expect(first.status).toBe(303);
    expect(first.headers.location).toMatch(new RegExp(`^${MOUNT}/new/[0-9a-f]{32}/basics$`));
    const wizard = await startWizard(client, { name: 'CRM', description: 'Customer app' });
    const basics = await wizard.get('basics');
    expect(basics.status).toBe(200);
    expect(basics.text).toContain('value="CRM"');
    expect(basics.text).toContain('Customer app');
    expect(basics.text).toContain(`action="${MOUNT}${wizard.path('basics')}"`);
    const parameters = await wizard.get('parameters');
    expect(parameters.status).toBe(200);
    expect(parameters.text).toContain('name="mode"');
  });

  it('shows only the mode choice until a mode is picked, then only that mode\'s fields', async () => {
    const wizard = await startWizard(client);
    const choice = (await wizard.get('parameters')).text;
    expect(choice).toContain('name="mode"');
    expect(choice).not.toContain('name="push.userUrl"');
    expect(choice).not.toContain('name="pull.scopeOrgIds"');
    expect(choice).not.toContain('name="pull.scope"');
    const picked = await wizard.post('parameters', { mode: 'pull', go: 'mode' });
    expect(picked.status).toBe(303);
    const pull = (await wizard.follow(picked)).text;
    expect(pull).toContain('name="pull.scope"');
    expect(pull).not.toContain('name="push.userUrl"');
    expect(pull).not.toContain('name="mode"');
    await wizard.follow(await wizard.post('parameters', { go: 'changeMode' }));
    await wizard.post('parameters', { mode: 'push', go: 'mode' });
    const push = (await wizard.get('parameters')).text;
    expect(push).toContain('name="push.userUrl"');
    expect(push).not.toContain('name="pull.scope"');
  });

  it('asks for a mode, with the error linked from the summary', async () => {
    const wizard = await startWizard(client);
    const res = await wizard.post('parameters', { go: 'mode' }, 'en');
    expect(res.status).toBe(303);
    const page = (await wizard.follow(res, 'en')).text;
    expect(page).toMatch(/<a href="#f-mode">Acquisition mode: This field is required\.<\/a>/);
    expect(page).toContain('id="f-mode"');
    expect(await test.center.sources.list()).toEqual([]);
  });

  it('re-shows the basics step with an inline error, a linked summary and the kept values when the name is missing', async () => {
    const wizard = await startWizard(client, { name: '  ', description: 'Kept description' });
    const page = await wizard.get('basics', 'en');
    expect(page.text).toMatch(/id="f-name-error">[^<]+</);
    expect(page.text).toMatch(/<a href="#f-name">Name: [^<]+<\/a>/);
    expect(page.text).toContain('data-error-summary');
    expect(page.text).toContain('Kept description');
  });

  it('marks required fields, with a legend, in both languages', async () => {
    const wizard = await startWizard(client, { mode: 'push' });
    const en = (await wizard.get('basics', 'en')).text;
    expect(en).toContain('Fields marked * are required.');
    expect(en).toMatch(/<input id="f-name" name="name"[^>]* required/);
    const zh = (await wizard.get('parameters', 'zh-CN')).text;
    expect(zh).toContain('标 * 的为必填项。');
    expect(zh).toMatch(/<input id="f-push-userUrl" name="push.userUrl"[^>]* required/);
    // Required only for one authentication: marked and announced, but not `required` (its input may be hidden).
    expect(zh).toMatch(/<input id="f-push-token" name="push.token"[^>]* aria-required="true"/);
    expect(zh).not.toMatch(/<input id="f-push-token"[^>]* required[ >]/);
  });

  it('refuses a name over 64 characters and a name already taken', async () => {
    const long = await startWizard(client, { name: 'x'.repeat(65) });
    expect((await long.get('basics')).text).toContain('64');
    await test.center.sources.create({ name: 'CRM', mode: 'pull' });
    const taken = await startWizard(client, { name: 'crm' });
    expect((await taken.get('basics', 'en')).text).toContain('A downstream sync with this name already exists.');
  });

  it('keeps the values entered on a step when going Back', async () => {
    const wizard = await startWizard(client, { mode: 'push' });
    const back = await wizard.post('parameters', { ...PUSH, go: 'back' });
    expect(back.headers.location).toBe(`${MOUNT}${wizard.path('basics')}`);
    expect((await wizard.follow(back)).text).toContain('value="CRM"');
    expect((await wizard.get('parameters')).text).toContain('value="https://crm.example.com/scim/v2/Users"');
  });

  it('folds the advanced policy into a disclosure, opened when one of its fields has an error', async () => {
    const wizard = await startWizard(client, { mode: 'push' });
    expect((await wizard.get('parameters')).text).toMatch(/<details class="policy" id="policy">/);
    await wizard.post('parameters', { ...PUSH, 'push.token': 't', 'push.schedule': 'nope', go: 'next' });
    const page = (await wizard.get('parameters')).text;
    expect(page).toMatch(/<details class="policy" id="policy" open>/);
    expect(page).toContain('<a href="#f-push-schedule">');
  });

  it('never echoes an entered secret into HTML, on Back or on a validation error, yet keeps it', async () => {
    const secret = 'very-secret-push-token-123';
    const wizard = await startWizard(client, { mode: 'push' });
    const back = await wizard.post('parameters', { ...PUSH, 'push.token': secret, go: 'back' });
    expect((await wizard.follow(back)).text).not.toContain(secret);
    await wizard.post('parameters', { ...PUSH, 'push.userUrl': 'not a url', go: 'next' });
    const invalid = await wizard.get('parameters');
    expect(invalid.text).not.toContain(secret);
    expect(invalid.text).toMatch(/id="f-push-userUrl-error"/);
    const created = await wizard.post('parameters', { ...PUSH, go: 'next' });
    expect(created.status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(await test.center.sources.pushSecrets(source!.id)).toEqual({ token: secret });
    // The draft is gone once the source exists: its address starts a new wizard.
    const again = await wizard.get('parameters');
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`${MOUNT}/new`);
  });

  it("does not open another admin's draft", async () => {
    const wizard = await startWizard(client, { mode: 'push' });
    await wizard.post('parameters', { ...PUSH, 'push.token': 'alice-token', go: 'back' });
    const mallory = adminAgent(test.app, 'mallory');
    const page = await mallory.get(wizard.path('parameters'));
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe(`${MOUNT}/new`);
    const post = await mallory.post(wizard.path('parameters'), { ...PUSH, go: 'next' });
    expect(post.headers.location).toBe(`${MOUNT}/new`);
    expect(await test.center.sources.list()).toEqual([]);
  });

  it('maps push issues to their fields: https only unless the host allows http', async () => {
    const strict = await createTestCenter({ allowHttpPush: false });
    try {
      const strictClient = adminAgent(strict.app);
      const wizard = await startWizard(strictClient, { mode: 'push' });
      const res = await wizard.post('parameters', { ...PUSH, 'push.userUrl': 'http://crm.example.com/Users', 'push.token': 't', go: 'next' });
      expect(res.headers.location).toBe(`${MOUNT}${wizard.path('parameters')}`);
      const page = (await wizard.follow(res)).text;
      expect(page).toMatch(/id="f-push-userUrl-error">[^<]*https/);
      expect(page).toContain('value="http://crm.example.com/Users"');
      expect(await strict.center.sources.list()).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('creates a push source, audited with the actor, and finishes with the three ways on', async () => {
    const wizard = await startWizard(client, { mode: 'push' });
    const res = await wizard.post('parameters', { ...PUSH, 'push.token': 'tok', go: 'next' });
    expect(res.status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(res.headers.location).toBe(`${MOUNT}/sources/${source!.id}/created`);
    expect(source).toMatchObject({ name: 'CRM', mode: 'push', enabled: false, push: { userUrl: 'https://crm.example.com/scim/v2/Users', hasToken: true } });
    const [entry] = await test.center.audit.list({ sourceId: source!.id });
    expect(entry).toMatchObject({ actor: 'alice', action: 'source.create' });
    const finish = await client.get(`/sources/${source!.id}/created`).set('accept-language', 'en');
    expect(finish.text).toContain(`action="${MOUNT}/sources/${source!.id}/created"`);
    expect(finish.text).toContain('name="enableNow"');
    expect(finish.text).toContain('Go sync data');
    expect(finish.text).not.toContain('tok"');
  });

  it('"Enable now" on the finish step enables the source, audited, and lands on its sync page', async () => {
    const { source } = await test.center.sources.create({ name: 'P', mode: 'pull' });
    const res = await client.post(`/sources/${source.id}/created`, { enableNow: '1', go: 'sync' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}/sync?done=enabled`);
    expect((await test.center.sources.get(source.id)).enabled).toBe(true);
    const [entry] = await test.center.audit.list({ sourceId: source.id, action: 'source.enable' });
    expect(entry).toMatchObject({ actor: 'alice' });
    const finish = await client.get(`/sources/${source.id}/created`).set('accept-language', 'en');
    expect(finish.text).not.toContain('name="enableNow"');
    expect(finish.text).toContain('It is enabled.');
  });

  it('leaves the source disabled without "Enable now", and Done goes to the list', async () => {
    const { source } = await test.center.sources.create({ name: 'P', mode: 'pull' });
    const res = await client.post(`/sources/${source.id}/created`, { go: 'done' });
    expect(res.headers.location).toBe(`${MOUNT}/`);
    expect((await test.center.sources.get(source.id)).enabled).toBe(false);
    expect(await test.center.audit.list({ action: 'source.enable' })).toEqual([]);
  });

  it('shows a pull source its credentials once, then never again', async () => {
    const wizard = await startWizard(client, { mode: 'pull' });
    const res = await wizard.post('parameters', { 'pull.scope': '1', go: 'next' });
    expect(res.status).toBe(303);
    const first = await client.agent.get(res.headers.location!).set('x-test-admin', 'alice');
    const token = /id="cred-token" type="text" value="([^"]+)"/.exec(first.text)?.[1];
    expect(token).toMatch(/^ssc_token_/);
    const [source] = await test.center.sources.list();
    await test.center.sources.enable(source!.id);
    expect((await test.center.sources.authenticatePullToken(token!))?.id).toBe(source!.id);
    const again = await client.agent.get(res.headers.location!).set('x-test-admin', 'alice');
    expect(again.text).not.toContain(token!);
    expect(again.text).not.toContain('ssc_secret_');
  });

  it('offers "Go configure upstream sync" only when the host gives the link', async () => {
    const withLink = await createTestCenter({ links: { upstreamSync: '/host/upstream' } });
    try {
      const { source } = await withLink.center.sources.create({ name: 'P', mode: 'pull' });
      const page = await adminAgent(withLink.app).get(`/sources/${source.id}/created`).set('accept-language', 'en');
      expect(page.text).toContain('href="/host/upstream"');
      expect(page.text).toContain('Go configure upstream sync');
    } finally {
      await withLink.close();
    }
    const { source } = await test.center.sources.create({ name: 'P', mode: 'pull' });
    const page = await client.get(`/sources/${source.id}/created`).set('accept-language', 'en');
    expect(page.text).not.toContain('Go configure upstream sync');
  });

  it('shows the pull URLs of this center from publicUrl, or from the request', async () => {
    const wizard = await startWizard(client, { mode: 'pull' });
    const res = await wizard.get('parameters');
    expect(res.text).toMatch(new RegExp(`value="http://127\\.0\\.0\\.1:\\d+${MOUNT}/scim/v2/Users"`));
    expect(res.text).toContain(`${MOUNT}/scim/v2/Organizations"`);
    const pub = await createTestCenter({ publicUrl: 'https://idp.example.com/sync/' });
    try {
      const pubWizard = await startWizard(adminAgent(pub.app), { mode: 'pull' });
      expect((await pubWizard.get('parameters')).text).toContain('value="https://idp.example.com/sync/scim/v2/Users"');
    } finally {
      await pub.close();
    }
  });

  it('stores the scope picked from the mirror', async () => {
    await test.center.changes.apply([
      { type: 'orgUpserted', org: { id: 'root', name: 'Root', parentId: null } },
      { type: 'orgUpserted', org: { id: 'sales', name: 'Sales', parentId: 'root' } },
    ]);
    const wizard = await startWizard(client, { mode: 'pull' });
    expect((await wizard.get('parameters')).text).toContain('value="sales"');
    await wizard.post('parameters', { 'pull.scope': '1', 'pull.scopeOrgIds': ['sales'], go: 'next' });
    const [source] = await test.center.sources.list();
    expect(source!.pull!.scopeOrgIds).toEqual(['sales']);
  });
});
