import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { createTestCenter, MOUNT, useTestCenter } from '../../support/test-center.js';

const BASICS = { protocol: 'scim', name: 'CRM', description: 'Customer app' };
const PUSH = {
  mode: 'push',
  'push.auth': 'bearer',
  'push.userUrl': 'https://crm.example.com/scim/v2/Users',
  'push.orgUrl': '',
  'push.orgResource': 'organization',
  'push.clientId': '',
  'push.tokenUrl': '',
};

describe('POST /new (the wizard)', () => {
  const test = useTestCenter();
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  it('goes protocol → basics → parameters, carrying the values', async () => {
    const basics = await client.post('/new', { step: 'protocol', protocol: 'scim', go: 'next' });
    expect(basics.text).toContain('name="name"');
    const parameters = await client.post('/new', { step: 'basics', ...BASICS, go: 'next' });
    expect(parameters.status).toBe(200);
    expect(parameters.text).toContain('name="mode"');
    expect(parameters.text).toContain('<input type="hidden" name="name" value="CRM">');
    expect(parameters.text).toContain('<input type="hidden" name="description" value="Customer app">');
  });

  it('re-renders the basics step with an inline error and the kept values when the name is missing', async () => {
    const res = await client.post('/new', { step: 'basics', protocol: 'scim', name: '  ', description: 'Kept description', go: 'next' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="f-name-error">[^<]+</);
    expect(res.text).toContain('Kept description');
  });

  it('refuses a name over 64 characters and a name already taken', async () => {
    const long = await client.post('/new', { step: 'basics', protocol: 'scim', name: 'x'.repeat(65), description: '', go: 'next' });
    expect(long.status).toBe(422);
    expect(long.text).toContain('64');
    await test.center.sources.create({ name: 'CRM', mode: 'pull' });
    const token = await client.csrf();
    const taken = await client.agent.post(`${MOUNT}/new`).set('x-test-admin', 'alice').set('accept-language', 'en').type('form')
      .send(new URLSearchParams({ _csrf: token, step: 'basics', protocol: 'scim', name: 'crm', description: '', go: 'next' }).toString());
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('A downstream sync with this name already exists.');
  });

  it('keeps the values on Back', async () => {
    const res = await client.post('/new', { step: 'parameters', ...BASICS, ...PUSH, go: 'back' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="CRM"');
    expect(res.text).toContain('<input type="hidden" name="push.userUrl" value="https://crm.example.com/scim/v2/Users">');
  });

  it('never echoes an entered secret into HTML, on Back or on a validation error, yet keeps it', async () => {
    const secret = 'very-secret-push-token-123';
    const back = await client.post('/new', { step: 'parameters', ...BASICS, ...PUSH, 'push.token': secret, go: 'back' });
    expect(back.text).not.toContain(secret);
    const sealed = /name="sealed" value="([^"]+)"/.exec(back.text)![1]!;
    const invalid = await client.post('/new', { step: 'parameters', ...BASICS, ...PUSH, 'push.userUrl': 'not a url', sealed, go: 'next' });
    expect(invalid.status).toBe(422);
    expect(invalid.text).not.toContain(secret);
    expect(invalid.text).toMatch(/id="f-push-userUrl-error"/);
    const resealed = /name="sealed" value="([^"]+)"/.exec(invalid.text)![1]!;
    const created = await client.post('/new', { step: 'parameters', ...BASICS, ...PUSH, sealed: resealed, go: 'next' });
    expect(created.status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(await test.center.sources.pushSecrets(source!.id)).toEqual({ token: secret });
  });

  it('ignores a sealed field sealed for another admin', async () => {
    const back = await client.post('/new', { step: 'parameters', ...BASICS, ...PUSH, 'push.token': 'alice-token', go: 'back' });
    const sealed = /name="sealed" value="([^"]+)"/.exec(back.text)![1]!;
    const mallory = adminAgent(test.app, 'mallory');
    const res = await mallory.post('/new', { step: 'parameters', ...BASICS, ...PUSH, sealed, go: 'next' });
    expect(res.status).toBe(422);
    expect(await test.center.sources.list()).toEqual([]);
  });

  it('maps push issues to their fields: https only unless the host allows http', async () => {
    const strict = await createTestCenter({ allowHttpPush: false });
    try {
      const strictClient = adminAgent(strict.app);
      const res = await strictClient.post('/new', { step: 'parameters', ...BASICS, ...PUSH, 'push.userUrl': 'http://crm.example.com/Users', 'push.token': 't', go: 'next' });
      expect(res.status).toBe(422);
      expect(res.text).toMatch(/id="f-push-userUrl-error">[^<]*https/);
      expect(res.text).toContain('value="http://crm.example.com/Users"');
      expect(await strict.center.sources.list()).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('asks for a mode', async () => {
    const res = await client.post('/new', { step: 'parameters', ...BASICS, go: 'next' });
    expect(res.status).toBe(422);
    expect(await test.center.sources.list()).toEqual([]);
  });

  it('creates a push source, audited with the actor, and finishes with the three links', async () => {
    const res = await client.post('/new', { step: 'parameters', ...BASICS, ...PUSH, 'push.token': 'tok', go: 'next' });
    expect(res.status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(res.headers.location).toBe(`${MOUNT}/sources/${source!.id}/created`);
    expect(source).toMatchObject({ name: 'CRM', mode: 'push', enabled: false, push: { userUrl: 'https://crm.example.com/scim/v2/Users', hasToken: true } });
    const [entry] = await test.center.audit.list({ sourceId: source!.id });
    expect(entry).toMatchObject({ actor: 'alice', action: 'source.create' });
    const finish = await client.get(`/sources/${source!.id}/created`);
    expect(finish.text).toContain(`href="${MOUNT}/sources/${source!.id}/sync"`);
    expect(finish.text).toContain(`href="${MOUNT}/"`);
    expect(finish.text).not.toContain('tok"');
  });

  it('shows a pull source its credentials once, then never again', async () => {
    const res = await client.post('/new', { step: 'parameters', ...BASICS, mode: 'pull', go: 'next' });
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
    const res = await client.post('/new', { step: 'basics', ...BASICS, go: 'next' });
    expect(res.text).toMatch(new RegExp(`value="http://127\\.0\\.0\\.1:\\d+${MOUNT}/scim/v2/Users"`));
    expect(res.text).toContain(`${MOUNT}/scim/v2/Organizations"`);
    const pub = await createTestCenter({ publicUrl: 'https://idp.example.com/sync/' });
    try {
      const page = await adminAgent(pub.app).post('/new', { step: 'basics', ...BASICS, go: 'next' });
      expect(page.text).toContain('value="https://idp.example.com/sync/scim/v2/Users"');
    } finally {
      await pub.close();
    }
  });

  it('stores the scope picked from the mirror', async () => {
    await test.center.changes.apply([
      { type: 'orgUpserted', org: { id: 'root', name: 'Root', parentId: null } },
      { type: 'orgUpserted', org: { id: 'sales', name: 'Sales', parentId: 'root' } },
    ]);
    const parameters = await client.post('/new', { step: 'basics', ...BASICS, go: 'next' });
    expect(parameters.text).toContain('value="sales"');
    await client.post('/new', { step: 'parameters', ...BASICS, mode: 'pull', 'pull.scopeOrgIds': ['sales'], go: 'next' });
    const [source] = await test.center.sources.list();
    expect(source!.pull!.scopeOrgIds).toEqual(['sales']);
  });
});
