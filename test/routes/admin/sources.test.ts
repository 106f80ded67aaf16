import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import { MOUNT, useTestCenter } from '../../support/test-center.js';

describe('console: list, source page, enable/disable, delete', () => {
  const test = useTestCenter();
  let client: ReturnType<typeof adminAgent>;
  const SECRET = 'push-token-never-shown';

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  const createPush = async (name = 'CRM') =>
    (await test.center.sources.create({ name, description: 'Customer app', mode: 'push', push: { userUrl: 'https://crm.example.com/Users', token: SECRET } })).source;

  describe('GET /', () => {
    it('invites creating the first source when there is none', async () => {
      const res = await client.get('/').set('accept-language', 'en');
      expect(res.text).toContain('No downstream sync yet');
      expect(res.text).toContain(`href="${MOUNT}/new"`);
    });

    it('lists sources with their status, quarantine reason and actions; Delete only for disabled ones', async () => {
      const push = await createPush();
      const { source: pull } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
      await test.center.sources.enable(pull.id);
      await test.knex('sync_sources').where({ id: push.id }).update({ quarantined_at: new Date().toISOString(), quarantine_reason: '401 from downstream' });
      const res = await client.get('/').set('accept-language', 'en');
      expect(res.text).toContain('Customer app');
      expect(res.text).toContain('Quarantined');
      expect(res.text).toContain('Reason: 401 from downstream');
      expect(res.text).toContain(`${MOUNT}/sources/${push.id}/delete`);
      expect(res.text).not.toContain(`${MOUNT}/sources/${pull.id}/delete`);
      expect(res.text).toContain(`action="${MOUNT}/sources/${pull.id}/disable"`);
      expect(res.text).toContain(`action="${MOUNT}/sources/${push.id}/enable"`);
    });
  });

  describe('enable, disable, resume', () => {
    it('enables and disables, audited with the actor', async () => {
      const source = await createPush();
      expect((await client.post(`/sources/${source.id}/enable`, {})).headers.location).toBe(`${MOUNT}/?done=enabled`);
      expect((await test.center.sources.get(source.id)).enabled).toBe(true);
      expect((await client.post(`/sources/${source.id}/disable`, { back: 'source' })).headers.location).toBe(`${MOUNT}/sources/${source.id}?done=disabled`);
      const actions = (await test.center.audit.list({ sourceId: source.id })).map((entry) => [entry.actor, entry.action]);
      expect(actions).toEqual([
        ['alice', 'source.disable'],
        ['alice', 'source.enable'],
        ['api', 'source.create'],
      ]);
    });

    it('ignores a back target that is not one of our pages', async () => {
      const source = await createPush();
      const res = await client.post(`/sources/${source.id}/enable`, { back: 'https://evil.example' });
      expect(res.headers.location).toBe(`${MOUNT}/?done=enabled`);
    });

    it('shows a quarantine with its reason and lifts it with Resume', async () => {
      const source = await createPush();
      await test.knex('sync_sources').where({ id: source.id }).update({ quarantined_at: new Date().toISOString(), quarantine_reason: 'keeps timing out' });
      const page = await client.get(`/sources/${source.id}`).set('accept-language', 'en');
      expect(page.text).toContain('keeps timing out');
      expect(page.text).toContain(`action="${MOUNT}/sources/${source.id}/resume"`);
      await client.post(`/sources/${source.id}/resume`, { back: 'source' });
      expect((await test.center.sources.get(source.id)).quarantine).toBeNull();
      expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'source.resume' });
    });
  });

  describe('delete', () => {
    it('refuses to delete an enabled source, whatever the page sends, and says why', async () => {
      const source = await createPush();
      await test.center.sources.enable(source.id);
      const res = await client.post(`/sources/${source.id}/delete`, {}).then((r) => r);
      expect(res.status).toBe(409);
      expect(await test.center.sources.find(source.id)).toBeDefined();
      const en = adminAgent(test.app, 'bob');
      const token = await en.csrf();
      const page = await en.agent.post(`${MOUNT}/sources/${source.id}/delete`).set('x-test-admin', 'bob').set('accept-language', 'en').type('form').send(`_csrf=${token}`);
      expect(page.text).toContain('This source is enabled. Disable it before deleting it.');
    });

    it('deletes a disabled source, with a confirmation page naming it for browsers without JavaScript', async () => {
      const source = await createPush();
      const confirm = await client.get(`/sources/${source.id}/delete`).set('accept-language', 'en');
      expect(confirm.text).toContain('Delete &#34;CRM&#34;?');
      const res = await client.post(`/sources/${source.id}/delete`, {});
      expect(res.headers.location).toBe(`${MOUNT}/?done=deleted`);
      expect(await test.center.sources.find(source.id)).toBeUndefined();
      expect((await test.center.audit.list())[0]).toMatchObject({ actor: 'alice', action: 'source.delete' });
    });
  });

  describe('source page', () => {
    it('never renders a push secret, only that one is stored', async () => {
      const source = await createPush();
      const res = await client.get(`/sources/${source.id}`).set('accept-language', 'en');
      expect(res.text).not.toContain(SECRET);
      expect(res.text).toContain('Stored and hidden. Leave blank to keep it.');
      expect(res.text).toMatch(/name="push.token" type="password" value=""/);
    });

    it('keeps a stored secret when the field is left blank, and replaces it when filled', async () => {
      const source = await createPush();
      const form = { 'push.auth': 'bearer', 'push.userUrl': 'https://crm.example.com/v2/Users', 'push.orgUrl': '', 'push.orgResource': 'group', 'push.clientId': '', 'push.tokenUrl': '', 'push.token': '' };
      expect((await client.post(`/sources/${source.id}/parameters`, form)).status).toBe(303);
      expect(await test.center.sources.pushSecrets(source.id)).toEqual({ token: SECRET });
      expect((await test.center.sources.get(source.id)).push).toMatchObject({ userUrl: 'https://crm.example.com/v2/Users', orgResource: 'group' });
      await client.post(`/sources/${source.id}/parameters`, { ...form, 'push.token': 'replaced' });
      expect(await test.center.sources.pushSecrets(source.id)).toEqual({ token: 'replaced' });
    });

    it('re-renders parameters with inline errors, kept values and no secret', async () => {
      const source = await createPush();
      const res = await client.post(`/sources/${source.id}/parameters`, {
        'push.auth': 'oauth2', 'push.userUrl': 'https://user:pw@crm.example.com/Users', 'push.orgUrl': '', 'push.orgResource': 'organization', 'push.clientId': 'my-client', 'push.tokenUrl': '', 'push.clientSecret': 'typed-secret',
      });
      expect(res.status).toBe(422);
      expect(res.text).toMatch(/id="f-push-userUrl-error"/);
      expect(res.text).toMatch(/id="f-push-tokenUrl-error"/);
      expect(res.text).toContain('value="my-client"');
      expect(res.text).not.toContain('typed-secret');
      expect(res.text).not.toContain(SECRET);
    });

    it('edits name and description (the dialog and its no-JavaScript page), with inline errors', async () => {
      const source = await createPush();
      const edit = await client.get(`/sources/${source.id}/edit`);
      expect(edit.text).toContain('value="CRM"');
      const bad = await client.post(`/sources/${source.id}/basics`, { name: '', description: 'New words' });
      expect(bad.status).toBe(422);
      expect(bad.text).toMatch(/id="f-name-error"/);
      expect(bad.text).toContain('New words');
      const ok = await client.post(`/sources/${source.id}/basics`, { name: 'CRM 2', description: 'New words' });
      expect(ok.headers.location).toBe(`${MOUNT}/sources/${source.id}?done=saved`);
      expect(await test.center.sources.get(source.id)).toMatchObject({ name: 'CRM 2', description: 'New words' });
    });

    it('regenerates pull credentials and shows them once', async () => {
      const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull' });
      const res = await client.post(`/sources/${source.id}/credentials`, {});
      expect(res.headers.location).toBe(`${MOUNT}/sources/${source.id}#credentials`);
      const page = await client.get(`/sources/${source.id}`);
      const token = /id="cred-token" type="text" value="([^"]+)"/.exec(page.text)?.[1];
      expect(token).toMatch(/^ssc_token_/);
      const again = await client.get(`/sources/${source.id}`);
      expect(again.text).not.toContain(token!);
      expect((await test.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'alice', action: 'source.regenerate_credentials' });
    });

    it('saves a pull scope, and an empty one', async () => {
      const { source } = await test.center.sources.create({ name: 'Wiki', mode: 'pull', pull: { scopeOrgIds: ['a'] } });
      await client.post(`/sources/${source.id}/parameters`, { 'pull.scope': '1' });
      expect((await test.center.sources.get(source.id)).pull!.scopeOrgIds).toEqual([]);
    });
  });
});
