import { beforeEach, describe, expect, it } from 'vitest';
import { adminAgent } from '../../support/admin-agent.js';
import type { FakeScimServer } from '../../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { ADMIN_HEADER, MOUNT, useTestCenter } from '../../support/test-center.js';
import { startWizard } from '../../support/wizard-driver.js';

/** Everything the parameters form of a push source posts, as a browser would. */
function pushForm(server: FakeScimServer, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'push.auth': 'bearer',
    'push.token': '',
    'push.tokenUrl': '',
    'push.clientId': '',
    'push.clientSecret': '',
    'push.userUrl': server.url('Users'),
    'push.orgUrl': server.url('Organizations'),
    'push.orgResource': 'organization',
    'push.deprovision.users': 'disable',
    'push.deprovision.orgs': 'delete',
    'push.deletionThreshold.count': '100',
    'push.deletionThreshold.percent': '',
    'push.concurrency': '',
    'push.rateLimit': '',
    'push.schedule': '0 3 * * *',
    ...overrides,
  };
}

/** The value attribute of the input with this id. */
function valueOf(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? new RegExp(`value="([^"]*)"[^>]*id="${id}"`).exec(html)?.[1];
}

describe('console: push source parameters (policy and test connection)', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;

  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  describe('POST /sources/:id/parameters', () => {
    it('shows the stored policy and saves deprovisioning, threshold, concurrency, rate limit and schedule', async () => {
      const source = await createPushSource(test.center, server);
      const page = await client.get(`/sources/${source.id}`).set('accept-language', 'en');
      expect(page.text).toContain('Sync policy');
      expect(valueOf(page.text, 'f-push-deletionThreshold-count')).toBe('100');
      expect(valueOf(page.text, 'f-push-schedule')).toBe('0 3 * * *');
      expect(page.text).toMatch(/<option value="disable" selected>/);

      const res = await client.post(
        `/sources/${source.id}/parameters`,
        pushForm(server, {
          'push.deprovision.users': 'delete',
          'push.deprovision.orgs': 'leave',
          'push.deletionThreshold.count': '',
          'push.deletionThreshold.percent': '12.5',
          'push.concurrency': '8',
          'push.rateLimit': '2.5',
          'push.schedule': '*/15 * * * *',
        }),
      );
      expect(res.status).toBe(303);
      expect((await test.center.sources.get(source.id)).push).toMatchObject({
        deprovision: { users: 'delete', orgs: 'leave' },
        deletionThreshold: { percent: 12.5 },
        concurrency: 8,
        rateLimit: 2.5,
        schedule: '*/15 * * * *',
        hasToken: true,
      });

      // Blank means none: no threshold, no rate cap, no periodic sync, the center's concurrency.
      await client.post(`/sources/${source.id}/parameters`, pushForm(server, { 'push.deletionThreshold.count': '', 'push.schedule': ' ', 'push.concurrency': '' }));
      const cleared = (await test.center.sources.get(source.id)).push!;
      expect(cleared).toMatchObject({ deletionThreshold: null, rateLimit: null, schedule: null });
      expect(cleared.concurrency).toBeUndefined();
    });

    it('shows a bad cron expression and a bad number inline, keeps what was entered, never echoes the secret, saves nothing', async () => {
      const source = await createPushSource(test.center, server);
      const page = await client.post(`/sources/${source.id}/parameters`, pushForm(server, { 'push.token': 'new-secret-never-echoed', 'push.schedule': 'every night', 'push.concurrency': '99', 'push.rateLimit': '3' }), 'en');
      expect(page.status).toBe(422);
      expect(page.text).toMatch(/id="f-push-schedule-error">Enter a cron expression such as &#34;0 3 \* \* \*&#34;, or leave it blank\.</);
      expect(page.text).toContain('id="f-push-concurrency-error">Enter a whole number from 1 to 64.<');
      expect(valueOf(page.text, 'f-push-schedule')).toBe('every night');
      expect(valueOf(page.text, 'f-push-concurrency')).toBe('99');
      expect(valueOf(page.text, 'f-push-rateLimit')).toBe('3');
      expect(page.text).not.toContain('new-secret-never-echoed');
      expect((await test.center.sources.get(source.id)).push).toMatchObject({ schedule: '0 3 * * *', rateLimit: null });
      expect(await test.center.sources.pushSecrets(source.id)).toEqual({ token: server.options.token });
    });

    it('keeps the stored policy when a form without the policy fields is posted', async () => {
      const source = await createPushSource(test.center, server, { deletionThreshold: { count: 7 }, schedule: '0 4 * * *' });
      const form = pushForm(server);
      for (const key of Object.keys(form)) if (!['push.auth', 'push.userUrl', 'push.orgUrl', 'push.orgResource'].includes(key)) delete form[key];
      expect((await client.post(`/sources/${source.id}/parameters`, form)).status).toBe(303);
      expect((await test.center.sources.get(source.id)).push).toMatchObject({ deletionThreshold: { count: 7 }, schedule: '0 4 * * *' });
    });
  });

  describe('POST /sources/:id/test-connection', () => {
    it('passes every step against a working downstream and writes nothing', async () => {
      const source = await createPushSource(test.center, server);
      const res = await client.post(`/sources/${source.id}/test-connection`, pushForm(server));
      expect(res.status).toBe(200);
      for (const step of ['auth', 'serviceProviderConfig', 'users', 'orgs']) expect(res.text).toMatch(new RegExp(`class="test-step test-ok" data-step="${step}"`));
      expect(server.writes()).toHaveLength(0);
    });

    it('tests the settings as entered, not saved, with the stored secret, and keeps the form as entered', async () => {
      // Saved with another path on the same origin: the stored token may be used there (issue 14: only there).
      const savedUrl = server.url('Users').replace('/scim/v2/', '/old/scim/v2/');
      const { source } = await test.center.sources.create({ name: 'CRM', mode: 'push', push: { token: server.options.token, userUrl: savedUrl } });
      const page = await client.post(`/sources/${source.id}/test-connection`, pushForm(server, { 'push.concurrency': '3' }), 'en');
      expect(page.text).toContain('All checks passed. Nothing was written to the downstream app.');
      expect(valueOf(page.text, 'f-push-userUrl')).toBe(server.url('Users'));
      expect(valueOf(page.text, 'f-push-concurrency')).toBe('3');
      expect((await test.center.sources.get(source.id)).push!.userUrl).toBe(savedUrl);
    });

    it('says which step fails and why: a 401 fails authentication', async () => {
      const source = await createPushSource(test.center, server);
      server.options.token = 'rotated-on-the-downstream';
      const page = await client.post(`/sources/${source.id}/test-connection`, pushForm(server), 'en');
      expect(page.text).toContain('Some checks failed.');
      expect(page.text).toMatch(/class="test-step test-fail" data-step="auth"/);
      expect(page.text).toContain('HTTP 401');
      expect(page.text).not.toContain('downstream-token');
    });

    it('fails only the Org URL step when the Org URL is wrong, and shows a bad URL inline instead of testing', async () => {
      const source = await createPushSource(test.center, server);
      const wrongOrg = await client.post(`/sources/${source.id}/test-connection`, pushForm(server, { 'push.orgUrl': server.url('Nope') }));
      expect(wrongOrg.text).toMatch(/class="test-step test-ok" data-step="users"/);
      expect(wrongOrg.text).toMatch(/class="test-step test-fail" data-step="orgs"/);
      const badUrl = await client.post(`/sources/${source.id}/test-connection`, pushForm(server, { 'push.userUrl': 'not a url' }));
      expect(badUrl.status).toBe(422);
      expect(badUrl.text).toContain('id="f-push-userUrl-error"');
      expect(badUrl.text).not.toContain('id="connection-test"');
    });

    it('refuses a post without the CSRF token', async () => {
      const source = await createPushSource(test.center, server);
      await client.csrf(); // the CSRF cookie is there; the form's token is not
      const res = await client.agent.post(`${MOUNT}/sources/${source.id}/test-connection`).set(ADMIN_HEADER, 'alice').type('form').send(new URLSearchParams(pushForm(server)).toString());
      expect(res.status).toBe(403);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('wizard parameters step', () => {
    it('starts from the default policy', async () => {
      const wizard = await startWizard(client, { mode: 'push' });
      const res = await wizard.get('parameters');
      expect(valueOf(res.text, 'f-push-deletionThreshold-count')).toBe('100');
      expect(valueOf(res.text, 'f-push-schedule')).toBe('0 3 * * *');
    });

    it('tests the connection with the entered settings, keeps the secret in the draft, then creates the source with the policy', async () => {
      const wizard = await startWizard(client, { mode: 'push' });
      const form = { ...pushForm(server, { 'push.token': server.options.token, 'push.deprovision.users': 'leave', 'push.rateLimit': '20' }), go: 'test' };
      const posted = await wizard.post('parameters', form, 'en');
      expect(posted.status).toBe(303);
      expect(posted.headers.location).toBe(`${MOUNT}${wizard.path('parameters')}#connection-test`);
      const tested = await wizard.follow(posted, 'en');
      expect(tested.status).toBe(200);
      expect(tested.text).toContain('All checks passed.');
      expect(tested.text).not.toContain(server.options.token);
      expect(valueOf(tested.text, 'f-push-rateLimit')).toBe('20');
      expect((await test.center.sources.list())).toHaveLength(0);

      const created = await wizard.post('parameters', { ...pushForm(server, { 'push.deprovision.users': 'leave', 'push.rateLimit': '20' }), go: 'next' });
      expect(created.status).toBe(303);
      const [source] = await test.center.sources.list();
      expect(source!.push).toMatchObject({ deprovision: { users: 'leave', orgs: 'delete' }, rateLimit: 20, deletionThreshold: { count: 100 }, hasToken: true });
    });

    it('shows a failing step, and an invalid cron inline when finishing', async () => {
      const wizard = await startWizard(client, { mode: 'push' });
      const failed = await wizard.follow(await wizard.post('parameters', { ...pushForm(server, { 'push.token': 'wrong-token-value' }), go: 'test' }));
      expect(failed.text).toMatch(/class="test-step test-fail" data-step="auth"/);
      expect(failed.text).not.toContain('wrong-token-value');
      const res = await wizard.follow(await wizard.post('parameters', { ...pushForm(server, { 'push.token': 't', 'push.schedule': '61 * * * *' }), go: 'next' }), 'zh-CN');
      expect(res.text).toContain('id="f-push-schedule-error">请输入 cron 表达式');
      expect(valueOf(res.text, 'f-push-schedule')).toBe('61 * * * *');
      expect(await test.center.sources.list()).toHaveLength(0);
    });
  });
});
