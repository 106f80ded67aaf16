import { describe, expect, it, vi } from 'vitest';
import { renderMessage } from '../../lib/i18n/engine-message.js';
import { translator } from '../../lib/i18n/index.js';
import { checkOrgShape, type ResourceTypeInfo } from '../../lib/push/client/downstream-shape.js';
import { URN } from '../../lib/scim/urns.js';
import { startWizard } from '../support/wizard-driver.js';
import { adminAgent } from '../support/admin-agent.js';
import { buildOrg, buildUser } from '../support/factories.js';
import { createPushSource, FAST_PUSH, useFakeDownstream } from '../support/push-helpers.js';
import { useTestCenter } from '../support/test-center.js';

const en = translator('en');
const BASE = 'https://app.example/scim/v2';
const type = (endpoint: string, schema: string, name = endpoint.slice(1, -1)): ResourceTypeInfo => ({ name, endpoint, schema, extensions: [] });
const USERS = type('/Users', URN.user);
const GROUPS = type('/Groups', URN.group);
const ORGS = type('/Organizations', URN.organization, 'Organization');

describe('checkOrgShape', () => {
  it('fits when the Org URL holds the schema "Send orgs as" sends', () => {
    expect(checkOrgShape({ resourceTypes: [USERS, GROUPS, ORGS], schemas: undefined }, { orgUrl: `${BASE}/Organizations`, orgResource: 'organization' }).kind).toBe('fits');
    expect(checkOrgShape({ resourceTypes: [USERS, GROUPS], schemas: undefined }, { orgUrl: `${BASE}/Groups`, orgResource: 'group' }).kind).toBe('fits');
  });

  it('proposes SCIM Groups when the downstream has no Organization resource type', () => {
    for (const orgUrl of [`${BASE}/Groups`, `${BASE}/Organizations`]) {
      const verdict = checkOrgShape({ resourceTypes: [USERS, GROUPS], schemas: undefined }, { orgUrl, orgResource: 'organization' });
      expect(verdict).toMatchObject({ kind: 'mismatch', message: { key: 'engine.shape.noOrganizationType' }, proposal: { orgResource: 'group', orgUrl: `${BASE}/Groups` } });
    }
  });

  it('with /Schemas only, still tells a Groups-only downstream', () => {
    const verdict = checkOrgShape({ resourceTypes: undefined, schemas: [URN.user, URN.group] }, { orgUrl: `${BASE}/Orgs`, orgResource: 'compat' });
    expect(verdict).toMatchObject({ kind: 'mismatch', proposal: { orgResource: 'group', orgUrl: `${BASE}/Groups` } });
  });

  it('points at the organizations when the Org URL names the Groups of a downstream that has both', () => {
    const verdict = checkOrgShape({ resourceTypes: [USERS, GROUPS, ORGS], schemas: undefined }, { orgUrl: `${BASE}/Groups`, orgResource: 'organization' });
    expect(verdict).toMatchObject({ kind: 'mismatch', message: { key: 'engine.shape.holdsGroups' }, proposal: { orgResource: 'organization', orgUrl: `${BASE}/Organizations` } });
  });

  it('proposes the matching shape when groups are sent to an Organization endpoint', () => {
    const verdict = checkOrgShape({ resourceTypes: [USERS, GROUPS, ORGS], schemas: undefined }, { orgUrl: `${BASE}/Organizations`, orgResource: 'group' });
    expect(verdict).toMatchObject({ kind: 'mismatch', message: { key: 'engine.shape.notGroups' }, proposal: { orgResource: 'organization', orgUrl: `${BASE}/Organizations` } });
  });

  it('proposes the shape whose schema the Org URL holds when it is another of ours', () => {
    const verdict = checkOrgShape({ resourceTypes: [USERS, type('/Departments', URN.compatDepartment, 'Department')], schemas: undefined }, { orgUrl: `${BASE}/Departments`, orgResource: 'organization' });
    expect(verdict).toMatchObject({ kind: 'mismatch', message: { key: 'engine.shape.otherShape' }, proposal: { orgResource: 'compat', orgUrl: `${BASE}/Departments` } });
  });

  it('accepts a downstream organization type of its own schema, and knows nothing when nothing is published', () => {
    expect(checkOrgShape({ resourceTypes: [USERS, type('/Departments', 'urn:vendor:Department', 'Department')], schemas: undefined }, { orgUrl: `${BASE}/Departments`, orgResource: 'compat' }).kind).toBe('fits');
    expect(checkOrgShape({ resourceTypes: undefined, schemas: undefined }, { orgUrl: `${BASE}/Organizations`, orgResource: 'organization' }).kind).toBe('unknown');
  });
});

