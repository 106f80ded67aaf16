import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { adminAgent } from '../../support/admin-agent.js';
import type { FakeScimServer } from '../../support/fake-scim-server.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../../support/push-helpers.js';
import { useTestCenter } from '../../support/test-center.js';
import { startWizard } from '../../support/wizard-driver.js';

/** The parameters form as a browser posts it, matching included. */
function pushForm(server: FakeScimServer, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'push.auth': 'bearer',
    'push.token': '',
    'push.userUrl': server.url('Users'),
    'push.orgUrl': server.url('Organizations'),
    'push.orgResource': 'organization',
    'push.matching.users': 'userName',
    'push.matching.orgs': 'externalIdThenName',
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

/** The selected option of a select, by the select's id. */
function selected(html: string, id: string): string | undefined {
  const select = new RegExp(`<select id="${id}"[\\s\\S]*?</select>`).exec(html)?.[0] ?? '';
  return /<option value="([^"]*)" selected>/.exec(select)?.[1];
}

describe('matching settings of a push source (issue 10 item 2)', () => {
  const server = useFakeDownstream();
  const test = useTestCenter({ push: FAST_PUSH });
  let client: ReturnType<typeof adminAgent>;
  beforeEach(() => {
    client = adminAgent(test.app, 'alice');
  });

  it('shows the defaults on the parameters, in both languages', async () => {
    const source = await createPushSource(test.center, server);
    expect(source.push?.matching).toEqual({ users: 'userName', orgs: 'externalIdThenName' });
    const en = await client.get(`/sources/${source.id}`).set('accept-language', 'en');
    expect(en.text).toContain('Matching before creating');
    expect(selected(en.text, 'f-push-matching-users')).toBe('userName');
    expect(selected(en.text, 'f-push-matching-orgs')).toBe('externalIdThenName');
    expect(en.text).toContain('<option value="email" >Work e-mail</option>');
    const zh = await client.get(`/sources/${source.id}`).set('accept-language', 'zh-CN');
    expect(zh.text).toContain('创建前匹配');
    expect(zh.text).toContain('先按 externalId，再按同一上级下的名称');
  });

  it('saves a change from the form, audits it, and shows it', async () => {
    const source = await createPushSource(test.center, server);
    const res = await client.post(`/sources/${source.id}/parameters`, pushForm(server, { 'push.matching.users': 'email', 'push.matching.orgs': 'externalId' }));
    expect(res.status).toBe(303);
    expect((await test.center.sources.get(source.id)).push?.matching).toEqual({ users: 'email', orgs: 'externalId' });
    const [audit] = await test.center.audit.list({ sourceId: source.id });
    expect(audit).toMatchObject({ actor: 'alice', action: 'source.update', detail: { changed: ['push'] } });
    const page = await client.get(`/sources/${source.id}`);
    expect(selected(page.text, 'f-push-matching-users')).toBe('email');
    expect(selected(page.text, 'f-push-matching-orgs')).toBe('externalId');
  });

  it('re-renders a bad choice inline with what was entered, and saves nothing', async () => {
    const source = await createPushSource(test.center, server);
    const page = await client.post(`/sources/${source.id}/parameters`, pushForm(server, { 'push.matching.users': 'phone', 'push.rateLimit': '7' }), 'en');
    expect(page.status).toBe(422);
    expect(page.text).toMatch(/<select id="f-push-matching-users"[\s\S]*?<\/select>\s*<p class="error">Choose one of the options.<\/p>/);
    expect(page.text).toContain('value="7"');
    expect((await test.center.sources.get(source.id)).push).toMatchObject({ matching: { users: 'userName' }, rateLimit: null });
  });

  it('creates a source with the matching chosen in the wizard', async () => {
    const wizard = await startWizard(client, { mode: 'push' });
    expect((await wizard.post('parameters', { go: 'next', ...pushForm(server, { 'push.token': 't', 'push.matching.users': 'externalId' }) })).status).toBe(303);
    const [source] = await test.center.sources.list();
    expect(source!.push?.matching).toEqual({ users: 'externalId', orgs: 'externalIdThenName' });
  });

  it('merges per kind through the API and names the field of a bad value', async () => {
    const source = await createPushSource(test.center, server, { matching: { users: 'email', orgs: 'externalIdThenName' } });
    await test.center.sources.update(source.id, { push: { matching: { orgs: 'externalId' } as never } });
    expect((await test.center.sources.get(source.id)).push?.matching).toEqual({ users: 'email', orgs: 'externalId' });
    const refused = await test.center.sources.update(source.id, { push: { matching: { users: 'nickName' } as never } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([expect.objectContaining({ field: 'push.matching.users', code: 'invalid_choice' })]);
  });
});
