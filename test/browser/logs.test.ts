import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import type { Source } from '../../lib/sources/source-types.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { startConsoleHost, type ConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource } from '../support/push-helpers.js';

/** Outside the repository: these are for looking at, never for committing. */
const SHOTS = '/tmp/scim-sync-center-logs-screens';

describe.skipIf(!HAS_CHROMIUM)('logs in Chromium: search and export', () => {
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
    it(`searches and exports the incremental log, the pull log and a dry run's log in ${lang}`, { timeout: 120_000 }, async () => {
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer({ token: 'downstream-secret-token' }).start();
      const pageErrors: string[] = [];
      const contexts: BrowserContext[] = [];
      const open = async (width: number, height: number, mobile = false) => {
        const context = await browser.newContext({ locale: browserLocale, viewport: { width, height }, acceptDownloads: true, ...(mobile && { deviceScaleFactor: 2, isMobile: true, hasTouch: true }) });
        contexts.push(context);
        const page = await context.newPage();
        page.on('pageerror', (error) => pageErrors.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
        });
        return page;
      };
      try {
        const { push, pull, dryRunId } = await seed(host, downstream);
        const desktop = await open(1280, 860);
        await deliveryLog(desktop, host, push, lang);
        await pullLog(desktop, host, pull, lang);
        await dryRunLog(desktop, host, push, dryRunId, lang);
        await phone(await open(390, 844, true), host, push, dryRunId, lang);
        expect(pageErrors).toEqual([]);
      } finally {
        for (const context of contexts) await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});

/** A push source after a full sync and a dry run with one rename; its log and a pull source's log, as the engines write them. */
async function seed(host: ConsoleHost, downstream: FakeScimServer): Promise<{ push: Source; pull: Source; dryRunId: number }> {
  const push = await createPushSource(host.center, downstream, {}, 'HR app');
  await host.center.runs.settled((await host.center.runs.start(push.id)).id);
  const [first] = host.directory.users.values();
  await host.center.changes.userUpserted({ ...first!, displayName: 'Zhang Wei' });
  const dryRun = (await host.center.runs.settled((await host.center.runs.start(push.id, { dryRun: true })).id))!;
  await host.center.logs.recordDeliveries([
    { sourceId: push.id, kind: 'user', objectId: 'u-ann', objectName: 'Ann Lee', operation: 'update', result: 'failed', httpStatus: 400, error: 'invalid value for emails' },
    { sourceId: push.id, kind: 'user', objectId: 'u-ann', objectName: 'Ann Lee', operation: 'update', result: 'succeeded', httpStatus: 200 },
    { sourceId: push.id, kind: 'user', objectId: 'u-evil', objectName: '=HYPERLINK("http://evil.example")', operation: 'create', result: 'succeeded', httpStatus: 201 },
    { sourceId: push.id, kind: 'org', objectId: 'o-sales', objectName: 'Sales', operation: 'create', result: 'succeeded', httpStatus: 201 },
  ]);
  const { source: pull } = await host.center.sources.create({ name: 'Wiki', mode: 'pull' });
  await host.center.logs.recordPulls([
    { sourceId: pull.id, clientId: 'wiki-client', method: 'GET', path: '/scim/v2/Users', filter: 'userName eq "ann.lee@example.com"', status: 200, resultCount: 1, durationMs: 6 },
    { sourceId: pull.id, clientId: 'wiki-client', method: 'GET', path: '/scim/v2/Groups', status: 200, resultCount: 4, durationMs: 3 },
  ]);
  return { push, pull, dryRunId: dryRun.id };
}

const shot = (page: Page, lang: Locale, name: string, fullPage = true) => page.screenshot({ path: path.join(SHOTS, `${lang}-logs-${name}.png`), fullPage });
const entries = (page: Page) => page.locator('.log-entry');
/** The search box, by its accessible name: the label and its hint. */
const search = (page: Page, t: ReturnType<typeof translator>, what: 'object' | 'request') =>
  page.getByRole('searchbox', { name: `${t(`logs.search.${what}`)} ${t(`logs.search.${what}.hint`)}`, exact: true });

/** Clicks an export link and returns the downloaded file's name and text. */
async function download(page: Page, name: string): Promise<{ filename: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name, exact: true }).click()]);
  return { filename: file.suggestedFilename(), text: readFileSync((await file.path())!, 'utf8') };
}