describe('a Groups-only downstream (fake, publishing /ResourceTypes and /Schemas)', () => {
  const server = useFakeDownstream({ endpoints: ['Users', 'Groups'], resourceTypes: true });
  const t = useTestCenter({ push: FAST_PUSH });

  it('fails Test connection with the default org shape: a configuration error with the fix and a proposal', async () => {
    const result = await t.center.push.testConnection({ auth: 'bearer', token: server.options.token, userUrl: server.url('Users'), orgUrl: server.url('Groups') });
    expect(result.ok).toBe(false);
    const step = result.steps.find((entry) => entry.name === 'orgShape')!;
    expect(step).toMatchObject({ ok: false, method: 'GET', path: '/scim/v2/ResourceTypes', status: 200, proposal: { orgResource: 'group', orgUrl: server.url('Groups') } });
    expect(renderMessage(en, step.detail)).toBe(
      `Configuration error: the downstream has no Organization resource type, so orgs cannot be sent as organizations. Fix: set “Send orgs as” to SCIM Groups and the Org URL to ${server.url('Groups')}`,
    );
    expect(result.steps.filter((entry) => !entry.ok).map((entry) => entry.name)).toEqual(['orgShape']);
    expect(server.writes()).toHaveLength(0);

    const fixed = await t.center.push.testConnection({ auth: 'bearer', token: server.options.token, userUrl: server.url('Users'), orgUrl: server.url('Groups'), orgResource: 'group' });
    expect(fixed.ok).toBe(true);
    const fits = fixed.steps.find((entry) => entry.name === 'orgShape')!;
    expect(fits.ok && !fits.skipped).toBe(true);
    expect(renderMessage(en, fits.detail)).toBe('The Org URL /scim/v2/Groups holds Group resources, as “Send orgs as” expects');
  });

  it('stops a run with the default org shape before it sends anything, with the configuration error', async () => {
    await t.center.changes.apply([{ type: 'orgUpserted', org: buildOrg({ id: 'root', name: 'Root' }) }, ...Array.from({ length: 3 }, (_, index) => ({ type: 'orgUpserted' as const, org: buildOrg({ id: `o${index}`, parentId: 'root' }) })), { type: 'userUpserted', user: buildUser({ orgIds: ['o1'] }) }]);
    const source = await createPushSource(t.center, server, { orgUrl: server.url('Groups') });
    const run = (await t.center.runs.settled((await t.center.runs.start(source.id)).id))!;
    expect(run).toMatchObject({ status: 'failed', created: 0, failed: 0 });
    expect(renderMessage(en, run.error)).toContain('Configuration error: the downstream has no Organization resource type');
    expect((await t.center.runs.items(run.id, { limit: 10 })).total).toBe(0);
    expect(server.writes()).toHaveLength(0);
    // The run page says it in the reader's language, not as a stored code.
    const page = await adminAgent(t.app).get(`/sources/${source.id}/runs/${run.id}`).set('accept-language', 'zh-CN');
    expect(page.text).toContain('配置错误：下游没有 Organization 资源类型');
    expect(page.text).not.toContain('$msg');

    await t.center.sources.update(source.id, { push: { orgResource: 'group' } });
    const fixed = (await t.center.runs.settled((await t.center.runs.start(source.id)).id))!;
    expect(fixed).toMatchObject({ status: 'succeeded', failed: 0, created: 5 });
  });

  it('quarantines incremental delivery with the configuration error instead of failing org after org, and delivers once fixed', async () => {
    const source = await createPushSource(t.center, server, { orgUrl: server.url('Groups') });
    await t.center.start();
    await t.center.changes.apply([{ type: 'orgUpserted', org: buildOrg({ id: 'root', name: 'Root' }) }, { type: 'userUpserted', user: buildUser({ orgIds: ['root'] }) }]);
    const quarantined = await vi.waitFor(
      async () => {
        const current = await t.center.sources.get(source.id);
        expect(current.status).toBe('quarantined');
        return current;
      },
      { timeout: 10_000 },
    );
    expect(renderMessage(en, quarantined.quarantine!.reason)).toContain('the downstream has no Organization resource type');
    expect(server.writes()).toHaveLength(0);
    await t.center.sources.update(source.id, { push: { orgResource: 'group' } });
    await t.center.sources.resume(source.id);
    await t.center.push.drained(source.id);
    expect(server.resources('Groups')).toHaveLength(1);
    expect(server.resources('Groups')[0]!.members).toHaveLength(1);
  });

  it('the wizard shows the error and applies the proposed shape in one click', async () => {
    const client = adminAgent(t.app);
    const wizard = await startWizard(client, { mode: 'push' });
    const form = {
      'push.auth': 'bearer', 'push.token': server.options.token, 'push.tokenUrl': '', 'push.clientId': '', 'push.clientSecret': '',
      'push.userUrl': server.url('Users'), 'push.orgUrl': server.url('Groups'), 'push.orgResource': 'organization', go: 'test',
    };
    const tested = await wizard.follow(await wizard.post('parameters', form, 'en'), 'en');
    expect(tested.text).toMatch(/class="test-step test-fail" data-step="orgShape"/);
    expect(tested.text).toContain('the downstream has no Organization resource type');
    expect(tested.text).toContain('name="shape.orgResource" value="group"');

    // The token stays in the draft: the form leaves it blank, as a browser does.
    const applied = await wizard.follow(await wizard.post('parameters', { ...form, 'push.token': '', 'shape.orgResource': 'group', 'shape.orgUrl': server.url('Groups'), go: 'useShape' }, 'en'), 'en');
    expect(applied.status).toBe(200);
    expect(applied.text).toMatch(/name="push.orgResource" value="group" checked/);
    expect(applied.text).toMatch(/class="test-step test-ok" data-step="orgShape"/);
    expect(applied.text).toContain('All checks passed.');
    expect(await t.center.sources.list()).toHaveLength(0);
  });
});
