import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import { TABLES } from '../../lib/persistence/tables.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { startConsoleHost, type ConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { FAST_PUSH } from '../support/push-helpers.js';

/** Outside the repository: these are looked at, never committed. */
const SHOTS = '/tmp/dashboard-shots';
const HOUR_MS = 3_600_000;

describe.skipIf(!HAS_CHROMIUM)('sources dashboard and live progress in Chromium', () => {
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
    it(`shows every source's health, filters the list, charts a week and follows a running sync in ${lang}`, { timeout: 120_000 }, async () => {
      // Small pages, so the run's user phase has several and its progress moves page by page.
      const host = await startConsoleHost({ center: { push: { ...FAST_PUSH, pageSize: 3 } } });
      const downstream = await new FakeScimServer({ token: 'downstream-secret-token' }).start();
      const errors: string[] = [];
      const contexts: BrowserContext[] = [];
      const open = async (width: number, options: { javaScriptEnabled?: boolean; phone?: boolean } = {}) => {
        const context = await browser.newContext({
          locale: browserLocale,
          viewport: { width, height: options.phone ? 844 : 900 },
          javaScriptEnabled: options.javaScriptEnabled ?? true,
          ...(options.phone && { deviceScaleFactor: 2, isMobile: true, hasTouch: true }),
        });
        contexts.push(context);
        const page = await context.newPage();
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
          if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
        });
        return page;
      };
      try {
        const ids = await seedSources(host, downstream);
        const page = await open(1280);
        await listAndFilters(page, host, lang);
        await fitsAt(await open(1920), host, lang, 1920);
        await sourceHealth(page, host, ids.hr, lang);
        const phonePage = await open(390, { phone: true });
        await liveProgress(page, await open(1280, { javaScriptEnabled: false }), phonePage, host, downstream, ids.hr, lang);
        await phone(phonePage, host, ids.hr, lang);
        expect(errors).toEqual([]);
      } finally {
        for (const context of contexts) await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});

/** Four sources in four states, and a week of hourly traffic for the one the test syncs. */
async function seedSources(host: ConsoleHost, downstream: FakeScimServer): Promise<{ hr: string }> {
  const { center, knex } = host;
  const push = { auth: 'bearer' as const, token: 'downstream-secret-token', userUrl: downstream.url('Users'), orgUrl: downstream.url('Organizations'), orgResource: 'organization' as const };
  const hr = (await center.sources.create({ name: 'HR app', description: 'People and teams for the HR suite', mode: 'push', push })).source;
  await center.sources.enable(hr.id);
  const payroll = (await center.sources.create({ name: 'Payroll with a rather long name for its column', description: 'Monthly payroll; a description long enough to need two lines in its cell', mode: 'push', push })).source;
  await center.sources.enable(payroll.id);
  await knex(TABLES.sources).where({ id: payroll.id }).update({ quarantined_at: new Date().toISOString(), quarantine_reason: 'HTTP 401 from the downstream' });
  await center.sources.create({ name: 'Team wiki', description: 'Pulls the directory', mode: 'pull' });
  const crm = (await center.sources.create({ name: 'CRM', mode: 'pull' })).source;
  await center.sources.enable(crm.id);
  const now = Date.now();
  const rows = [];
  for (let back = 0; back < 7 * 24; back += 1) {
    const delivered = Math.round(20 + 15 * Math.sin(back / 4)) + (back % 24 < 8 ? 0 : 10);
    rows.push({ source_id: hr.id, hour: new Date(now - back * HOUR_MS).toISOString().slice(0, 13), delivered, failed: back % 37 === 5 ? 6 : 0, last_delivered_at: new Date(now - back * HOUR_MS).toISOString() });
  }
  await knex(TABLES.sourceHours).insert(rows);
  return { hr: hr.id };
}

async function listAndFilters(page: Page, host: ConsoleHost, lang: Locale): Promise<void> {
  const t = translator(lang);
  await page.goto(`${host.consoleUrl}/`);
  const rows = page.locator('table.status-table tbody tr[data-source]');
  expect(await rows.count()).toBe(4);
  expect(await page.locator('tr[data-source="HR app"]').getAttribute('data-state')).toBe('attention');
  await expect(page.locator('tr[data-source="HR app"]').textContent()).resolves.toContain(t('health.reason.recent_failures'));
  await expect(page.locator('tr[data-source="CRM"]').textContent()).resolves.toContain(t('health.reason.never_synced'));
  expect(await page.locator('tr[data-source="Team wiki"]').getAttribute('data-state')).toBe('disabled');
  await expect(page.locator('tr[data-source^="Payroll"]').textContent()).resolves.toContain('HTTP 401 from the downstream');
  await fitsAt(page, host, lang, 1280);

  // Search, then a state filter; both are a plain GET form.
  await page.getByLabel(t('filter.q')).fill('WIKI');
  await page.getByRole('button', { name: t('filter.apply'), exact: true }).click();
  await page.waitForURL(/q=WIKI/);
  expect(await rows.count()).toBe(1);
  expect(await rows.first().getAttribute('data-source')).toBe('Team wiki');
  await page.getByRole('link', { name: t('filter.reset'), exact: true }).click();
  await page.getByLabel(t('filter.state')).selectOption('quarantined');
  await page.getByRole('button', { name: t('filter.apply'), exact: true }).click();
  await page.waitForURL(/state=quarantined/);
  expect(await rows.count()).toBe(1);
  await page.getByLabel(t('filter.q')).fill('nothing like this');
  await page.getByRole('button', { name: t('filter.apply'), exact: true }).click();
  await page.getByText(t('filter.noMatch')).waitFor();
}

/** The list's table fits its card (no sideways scroll) and every Delete is inside the card. */
async function fitsAt(page: Page, host: ConsoleHost, lang: Locale, width: number): Promise<void> {
  await page.goto(`${host.consoleUrl}/`);
  const fit = await page.evaluate(() => {
    const card = document.querySelector('.table-card')!;
    const right = card.getBoundingClientRect().right;
    const deletes = Array.from(document.querySelectorAll('.status-table .actions > :last-child')).map((element) => element.getBoundingClientRect().right);
    return { overflow: card.scrollWidth - card.clientWidth, right, deletes };
  });
  expect(fit.overflow).toBeLessThanOrEqual(0);
  for (const edge of fit.deletes) expect(edge).toBeLessThanOrEqual(fit.right);
  await page.screenshot({ path: path.join(SHOTS, `${lang}-list-${width}.png`), fullPage: true });
}

async function sourceHealth(page: Page, host: ConsoleHost, id: string, lang: Locale): Promise<void> {
  const t = translator(lang);
  await page.goto(`${host.consoleUrl}/sources/${id}`);
  const card = page.locator('section.health-card');
  await card.waitFor();
  expect(await card.getAttribute('data-state')).toBe('attention');
  const chart = card.getByRole('img', { name: t('history.title') });
  expect(await chart.count()).toBe(1);
  expect(await chart.locator('desc').textContent()).toContain(t('history.desc.push'));
  expect(await chart.locator('[data-series=hours] rect.bar-failed').count()).toBeGreaterThan(0);
  // The text alternative: the same numbers per day.
  await card.getByText(t('history.table')).click();
  expect(await card.locator('details tbody tr').count()).toBeGreaterThanOrEqual(7);
  await page.screenshot({ path: path.join(SHOTS, `${lang}-source-1280.png`), fullPage: true });
}

/**
 * A push run held by the downstream after its first page of users: the page shows the phase and
 * a percentage that the JSON agrees with, and moves on by itself when the run goes on. Without
 * JavaScript the page refreshes itself while the run is active.
 */
async function liveProgress(page: Page, noScript: Page, phonePage: Page, host: ConsoleHost, downstream: FakeScimServer, id: string, lang: Locale): Promise<void> {
  const t = translator(lang);
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let creates = 0;
  downstream.delay = (request) => (request.method === 'POST' && request.path.endsWith('/Users') && ++creates > 3 ? held : undefined);

  await page.goto(`${host.consoleUrl}/sources/${id}/sync`);
  await page.getByRole('button', { name: t('sync.start'), exact: true }).click();
  const panel = page.locator('section.live-progress');
  await panel.waitFor();
  await panel.locator('[data-text=phase]', { hasText: t('progress.phase.users') }).waitFor();
  const counts = await host.center.mirror.counts();
  const json = await (await page.request.get(`${host.origin}${await panel.getAttribute('data-progress-url')}`)).json();
  expect(json).toMatchObject({ active: true, phase: 'users', total: counts.users + counts.orgs });
  expect(json.processed).toBeGreaterThanOrEqual(4);
  await panel.locator('[data-text=percent]', { hasText: json.text.percent }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, `${lang}-progress-1280.png`), fullPage: true });

  await noScript.goto(`${host.consoleUrl}/sources/${id}/sync`);
  expect(await noScript.locator('head meta[http-equiv=refresh]').getAttribute('content')).toBe('3');
  expect(await noScript.locator('section.live-progress [data-text=phase]').textContent()).toBe(t('progress.phase.users'));
  await noScript.screenshot({ path: path.join(SHOTS, `${lang}-progress-nojs-1280.png`), fullPage: true });
  await phonePage.goto(`${host.consoleUrl}/sources/${id}/sync`);
  await phonePage.locator('section.live-progress').screenshot({ path: path.join(SHOTS, `${lang}-progress-390.png`) });

  release();
  // With JavaScript the page reloads itself once the run ends; without, its refresh brings the end.
  await page.locator('section.live-progress').waitFor({ state: 'detached', timeout: 30_000 });
  await page.locator('table.runs [data-status]', { hasText: t('run.status.succeeded') }).first().waitFor();
  await noScript.locator('section.live-progress').waitFor({ state: 'detached', timeout: 30_000 });
  expect(await noScript.locator('head meta[http-equiv=refresh]').count()).toBe(0);

  await page.goto(`${host.consoleUrl}/sources/${id}`);
  // Synced now; the seeded failures of five hours ago still ask for a look.
  const synced = (await host.center.status.source(id)).lastFullSync!;
  expect(await page.locator(`section.health-card time[datetime="${synced.finishedAt}"]`).count()).toBe(1);
  expect(await page.locator('section.health-card').textContent()).toContain(t('health.reason.recent_failures'));
  await page.goto(`${host.consoleUrl}/`);
  await expect(page.locator('tr[data-source="HR app"]').textContent()).resolves.toContain(t('status.linked.users', { count: counts.users }));
}

async function phone(page: Page, host: ConsoleHost, id: string, lang: Locale): Promise<void> {
  for (const [name, url] of [
    ['list', '/'],
    ['source', `/sources/${id}`],
    ['sync', `/sources/${id}/sync`],
  ] as const) {
    await page.goto(`${host.consoleUrl}${url}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, `${lang}-${name}-390.png`), fullPage: true });
  }
  // Close-ups a reader can see at phone size: the source page's health card and a row of the list.
  await page.goto(`${host.consoleUrl}/sources/${id}`);
  await page.locator('section.health-card').screenshot({ path: path.join(SHOTS, `${lang}-health-card-390.png`) });
  await page.goto(`${host.consoleUrl}/`);
  await page.locator('tr[data-source="HR app"]').screenshot({ path: path.join(SHOTS, `${lang}-list-row-390.png`) });
}
