import { mkdirSync } from 'node:fs';
import type express from 'express';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { startConsoleHost, type ConsoleHost } from '../support/console-host.js';

/** Outside the repository: look at them after a run. */
const SHOTS = '/tmp/ssc-wizard-roles';
const ROLE_HEADER = 'x-demo-role';
const HOME = '/acme/home';
const SIGN_OUT = '/acme/sign-out';

describe.skipIf(!HAS_CHROMIUM)('wizard and roles in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const lang of ['en', 'zh-CN'] as Locale[]) {
    it(`walks the wizard with Back and reload, then reads everything as a reader, in ${lang}`, { timeout: 120_000 }, async () => {
      const host = await startConsoleHost({
        admin: {
          isAdmin: (req) => (req as express.Request).get(ROLE_HEADER) !== 'reader',
          canView: () => true,
          actor: (req) => ((req as express.Request).get(ROLE_HEADER) === 'reader' ? 'rita.reader' : 'ada.admin'),
          homeUrl: HOME,
          signOutUrl: SIGN_OUT,
        },
      });
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
        });
      };
      try {
        const admin = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 860 } });
        const adminPage = await admin.newPage();
        watch(adminPage);
        const sourceId = await wizardFlow(adminPage, host, lang);
        await admin.close();
        for (const width of [1280, 390]) {
          const reader = await browser.newContext({ locale: lang, viewport: { width, height: 860 }, extraHTTPHeaders: { [ROLE_HEADER]: 'reader' } });
          const readerPage = await reader.newPage();
          watch(readerPage);
          await readerFlow(readerPage, host, lang, sourceId, width);
          await reader.close();
        }
        expect(errors).toEqual([]);
      } finally {
        await host.close();
      }
    });
  }
});

