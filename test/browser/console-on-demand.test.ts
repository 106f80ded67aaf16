import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n/index.js';
import { CONSOLE_LANGUAGES, HAS_CHROMIUM, SCREENSHOTS, useChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { appliedRun } from '../support/push-helpers.js';

/**
 * Issue 11 item 3 in the browser, without JavaScript: a push source's "Provision on demand" tab,
 * a search by name, "Provision now", and the result page with each step.
 */
describe.skipIf(!HAS_CHROMIUM)('Provision on demand in Chromium', () => {
  const browser = useChromium();

  for (const [lang, browserLocale] of CONSOLE_LANGUAGES) {
    it(`finds a user, provisions it and shows the steps (${lang})`, { timeout: 60_000 }, async () => {
      const t = translator(lang);
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer({ token: 'downstream-secret-token' }).start();
      const context = await browser().newContext({ locale: browserLocale, viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-on-demand-${name}.png`), fullPage: true });
      try {
        const [org] = (await host.directory.listOrgs({ limit: 2 })).items.filter((candidate) => candidate.parentId);
        await host.center.changes.userUpserted({ id: 'u-wang', userName: 'wang.fang@example.com', displayName: '王芳', name: { givenName: '芳', familyName: '王' }, emails: [{ value: 'wang.fang@example.com', type: 'work', primary: true }], title: '工程师', orgIds: [org!.id] });
        const { source } = await host.center.sources.create({
          name: `CRM ${lang}`,
          mode: 'push',
          push: { auth: 'bearer', token: 'downstream-secret-token', userUrl: downstream.url('Users'), orgUrl: downstream.url('Organizations'), orgResource: 'organization' },
        });
        await host.center.sources.enable(source.id);
        await page.goto(`${host.consoleUrl}/sources/${source.id}`);
        await page.getByRole('link', { name: t('source.tab.onDemand'), exact: true }).click();
        await page.getByText(t('onDemand.start')).waitFor();

        await page.getByLabel(t('onDemand.search.label'), { exact: true }).fill('王芳');
        await page.getByRole('button', { name: t('onDemand.search.submit'), exact: true }).click();
        const row = page.locator('tr[data-candidate="u-wang"]');
        await row.waitFor();
        expect(await page.locator('tr[data-candidate]').count()).toBe(1);
        await expect.poll(() => row.innerText()).toContain(t('onDemand.notLinked'));
        await shot('01-search');

        await row.getByRole('button', { name: t('onDemand.provision'), exact: true }).click();
        await page.locator('[data-outcome="provisioned"]').waitFor();
        expect(page.url()).toMatch(/\/on-demand\/results\/[0-9a-f]+$/);
        const summary = await page.locator('[data-summary]').innerText();
        expect(summary).toContain('wang.fang@example.com');
        for (const name of ['scope', 'orgs', 'match', 'user', 'memberships']) {
          await expect.poll(() => page.locator(`[data-step="${name}"] h3`).innerText()).toContain(t(`onDemand.step.${name}` as never));
        }
        const userStep = page.locator('[data-step="user"]');
        expect(await userStep.locator('[data-request]').innerText()).toMatch(/POST \/scim\/v2\/Users\s+201/);
        expect(await page.locator('[data-step="orgs"] [data-object]').count()).toBe(2);
        expect(await page.locator('[data-step="match"] [data-note]').innerText()).toBe(t('engine.onDemand.match.none', { attribute: 'userName' }));
        expect(await page.locator('[data-step="memberships"] [data-note]').innerText()).toBe(t('engine.onDemand.members.notGroups'));
        await shot('02-result');
        expect(downstream.resources('Users')).toEqual([expect.objectContaining({ userName: 'wang.fang@example.com', displayName: '王芳' })]);

        // Changed in the directory, provisioned again: an update with its diff.
        await host.center.changes.userUpserted({ id: 'u-wang', userName: 'wang.fang@example.com', displayName: '王芳', name: { givenName: '芳', familyName: '王' }, emails: [{ value: 'wang.fang@example.com', type: 'work', primary: true }], title: '高级工程师', orgIds: [org!.id] });
        await page.getByRole('link', { name: t('onDemand.again'), exact: true }).click();
        await page.getByLabel(t('onDemand.search.label'), { exact: true }).fill('wang.fang');
        await page.getByRole('button', { name: t('onDemand.search.submit'), exact: true }).click();
        await page.locator('tr[data-candidate="u-wang"]').getByRole('button', { name: t('onDemand.provision'), exact: true }).click();
        await page.locator('[data-outcome="provisioned"]').waitFor();
        expect(await page.locator('[data-step="user"] [data-operation]').innerText()).toBe(t('onDemand.op.update'));
        expect(await page.locator('[data-step="user"] table.changes').innerText()).toContain('高级工程师');
        expect(await page.locator('[data-step="user"] [data-request]').innerText()).toMatch(/PATCH \/scim\/v2\/Users\/\S+\s+200/);
        await shot('03-update');

        // Out of the source's scope (another org's subtree): nothing is sent, and the page says why.
        const other = (await host.directory.listOrgs({ limit: 10 })).items.find((candidate) => candidate.parentId && candidate.id !== org!.id)!;
        const lastRun = Math.max(0, ...(await host.center.runs.list(source.id)).runs.map((run) => run.id));
        await host.center.sources.update(source.id, { push: { scope: { orgIds: [other.id] } } });
        // A saved scope change is applied by a run of its own (the user leaves by the policy): let it finish first.
        await appliedRun(host.center, source.id, lastRun);
        const writes = downstream.writes().length;
        await page.getByRole('link', { name: t('onDemand.again'), exact: true }).click();
        await page.getByLabel(t('onDemand.search.label'), { exact: true }).fill('王');
        await page.getByRole('button', { name: t('onDemand.search.submit'), exact: true }).click();
        const outRow = page.locator('tr[data-candidate="u-wang"]');
        await expect.poll(() => outRow.innerText()).toContain(t('onDemand.outOfScope'));
        await outRow.getByRole('button', { name: t('onDemand.provision'), exact: true }).click();
        await page.locator('[data-outcome="out_of_scope"]').waitFor();
        const remoteId = downstream.resources('Users')[0]!.id;
        expect(await page.locator('[data-step="scope"] [data-note]').innerText()).toBe(t('engine.onDemand.scope.outBySubtreeLinked', { remoteId, action: t('engine.onDemand.policy.disable') }));
        expect(downstream.writes()).toHaveLength(writes);
        await shot('04-out-of-scope');
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});
