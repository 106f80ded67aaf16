import { renderMessage } from '../../../lib/i18n/engine-message.js';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import { beforeEach, describe, expect, it } from 'vitest';
import { translator } from '../../../lib/i18n/index.js';
import { AddressNotAllowedError, classifyAddress } from '../../../lib/util/address-guard.js';
import { StopSyncError } from '../../../lib/push/client/errors.js';
import { addressRefusalMessage } from '../../../lib/push/client/connect-failure.js';
import { refusedUpFront } from '../../../lib/push/test-connection.js';
import { adminAgent } from '../../support/admin-agent.js';
import { FakeScimServer } from '../../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';
import { startWizard } from '../../support/wizard-driver.js';

/** The parameters form as a browser posts it, secrets left blank. */
function pushForm(userUrl: string, orgUrl = ''): Record<string, string> {
  return {
    'push.auth': 'bearer',
    'push.token': '',
    'push.tokenUrl': '',
    'push.clientId': '',
    'push.clientSecret': '',
    'push.userUrl': userUrl,
    'push.orgUrl': orgUrl,
    'push.orgResource': 'organization',
  };
}

/** Issue 14 items 4 and 10 on the console: the secret-origin rule and refused addresses, said in the admin's language, and audited with the admin. */
describe('console: stored secrets and refused addresses on the push form', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;
  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  it('says next to the stored secret that it only goes to the address it was saved for', async () => {
    const source = await createPushSource(test.center, server);
    for (const lang of ['en', 'zh-CN'] as const) {
      const page = await client.get(`/sources/${source.id}`).set('accept-language', lang);
      expect(page.text).toMatch(new RegExp(`id="f-push-token-hint">[^<]*${escape(translator(lang)('field.secret.sameOrigin'))}`));
    }
  });

  it('refuses Test connection and Save for a new origin with the secret blank, with a translated error at the token, sending nothing', async () => {
    const source = await createPushSource(test.center, server);
    const elsewhere = await new FakeScimServer().start();
    try {
      const origin = new URL(elsewhere.url('Users')).origin;
      for (const lang of ['en', 'zh-CN'] as const) {
        const expected = escape(translator(lang)('validation.secret_new_origin', { origin }));
        for (const action of ['test-connection', 'parameters']) {
          const res = await client.post(`/sources/${source.id}/${action}`, pushForm(elsewhere.url('Users')), lang);
          expect(res.status, `${action} ${lang}`).toBe(422);
          expect(res.text).toMatch(new RegExp(`id="f-push-token-error">${expected}<`));
        }
      }
      expect(elsewhere.requests).toHaveLength(0);
      expect((await test.center.sources.get(source.id)).push!.userUrl).toBe(server.url('Users'));
      const tests = (await test.center.audit.list({ sourceId: source.id })).filter((entry) => entry.action === 'push.test_connection');
      expect(tests).toHaveLength(2);
      expect(tests.every((entry) => entry.actor === 'alice' && (entry.detail as { outcome: string }).outcome === 'invalid')).toBe(true);
    } finally {
      await elsewhere.close();
    }
  });

  it('audits Test connection from the source page and from the wizard with the admin as actor', async () => {
    const source = await createPushSource(test.center, server);
    const page = await client.post(`/sources/${source.id}/test-connection`, pushForm(server.url('Users'), server.url('Organizations')), 'en');
    expect(page.text).toContain('All checks passed.');
    const wizard = await startWizard(client, { mode: 'push' });
    await wizard.post('parameters', { ...pushForm(server.url('Users')), 'push.token': server.options.token, go: 'test' }, 'en');
    const entries = (await test.center.audit.list()).filter((entry) => entry.action === 'push.test_connection');
    expect(entries.map(({ actor, sourceId, detail }) => ({ actor, sourceId, outcome: (detail as { outcome: string }).outcome }))).toEqual([
      { actor: 'alice', sourceId: null, outcome: 'passed' },
      { actor: 'alice', sourceId: source.id, outcome: 'passed' },
    ]);
  });

  it('shows a refused metadata address as a translated form error, in both languages', async () => {
    const source = await createPushSource(test.center, server);
    for (const lang of ['en', 'zh-CN'] as const) {
      const res = await client.post(`/sources/${source.id}/test-connection`, { ...pushForm('http://169.254.169.254/latest/Users'), 'push.token': 'entered' }, lang);
      expect(res.status).toBe(422);
      expect(res.text).toMatch(new RegExp(`id="f-push-userUrl-error">${escape(translator(lang)('validation.address_not_allowed', { address: '169.254.169.254' }))}<`));
    }
  });

  it('renders a refused address in a connection test as "address not allowed", translated, with the other checks not tried', async () => {
    // Only a name that resolves to a refused address reaches this on the console (literals are refused when entered), so the partial is rendered directly.
    const refusal = new AddressNotAllowedError('169.254.169.254', classifyAddress('169.254.169.254'));
    const connectionTest = refusedUpFront(new StopSyncError('config', addressRefusalMessage(refusal), {}, { cause: refusal }));
    for (const lang of ['en', 'zh-CN'] as const) {
      const t = translator(lang);
      const html = await ejs.renderFile(fileURLToPath(new URL('../../../views/partials/connection-test.ejs', import.meta.url)), {
        connectionTest,
        t,
        label: (prefix: string, value: string) => t(`${prefix}.${value}` as never),
        fmt: { duration: (ms: number) => `${ms} ms` },
        msg: (stored: string) => renderMessage(t, stored),
      });
      expect(html).toContain(escapeHtml(t('test.problem.address_not_allowed', { address: '169.254.169.254' })));
      expect(html.match(/class="test-step test-skipped"/g)).toHaveLength(4); // serviceProviderConfig, users, orgs, orgShape
      expect(html).toContain(`<p class="test-detail wrap">${escapeHtml(t('test.notTried'))}</p>`);
    }
  });
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

function escape(text: string): string {
  return escapeHtml(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