async function wizardFlow(page: Page, host: ConsoleHost, lang: Locale): Promise<string> {
  const t = translator(lang);
  /** At 1280 px, then at phone width. */
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${lang}-admin-1280-${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 860 });
    await page.screenshot({ path: path.join(SHOTS, `${lang}-admin-390-${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  };
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const stepPath = new RegExp(`/new/[0-9a-f]{32}/(protocol|basics|parameters)$`);

  // The header: back to the host, the signed-in name, the host's sign-out.
  await page.goto(`${host.consoleUrl}/new`);
  expect(await page.getByRole('link', { name: t('header.home') }).getAttribute('href')).toBe(HOME);
  expect(await page.getByRole('link', { name: t('header.signOut'), exact: true }).getAttribute('href')).toBe(SIGN_OUT);
  await page.locator('.account-name', { hasText: 'ada.admin' }).waitFor();
  await button(t('wizard.next')).click();
  await page.waitForURL(stepPath);
  const basicsUrl = page.url();
  expect(basicsUrl.endsWith('/basics')).toBe(true);

  // An empty name: the summary takes the focus and links to the field.
  await page.getByLabel(t('field.name')).fill(' ');
  await page.getByLabel(t('field.description')).fill('Kept through the error');
  await page.locator('#f-name').evaluate((input) => input.removeAttribute('required'));
  await button(t('wizard.nextParameters')).click();
  await page.locator('[data-error-summary]').waitFor();
  expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-error-summary'))).toBe(true);
  expect(await page.getByLabel(t('field.description')).inputValue()).toBe('Kept through the error');
  await page.getByText(t('form.requiredLegend')).waitFor();
  await shot('01-basics-error');
  await page.locator('[data-error-summary] a[href="#f-name"]').click();
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name');

  const name = `ERP ${lang}`;
  await page.getByLabel(t('field.name')).fill(name);
  await button(t('wizard.nextParameters')).click();
  await page.waitForURL(/\/parameters$/);
  // Only the choice of the mode until one is picked.
  await page.getByText(t('field.mode.warning')).first().waitFor();
  expect(await page.locator('input[name="push.userUrl"], input[name="pull.scope"]').count()).toBe(0);
  await shot('02-parameters-mode');

  // Back is a GET of the basics page (no resubmission), with what was entered; so is reload.
  const back = await page.goBack();
  expect(back?.request().method()).toBe('GET');
  expect(back?.status()).toBe(200);
  expect(page.url().split('#')[0]).toBe(basicsUrl);
  expect(await page.getByLabel(t('field.name')).inputValue()).toBe(name);
  const reloaded = await page.reload();
  expect(reloaded?.request().method()).toBe('GET');
  expect(await page.getByLabel(t('field.name')).inputValue()).toBe(name);
  await page.goForward();
  await page.waitForURL(/\/parameters$/);

  // Push: only its fields, required ones marked, the advanced policy folded.
  await page.getByRole('radio', { name: new RegExp(t('mode.push')) }).check();
  await button(t('wizard.mode.next')).click();
  await page.locator('section[data-mode=push]').waitFor();
  expect(await page.locator('section[data-mode=pull]').count()).toBe(0);
  expect(await page.locator('label[for="f-push-userUrl"] .req').count()).toBe(1);
  expect(await page.locator('#f-push-userUrl').getAttribute('required')).not.toBeNull();
  expect(await page.locator('details.policy').getAttribute('open')).toBeNull();
  expect(await page.locator('#f-push-schedule').isVisible()).toBe(false);
  await page.locator('#f-push-token').fill('erp-secret-token');
  await page.getByLabel(t('field.userUrl')).fill(`${host.origin}/erp/scim/v2/Users`);
  await shot('03-parameters-push');
  await page.locator('details.policy > summary').click();
  await page.locator('#f-push-schedule').fill('not a cron');
  await shot('04-parameters-policy-open');
  await button(t('wizard.nextFinish')).click();
  // The error is inside the disclosure, which comes back open, linked from the summary.
  await page.locator('[data-error-summary] a[href="#f-push-schedule"]').waitFor();
  expect(await page.locator('details.policy').getAttribute('open')).not.toBeNull();
  expect(await page.content()).not.toContain('erp-secret-token');
  await shot('05-parameters-policy-error');
  await page.locator('#f-push-schedule').fill('0 4 * * *');
  await button(t('wizard.nextFinish')).click();

  // Finish: "Enable now", then the sync page of an enabled source.
  await page.getByRole('heading', { name: t('finish.created', { name }) }).waitFor();
  await page.getByLabel(t('finish.enableNow')).check();
  await shot('06-finish');
  await button(t('finish.goSync')).click();
  await page.getByText(t('notice.enabled')).waitFor();
  await page.getByRole('button', { name: t('sync.start') }).first().waitFor();
  // Back from the sync page lands on the finish page's GET, not on a resubmission.
  const again = await page.goBack();
  expect(again?.request().method()).toBe('GET');
  await page.getByText(t('finish.enabledNote')).waitFor();
  const source = (await host.center.sources.list()).find((entry) => entry.name === name)!;
  expect(source.enabled).toBe(true);
  const [enabled] = await host.center.audit.list({ sourceId: source.id, action: 'source.enable' });
  expect(enabled?.actor).toBe('ada.admin');
  return source.id;
}

async function readerFlow(page: Page, host: ConsoleHost, lang: Locale, sourceId: string, width: number): Promise<void> {
  const t = translator(lang);
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${lang}-reader-${width}-${name}.png`), fullPage: true });
  const sourceUrl = `${host.consoleUrl}/sources/${sourceId}`;
  const pages: Array<[string, string]> = [
    ['list', `${host.consoleUrl}/`],
    ['source', sourceUrl],
    ['log', `${sourceUrl}/log`],
    ['sync', `${sourceUrl}/sync`],
    ['links', `${sourceUrl}/links`],
    ['audit', `${host.consoleUrl}/audit`],
  ];
  for (const [index, [name, url]] of pages.entries()) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(200);
    await page.getByText(t('role.reader')).first().waitFor();
    const actions = await page.locator('form[method=post]').evaluateAll((forms) => forms.map((form) => form.getAttribute('action')));
    expect(actions.filter((action) => !action?.endsWith('/locale')), url).toEqual([]);
    await shot(`0${index + 1}-${name}`);
  }
  // The settings are shown, disabled; the page names no way to change them.
  await page.goto(sourceUrl);
  expect(await page.locator('#f-push-userUrl').isDisabled()).toBe(true);
  expect(await page.getByRole('button', { name: t('action.save') }).count()).toBe(0);
  expect(await page.getByRole('link', { name: t('action.newSource') }).count()).toBe(0);

  // The audit log, filtered by actor, lists the admin's creation and enabling.
  await page.goto(`${host.consoleUrl}/audit?actor=ada.admin`);
  await page.locator('tbody').getByText(t('audit.action.source.enable')).first().waitFor();
  expect(await page.locator('tbody tr').count()).toBe(2);
  await shot('07-audit-filtered');

  // A write the page does not offer, sent anyway, is refused by the server.
  await page.goto(`${host.consoleUrl}/new`);
  await page.getByRole('heading', { name: t('error.readOnly.title') }).waitFor();
  const status = await page.evaluate(async (url) => {
    const token = (document.querySelector('input[name=_csrf]') as HTMLInputElement | null)?.value ?? '';
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(token)}` });
    return response.status;
  }, `${sourceUrl}/disable`);
  expect(status).toBe(403);
  expect((await host.center.sources.get(sourceId)).enabled).toBe(true);
}