async function deliveryLog(page: Page, host: ConsoleHost, source: Source, lang: Locale): Promise<void> {
  const t = translator(lang);
  await page.goto(`${host.consoleUrl}/sources/${source.id}/log`);
  expect(await entries(page).count()).toBe(4);
  await expect.poll(() => page.getByText(t('logs.timeZone', { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })).count()).toBe(1);
  await search(page, t, 'object').fill('ANN');
  await page.getByLabel(t('log.filter.result')).selectOption('failed');
  await page.getByRole('button', { name: t('log.filter.apply'), exact: true }).click();
  await page.waitForURL(/q=ANN/);
  expect(await entries(page).count()).toBe(1);
  expect(await search(page, t, 'object').inputValue()).toBe('ANN');
  await entries(page).first().locator('summary').click();
  await shot(page, lang, '01-delivery-search');

  const csv = await download(page, t('logs.export.csv'));
  expect(csv.filename).toBe(`delivery-log-${source.id}.csv`);
  const lines = csv.text.replace(/^\ufeff/, '').trimEnd().split('\r\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(',u-ann,Ann Lee,update,failed,');
  // The whole log, exported as JSON; the formula-like name is defused in CSV only.
  await page.getByRole('link', { name: t('log.filter.reset'), exact: true }).click();
  await page.waitForURL((url) => !url.search.includes('q='));
  const json = JSON.parse((await download(page, t('logs.export.json'))).text) as Array<{ objectId: string; atLocal: string }>;
  expect(json.map((entry) => entry.objectId)).toEqual(['o-sales', 'u-evil', 'u-ann', 'u-ann']);
  expect(json[0]!.atLocal).not.toBe('');
  const all = await download(page, t('logs.export.csv'));
  expect(all.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
  // By id, exactly.
  await search(page, t, 'object').fill('o-sales');
  await search(page, t, 'object').press('Enter');
  await page.waitForURL(/q=o-sales/);
  expect(await entries(page).count()).toBe(1);
}

async function pullLog(page: Page, host: ConsoleHost, source: Source, lang: Locale): Promise<void> {
  const t = translator(lang);
  await page.goto(`${host.consoleUrl}/sources/${source.id}/log`);
  expect(await entries(page).count()).toBe(2);
  await search(page, t, 'request').fill('ann.lee');
  await page.getByRole('button', { name: t('log.filter.apply'), exact: true }).click();
  await page.waitForURL(/q=ann.lee/);
  expect(await entries(page).count()).toBe(1);
  await shot(page, lang, '02-pull-search');
  const json = JSON.parse((await download(page, t('logs.export.json'))).text) as Array<{ path: string; filter: string }>;
  expect(json).toEqual([expect.objectContaining({ path: '/scim/v2/Users', filter: 'userName eq "ann.lee@example.com"' })]);
}

async function dryRunLog(page: Page, host: ConsoleHost, source: Source, runId: number, lang: Locale): Promise<void> {
  const t = translator(lang);
  const run = (await host.center.runs.get(runId))!;
  await page.goto(`${host.consoleUrl}/sources/${source.id}/runs/${runId}`);
  // Only the differences; the page says how many unchanged objects it hides.
  expect(await entries(page).count()).toBe(1);
  await expect.poll(() => page.getByText('Zhang Wei').count()).toBeGreaterThan(0);
  await page.getByText(t('logs.unchanged.hidden', { count: run.skipped })).waitFor();
  await shot(page, lang, '03-dry-run-differences');
  expect(JSON.parse((await download(page, t('logs.export.json'))).text)).toHaveLength(1);
  await page.getByLabel(t('logs.unchanged.show')).check();
  await page.getByRole('button', { name: t('log.filter.apply'), exact: true }).click();
  await page.waitForURL(/unchanged=1/);
  expect(await entries(page).count()).toBe(Math.min(25, run.skipped + 1));
  expect(await page.getByText(t('logs.unchanged.hidden', { count: run.skipped })).count()).toBe(0);
  await shot(page, lang, '04-dry-run-all');
  expect(JSON.parse((await download(page, t('logs.export.json'))).text)).toHaveLength(run.skipped + 1);
}

async function phone(page: Page, host: ConsoleHost, source: Source, runId: number, lang: Locale): Promise<void> {
  await page.goto(`${host.consoleUrl}/sources/${source.id}/log?q=ann`);
  expect(await entries(page).count()).toBe(2);
  await shot(page, lang, '10-phone-delivery-search');
  // Nothing wider than the screen: the filters and the export links wrap.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.goto(`${host.consoleUrl}/sources/${source.id}/runs/${runId}`);
  await shot(page, lang, '11-phone-dry-run');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
}
