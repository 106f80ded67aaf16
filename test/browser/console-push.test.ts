import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { HAS_CHROMIUM, launchChromium, SCREENSHOTS } from '../support/chromium.js';
import { startConsoleHost, type ConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';


describe.skipIf(!HAS_CHROMIUM)('push console in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const [lang, browserLocale] of [
    ['en', 'en-US'],
    ['zh-CN', 'zh-CN'],
  ] as Array<[Locale, string]>) {
    it(`creates, tests, dry-runs, syncs and unlinks a push source in ${lang}`, { timeout: 120_000 }, async () => {
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer({ token: 'downstream-secret-token' }).start();
      const context = await browser.newContext({ locale: browserLocale, viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
      });
      try {
        await walkPush(page, host, downstream, lang);
        await phoneLinks(browser, host, lang);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});

async function walkPush(page: Page, host: ConsoleHost, downstream: FakeScimServer, lang: Locale): Promise<void> {
  const t = translator(lang);
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-push-${name}.png`), fullPage: true });
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  const link = (name: string) => page.getByRole('link', { name, exact: true });

  // --- The wizard's parameters step: push settings, the policy's defaults, Test connection.
  const name = `HR app ${lang}`;
  await page.goto(`${host.consoleUrl}/new`);
  await button(t('wizard.next')).click();
  await page.getByLabel(t('field.name')).fill(name);
  await button(t('wizard.nextParameters')).click();
  await page.getByRole('radio', { name: new RegExp(t('mode.push')) }).check();
  await button(t('wizard.mode.next')).click();
  const push = page.locator('section[data-mode=push]');
  await push.locator('#f-push-token').fill('wrong-token');
  await push.getByLabel(t('field.userUrl')).fill(downstream.url('Users'));
  await push.getByLabel(t('field.orgUrl')).fill(downstream.url('Organizations'));
  expect(await page.locator('#f-push-deletionThreshold-count').inputValue()).toBe('100');
  expect(await page.locator('#f-push-schedule').inputValue()).toBe('0 3 * * *');
  // The policy is folded away: the admin opens it.
  await page.locator('details.policy > summary').click();
  await page.getByLabel(t('policy.deprovision.users'), { exact: true }).selectOption('delete');
  await shot('01-wizard-parameters');
  // A wrong token: authentication fails, and says so.
  await button(t('test.button')).click();
  await page.locator('.test-step[data-step=auth].test-fail').waitFor();
  expect(await page.getByLabel(t('policy.deprovision.users'), { exact: true }).inputValue()).toBe('delete');
  expect(await page.content()).not.toContain('wrong-token');
  await shot('02-wizard-test-failed');
  await push.locator('#f-push-token').fill('downstream-secret-token');
  await button(t('test.button')).click();
  await page.getByText(t('test.passed')).waitFor();
  expect(await page.locator('.test-step.test-ok').count()).toBe(4);
  await shot('03-wizard-test-passed');
  // The token rides sealed from the test to the finish; nothing was written downstream.
  await button(t('wizard.nextFinish')).click();
  await page.getByRole('heading', { name: t('finish.created', { name }) }).waitFor();
  expect(downstream.writes()).toHaveLength(0);
  const source = (await host.center.sources.list()).find((entry) => entry.name === name)!;
  expect(source.push).toMatchObject({ deprovision: { users: 'delete', orgs: 'delete' }, hasToken: true });

  // --- The source page: policy shown, bad cron inline, Test connection of the saved source; enable.
  await page.goto(`${host.consoleUrl}/sources/${source.id}`);
  await page.locator('details.policy').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.getByLabel(t('policy.schedule'), { exact: true }).fill('every night');
  await button(t('action.save')).click();
  await page.locator('#f-push-schedule-error').waitFor();
  expect(await page.getByLabel(t('policy.schedule'), { exact: true }).inputValue()).toBe('every night');
  await shot('04-source-cron-error');
  await page.getByLabel(t('policy.schedule'), { exact: true }).fill('30 2 * * *');
  await button(t('test.button')).click();
  await page.getByText(t('test.passed')).waitFor();
  await shot('05-source-test-passed');
  await button(t('action.save')).click();
  await page.getByText(t('notice.saved')).waitFor();
  expect((await host.center.sources.get(source.id)).push!.schedule).toBe('30 2 * * *');
  await button(t('action.enable')).click();
  await page.locator('.badge-enabled').first().waitFor();

  // --- Dry run: planned items, nothing sent.
  await link(t('source.tab.sync')).click();
  await button(t('sync.dryRun')).click();
  await page.getByText(t('notice.dryRunStarted')).waitFor();
  const firstRun = page.locator('table.runs tbody tr').first();
  await firstRun.locator('.result-succeeded').waitFor();
  expect(downstream.writes()).toHaveLength(0);
  await shot('06-sync-after-dry-run');
  await firstRun.getByRole('link', { name: t('run.viewLog') }).click();
  await page.getByText(t('run.dryRun.note')).waitFor();
  await page.locator('.log-entry .result-planned').first().waitFor();
  await shot('07-dry-run-log');

  // --- Manual sync for real, then a rename the host reports: the next dry run shows old → new.
  await link(t('run.back')).click();
  await button(t('sync.start')).click();
  await page.getByText(t('notice.started')).waitFor();
  await page.locator('table.runs tbody tr').first().locator('.result-succeeded').waitFor();
  expect(downstream.resources('Users').length).toBeGreaterThan(0);
  await shot('08-manual-sync');
  const [renamed] = host.directory.users.values();
  await host.center.changes.userUpserted({ ...renamed!, displayName: `${renamed!.displayName} (moved)`, title: 'Engineer' });
  await button(t('sync.dryRun')).click();
  await page.getByText(t('notice.dryRunStarted')).waitFor();
  await page.locator('table.runs tbody tr').first().locator('.result-succeeded').waitFor();
  await page.locator('table.runs tbody tr').first().getByRole('link', { name: t('run.viewLog') }).click();
  const update = page.locator('.log-entry', { has: page.locator('.changed-names') }).first();
  await update.locator('summary').click();
  await update.locator('table.changes').getByText(`${renamed!.displayName} (moved)`).waitFor();
  await shot('09-dry-run-changes');

  // --- Links: the tab, a search, Unlink through the dialog.
  await page.goto(`${host.consoleUrl}/sources/${source.id}`);
  await link(t('source.tab.links')).click();
  await page.locator('table.links tbody tr').first().waitFor();
  const linkCount = (await host.center.push.links(source.id)).total;
  await shot('10-links');
  const target = (await host.center.push.links(source.id, { kind: 'user', q: renamed!.id })).links.find((entry) => entry.localId === renamed!.id)!;
  await page.getByLabel(t('links.filter.text')).fill(target.objectName!);
  await button(t('log.filter.apply')).click();
  await page.waitForURL(/q=/);
  expect(await page.locator('table.links tbody tr').count()).toBe(1);
  await page.locator('table.links tbody tr').first().getByRole('link', { name: t('links.unlink') }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await shot('11-unlink-dialog');
  await dialog.getByRole('button', { name: t('links.unlink') }).click();
  await page.getByText(t('notice.unlinked')).waitFor();
  expect(page.url()).toContain('q=');
  await page.getByText(t('links.empty.filtered')).waitFor();
  expect((await host.center.push.links(source.id)).total).toBe(linkCount - 1);
  expect((await host.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'browser-admin', action: 'push.unlink' });
  await shot('12-after-unlink');

  // --- Deletion threshold: a run that would delete more than it allows pauses; Confirm carries on.
  await link(t('source.tab.basic')).click();
  await page.locator('details.policy').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.getByLabel(t('policy.threshold.count'), { exact: true }).fill('1');
  await button(t('action.save')).click();
  await page.getByText(t('notice.saved')).waitFor();
  const doomed = (await host.center.push.links(source.id, { kind: 'user', limit: 2 })).links;
  await host.center.changes.apply(doomed.map((entry) => ({ type: 'userDeleted' as const, id: entry.localId })));
  await link(t('source.tab.sync')).click();
  await button(t('sync.start')).click();
  await page.getByText(t('notice.started')).waitFor();
  const pausedPanel = page.locator('[data-paused-run]');
  await pausedPanel.waitFor();
  expect(downstream.writes().filter((request) => request.method === 'DELETE')).toHaveLength(0);
  await shot('13-paused-run');
  await pausedPanel.getByRole('button', { name: t('run.paused.confirm') }).click();
  await page.getByText(t('notice.runConfirmed')).waitFor();
  await page.locator('table.runs tbody tr').first().locator('.result-succeeded').waitFor();
  expect(downstream.writes().filter((request) => request.method === 'DELETE')).toHaveLength(2);
  await shot('14-paused-run-confirmed');

  // --- Deletions held by incremental delivery (as its worker records them): list and source page, then Cancel.
  const [{ seq }] = await host.knex(TABLES.changes).max({ seq: 'seq' });
  const hold = { reason: '3 deletions exceed the threshold of 1; confirm or cancel them', deletes: 3, linked: 9, throughSeq: Number(seq), at: new Date().toISOString() };
  await host.knex(TABLES.pushState).insert({ source_id: source.id, hold: JSON.stringify(hold), confirmed_delete_seq: 0, cancelled_delete_seq: 0, updated_at: hold.at });
  await page.goto(`${host.consoleUrl}/`);
  await page.locator('tr', { hasText: name }).getByText(t('hold.badge')).waitFor();
  await shot('15-list-deletions-held');
  await page.goto(`${host.consoleUrl}/sources/${source.id}`);
  await page.locator('[data-hold]').getByText(t('hold.title')).waitFor();
  await shot('16-source-deletions-held');
  await page.locator('[data-hold]').getByRole('button', { name: t('hold.cancel') }).click();
  await page.getByText(t('notice.deletionsCancelled')).waitFor();
  expect(await page.locator('[data-hold]').count()).toBe(0);
  expect((await host.center.audit.list({ sourceId: source.id }))[0]).toMatchObject({ actor: 'browser-admin', action: 'push.deletions_cancelled' });
}

/** The links tab at phone width. */
async function phoneLinks(browser: Browser, host: ConsoleHost, lang: Locale): Promise<void> {
  const context = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const [source] = await host.center.sources.list();
  await page.goto(`${host.consoleUrl}/sources/${source!.id}/links`);
  await page.locator('table.links').waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-push-20-phone-links.png`) });
  await page.goto(`${host.consoleUrl}/sources/${source!.id}`);
  await page.locator('details.policy').evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.locator('#f-push-deprovision-users').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-push-21-phone-source.png`) });
  await page.goto(`${host.consoleUrl}/sources/${source!.id}/sync`);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-push-22-phone-sync.png`) });
  await context.close();
}
