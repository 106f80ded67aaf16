import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import { HAS_CHROMIUM, launchChromium, SCREENSHOTS } from '../support/chromium.js';
import { startConsoleHost, UPSTREAM_PATH, type ConsoleHost } from '../support/console-host.js';



describe.skipIf(!HAS_CHROMIUM)('console in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  // Each language starts in the other one (from Accept-Language) and switches with the switcher.
  for (const [lang, startLocale] of [
    ['en', 'zh-CN'],
    ['zh-CN', 'en-US'],
  ] as Array<[Locale, string]>) {
    it(`walks the whole downstream-sync flow in ${lang}`, { timeout: 120_000 }, async () => {
      const host = await startConsoleHost({ holdUserPages: true });
      const context = await browser.newContext({ locale: startLocale, viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        // HTTP errors are asserted where they are meant (a 409 page); CSP violations and script errors are not.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
      });
      try {
        await walkFlow(page, host, lang);
        await phoneScreens(browser, host, lang);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
        await host.close();
      }
    });
  }
});

async function walkFlow(page: Page, host: ConsoleHost, lang: Locale): Promise<void> {
  const t = translator(lang);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-${name}.png`), fullPage: true });
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const link = (name: string) => page.getByRole('link', { name, exact: true });

  // The list, in the browser's language first; then the switcher.
  await page.goto(`${host.consoleUrl}/`);
  await link(lang === 'en' ? '中文' : 'English').count();
  await button(translator(lang)(`lang.${lang}`)).click();
  await page.getByRole('heading', { name: t('app.downstreamSync'), level: 1 }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe(lang);
  await page.getByRole('heading', { name: t('list.empty.title') }).waitFor();
  await shot('01-list-empty');

  // --- Push source through the wizard, with Back on the way.
  const pushName = `CRM ${lang}`;
  await link(t('action.newSource')).first().click();
  await page.getByText(t('wizard.protocol.notSupported')).first().waitFor();
  await shot('02-wizard-protocol');
  await button(t('wizard.next')).click();
  await page.getByLabel(t('field.name')).fill(pushName);
  await page.getByLabel(t('field.description')).fill('Customer app, pushed');
  await shot('03-wizard-basics');
  await button(t('wizard.nextParameters')).click();
  await page.getByText(t('field.mode.warning')).waitFor();
  await page.getByRole('radio', { name: new RegExp(t('mode.push')) }).check();
  await button(t('wizard.mode.next')).click();
  const pushSection = page.locator('section[data-mode=push]');
  await pushSection.getByLabel(t('field.auth')).selectOption('bearer');
  await pushSection.locator('#f-push-token').fill('push-secret-token-1');
  await pushSection.getByLabel(t('field.userUrl')).fill(`${host.origin}/downstream/scim/v2/Users`);
  await pushSection.getByLabel(t('field.orgUrl')).fill(`${host.origin}/downstream/scim/v2/Groups`);
  await page.getByRole('radio', { name: t('orgResource.group') }).check();
  await shot('04-wizard-parameters-push');
  await button(t('action.back')).click();
  expect(await page.getByLabel(t('field.name')).inputValue()).toBe(pushName);
  await button(t('wizard.nextParameters')).click();
  expect(await pushSection.getByLabel(t('field.userUrl')).inputValue()).toBe(`${host.origin}/downstream/scim/v2/Users`);
  expect(await pushSection.locator('#f-push-token').inputValue()).toBe('');
  await page.getByText(t('field.secret.entered')).waitFor();
  expect(await page.content()).not.toContain('push-secret-token-1');
  await button(t('wizard.nextFinish')).click();
  await page.getByRole('heading', { name: t('finish.created', { name: pushName }) }).waitFor();
  await shot('05-wizard-finish-push');
  await button(t('finish.done')).click();
  await page.locator('tr', { hasText: pushName }).waitFor();

  // --- Pull source: scope, credentials shown once, the finish page's links.
  const pullName = `Wiki ${lang}`;
  await link(t('action.newSource')).first().click();
  await button(t('wizard.next')).click();
  await page.getByLabel(t('field.name')).fill(pushName.toUpperCase());
  await button(t('wizard.nextParameters')).click();
  await page.locator('#f-name-error').getByText(t('validation.taken')).waitFor();
  await shot('06a-wizard-basics-error');
  await page.getByLabel(t('field.name')).fill(pullName);
  await button(t('wizard.nextParameters')).click();
  await page.getByRole('radio', { name: new RegExp(t('mode.pull')) }).check();
  await button(t('wizard.mode.next')).click();
  await page.getByText(t('field.credentials.note')).waitFor();
  expect(await page.locator('#pull-user-url').inputValue()).toBe(`${host.consoleUrl}/scim/v2/Users`);
  await page.getByRole('checkbox', { name: 'Root' }).check();
  await shot('06-wizard-parameters-pull');
  await button(t('wizard.nextFinish')).click();
  await page.getByText(t('finish.credentials.once')).waitFor();
  const token = await page.locator('#cred-token').inputValue();
  expect(token).toMatch(/^ssc_token_/);
  expect(await link(t('finish.goUpstream')).getAttribute('href')).toBe(UPSTREAM_PATH);
  await button(t('action.copy')).first().waitFor();
  await shot('07-wizard-finish-pull');
  const finishUrl = page.url();
  await button(t('finish.goSync')).click();
  await page.getByText(t('sync.disabledNote')).waitFor();
  expect(await button(t('sync.start')).count()).toBe(0);
  await shot('08-sync-disabled');
  await page.goto(finishUrl);
  await page.getByText(t('finish.credentials.gone')).waitFor();
  expect(await page.content()).not.toContain(token);

  // --- Source page: edit name and description in the dialog.
  await page.goto(`${host.consoleUrl}/`);
  await page.locator('tr', { hasText: pullName }).getByRole('link', { name: t('action.configure') }).click();
  await page.getByRole('heading', { name: t('source.basic.title') }).waitFor();
  await shot('09-source-pull');
  await link(t('action.edit')).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const renamed = `${pullName} (renamed)`;
  await dialog.getByLabel(t('field.name')).fill(renamed);
  await dialog.getByLabel(t('field.description')).fill('Knowledge base, pulls users');
  await shot('10-edit-dialog');
  await dialog.getByRole('button', { name: t('action.ok') }).click();
  await page.getByRole('heading', { name: renamed, level: 1 }).waitFor();
  await page.locator('dl.details').getByText('Knowledge base, pulls users').waitFor();

  // --- Enable, then a manual sync of the pull source, its run and its log.
  await button(t('action.enable')).click();
  await page.locator('.badge-enabled').first().waitFor();
  await page.getByRole('link', { name: t('source.tab.sync') }).click();
  await button(t('sync.start')).click();
  await page.getByText(t('notice.started')).waitFor();
  const runRow = page.locator('table.runs tbody tr').first();
  // The run waits on the host's user pages: it shows as running with a progress bar and a Cancel.
  await runRow.locator('progress').waitFor();
  await runRow.getByRole('button', { name: t('action.cancel') }).waitFor();
  expect(await button(t('sync.start')).isDisabled()).toBe(true);
  await shot('11a-manual-sync-running');
  // Released, it finishes; console.js notices through the progress endpoint, no reload by the test.
  host.releaseUserPages();
  await runRow.locator('.result-succeeded').waitFor();
  expect(await runRow.locator('progress').count()).toBe(0);
  await shot('11-manual-sync-runs');
  await runRow.getByRole('link', { name: t('run.viewLog') }).click();
  await page.getByRole('heading', { name: t('run.title', { id: 1 }) }).waitFor();
  await page.locator('.log-entry').first().waitFor();
  await page.locator('.log-entry summary').first().click();
  await shot('12-run-log');
  await page.getByLabel(t('log.filter.result')).selectOption('failed');
  await button(t('log.filter.apply')).click();
  await page.getByText(t('run.log.emptyFiltered')).waitFor();

  // --- Incremental sync log: an honest empty state, then the rows the SCIM server writes when the
  // downstream app pulls with the token it was given at creation.
  const pull = (await host.center.sources.list()).find((source) => source.name === renamed)!;
  await page.goto(`${host.consoleUrl}/sources/${pull.id}/log`);
  await page.getByText(t('log.empty.pull')).waitFor();
  const scim = (pathAndQuery: string) => fetch(`${host.consoleUrl}/scim/v2${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
  expect((await scim(`/Users?filter=${encodeURIComponent('meta.lastModified gt "2000-01-01T00:00:00Z"')}`)).status).toBe(200);
  expect((await scim('/Users/nope')).status).toBe(404);
  await host.center.pull.flushLog();
  await page.reload();
  await page.locator('.log-entry').nth(1).waitFor();
  await page.locator('.log-entry summary').first().click();
  await shot('13-incremental-log-pull');
  await page.getByLabel(t('log.filter.result')).selectOption('error');
  await button(t('log.filter.apply')).click();
  await page.locator('.log-entry').first().waitFor();
  expect(await page.locator('.log-entry').count()).toBe(1);

  // --- The push source's page: secrets masked; its log with a delivery row.
  const push = (await host.center.sources.list()).find((source) => source.name === pushName)!;
  await host.center.logs.recordDeliveries([
    { sourceId: push.id, kind: 'user', objectId: 'u1', objectName: 'user1@example.com', operation: 'create', result: 'failed', method: 'POST', path: '/Users', httpStatus: 409, error: 'uniqueness', durationMs: 40, attempt: 2 },
  ]);
  await page.goto(`${host.consoleUrl}/sources/${push.id}`);
  await page.getByText(t('field.secret.stored')).waitFor();
  expect(await page.content()).not.toContain('push-secret-token-1');
  await shot('14-source-push');
  await page.getByRole('link', { name: t('source.tab.log') }).click();
  await page.locator('.log-entry summary').first().click();
  await shot('15-incremental-log-push');
  await page.getByRole('link', { name: t('source.tab.sync') }).click();
  await button(t('action.enable')).click();
  await page.getByRole('link', { name: t('source.tab.sync') }).waitFor();
  await button(t('sync.start')).click();
  await page.getByText(t('notice.started')).waitFor();
  // No downstream app answers at that URL: the push run ends failed, and says why in its log.
  await page.locator('table.runs tbody tr').first().locator('.result-failed').waitFor();
  await shot('16-push-sync-failed');
  await button(t('action.disable')).click();

  // --- Disable the pull source; delete the push source through the dialog.
  await page.goto(`${host.consoleUrl}/`);
  const pullRow = page.locator('tr', { hasText: renamed });
  await pullRow.getByRole('button', { name: t('action.disable') }).click();
  await page.getByText(t('notice.disabled')).waitFor();
  await shot('17-list');
  const pushRow = page.locator('tr', { hasText: pushName });
  await pushRow.getByRole('link', { name: t('action.delete') }).click();
  const confirm = page.getByRole('dialog');
  await confirm.getByText(t('delete.confirm', { name: pushName })).waitFor();
  await shot('18-delete-dialog');
  await confirm.getByRole('button', { name: t('action.delete') }).click();
  await page.getByText(t('notice.deleted')).waitFor();
  expect(await page.locator('tr', { hasText: pushName }).count()).toBe(0);
  expect((await host.center.sources.list()).map((source) => source.name)).toEqual([renamed]);

  // --- The audit log shows what this walk did, from the top bar, filtered by the deleted source's action.
  await page.getByRole('link', { name: t('audit.nav') }).click();
  await page.getByRole('heading', { name: t('audit.title'), level: 1 }).waitFor();
  await page.getByRole('cell', { name: t('audit.action.source.delete') }).waitFor();
  await shot('19-audit-log');
  await page.locator('#audit-action').selectOption('source.create');
  await button(t('log.filter.apply')).click();
  await page.waitForURL(/action=source\.create/);
  expect(await page.locator('tbody tr').count()).toBe(2);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

/** The list and a source page at phone width. */
async function phoneScreens(browser: Browser, host: ConsoleHost, lang: Locale): Promise<void> {
  const context = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${host.consoleUrl}/`);
  await page.locator('table').waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-20-phone-list.png`), fullPage: true });
  const [source] = await host.center.sources.list();
  await page.goto(`${host.consoleUrl}/sources/${source!.id}/sync`);
  await page.locator('table.runs').waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-21-phone-sync.png`), fullPage: true });
  await page.goto(`${host.consoleUrl}/audit`);
  await page.locator('table').waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-22-phone-audit.png`), fullPage: true });
  await context.close();
}
