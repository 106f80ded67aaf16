import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n/index.js';
import { CONSOLE_LANGUAGES, HAS_CHROMIUM, SCREENSHOTS, useChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';

/** Issue 11 deliverable 1 in the browser: the scope page, an inline filter error, its preview, and saving it. */
describe.skipIf(!HAS_CHROMIUM)('push scope page in Chromium', () => {
  const browser = useChromium();

  for (const [lang, browserLocale] of CONSOLE_LANGUAGES) {
    it(`walks the scope form: a bad filter, a preview, then saving (${lang})`, { timeout: 60_000 }, async () => {
      const t = translator(lang);
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer({ token: 'downstream-secret-token' }).start();
      const context = await browser().newContext({ locale: browserLocale, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-scope-${name}.png`), fullPage: true });
      try {
        const { source } = await host.center.sources.create({
          name: `Slack ${lang}`,
          mode: 'push',
          push: { auth: 'bearer', token: 'downstream-secret-token', userUrl: downstream.url('Users'), orgUrl: downstream.url('Organizations'), orgResource: 'organization' },
        });
        await host.center.sources.enable(source.id);
        await host.center.runs.settled((await host.center.runs.start(source.id)).id);
        const linkedUsers = downstream.resources('Users').length;

        await page.goto(`${host.consoleUrl}/sources/${source.id}`);
        await page.locator('[data-scope-card]').getByText(t('scope.card.everyone'), { exact: true }).waitFor();
        await page.getByRole('link', { name: t('scope.card.edit') }).click();
        await page.getByRole('heading', { name: t('scope.title'), level: 1 }).waitFor();

        // The last org of the picker (a leaf: others leave); a filter the SCIM server refuses.
        const firstOrg = page.locator('input[name="push.scope.orgIds"]').last();
        await firstOrg.check();
        const orgId = await firstOrg.getAttribute('value');
        await page.getByLabel(t('scope.filter.label')).fill('title co');
        await page.getByRole('button', { name: t('action.save'), exact: true }).click();
        await page.locator('#f-push-scope-userFilter-error').waitFor();
        expect(await page.locator('#f-push-scope-userFilter-error').textContent()).toContain(t('validation.invalid_filter', { detail: '' }).trim().replace(/[:：]$/, ''));
        expect(await page.getByLabel(t('scope.filter.label')).inputValue()).toBe('title co');
        expect(await firstOrg.isChecked()).toBe(true);
        await shot('01-invalid-filter');

        await page.getByLabel(t('scope.filter.label')).fill('active eq true');
        await page.getByRole('button', { name: t('scope.preview.button'), exact: true }).click();
        await page.getByRole('heading', { name: t('scope.preview.title') }).waitFor();
        const preview = await host.center.push.previewScope(source.id, { orgIds: [orgId!], userFilter: 'active eq true' });
        await page.getByText(t('scope.preview.leave', { count: preview.users.leave.count })).first().waitFor();
        expect(preview.users.leave.count).toBeGreaterThan(0);
        expect(preview.users.leave.count).toBeLessThanOrEqual(linkedUsers);
        expect((await host.center.sources.get(source.id)).push!.scope).toBeUndefined();
        await shot('02-preview');

        await page.getByRole('button', { name: t('action.save'), exact: true }).click();
        await page.getByText(t('notice.saved')).waitFor();
        expect((await host.center.sources.get(source.id)).push!.scope).toEqual({ orgIds: [orgId], userFilter: 'active eq true', orgs: 'subtrees' });
        await page.locator('[data-scope-card]').getByText(t('scope.card.filter', { filter: 'active eq true' })).waitFor();
        await page.locator('[data-scope-card]').screenshot({ path: path.join(SCREENSHOTS, `${lang}-scope-03-card.png`) });
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});
