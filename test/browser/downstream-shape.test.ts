import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';

/** Looked at after a run; outside the repository. */
const SHOTS = '/tmp/shape-screens';

describe.skipIf(!HAS_CHROMIUM)('org shape and membership failures in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const [lang, browserLocale] of [
    ['en', 'en-US'],
    ['zh-CN', 'zh-CN'],
  ] as Array<[Locale, string]>) {
    it(`proposes SCIM Groups for a Groups-only downstream, and shows a run whose memberships failed (${lang})`, { timeout: 120_000 }, async () => {
      const t = translator(lang);
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer({ token: 'groups-only-token', endpoints: ['Users', 'Groups'], resourceTypes: true }).start();
      const context = await browser.newContext({ locale: browserLocale, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${lang}-${name}.png`, fullPage: true });
      const button = (name: string) => page.getByRole('button', { name, exact: true });
      try {
        await page.goto(`${host.consoleUrl}/new`);
        await button(t('wizard.next')).click();
        await page.getByLabel(t('field.name')).fill(`Groups app ${lang}`);
        await button(t('wizard.nextParameters')).click();
        await page.getByRole('radio', { name: new RegExp(t('mode.push')) }).check();
        await button(t('wizard.mode.next')).click();
        const push = page.locator('section[data-mode=push]');
        // Required fields carry a mark after their label: found by id.
        await push.locator('#f-push-token').fill('groups-only-token');
        await push.getByLabel(t('field.userUrl')).fill(downstream.url('Users'));
        await push.getByLabel(t('field.orgUrl')).fill(downstream.url('Groups'));
        await button(t('test.button')).click();
        const shapeStep = page.locator('.test-step[data-step=orgShape].test-fail');
        await shapeStep.waitFor();
        expect(await shapeStep.textContent()).toContain(downstream.url('Groups'));
        await shot('01-wizard-shape-mismatch');

        await button(t('shape.proposal.use', { shape: t('orgResource.group'), url: downstream.url('Groups') })).click();
        await page.getByText(t('test.passed')).waitFor();
        expect(await page.locator('input[name="push.orgResource"][value="group"]').isChecked()).toBe(true);
        await page.locator('.test-step[data-step=orgShape].test-ok').waitFor();
        await shot('02-wizard-shape-applied');
        await button(t('wizard.nextFinish')).click();
        const source = (await host.center.sources.list()).find((entry) => entry.name === `Groups app ${lang}`)!;
        expect(source.push).toMatchObject({ orgResource: 'group', orgUrl: downstream.url('Groups') });
        expect(downstream.writes()).toHaveLength(0);

        // Every membership PATCH fails: the run says how many, on the list and on its page.
        await host.center.sources.enable(source.id);
        downstream.fault = (request) => (request.method === 'PATCH' && request.path.includes('/Groups/') ? { status: 500 } : undefined);
        const run = (await host.center.runs.settled((await host.center.runs.start(source.id)).id))!;
        expect(run.status).toBe('succeeded_with_failures');
        await page.goto(`${host.consoleUrl}/sources/${source.id}/sync`);
        await page.getByText(t('run.status.succeededWithFailureCount', { count: run.failed })).first().waitFor();
        await shot('03-runs-with-failures');
        await page.goto(`${host.consoleUrl}/sources/${source.id}/runs/${run.id}?result=failed`);
        await page.locator('.log-list li').first().waitFor();
        expect(await page.locator('.log-list li').count()).toBe(run.failed);
        await shot('04-run-failed-memberships');
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});
