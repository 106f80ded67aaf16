import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import type { PushLink } from '../../lib/push/links-store.js';
import type { Source } from '../../lib/sources/source-types.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { startConsoleHost, type ConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource } from '../support/push-helpers.js';

/** Outside the repository: looked at by hand after a run. */
const SHOTS = '/tmp/deletion-hold-shots';

describe.skipIf(!HAS_CHROMIUM)('deletion holds in Chromium', () => {
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
    it(`walks an incremental hold and a paused run, seeing the held objects listed, in ${lang}`, { timeout: 120_000 }, async () => {
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
        const source = await createPushSource(host.center, downstream, { deletionThreshold: { count: 1 }, deprovision: { users: 'disable', orgs: 'leave' } }, `HR app ${lang}`);
        await host.center.runs.settled((await host.center.runs.start(source.id)).id);
        await host.center.start();
        const later = await walkHolds(page, host, downstream, source, lang);
        await phone(browser, host, source, later, lang);
        expect(pageErrors).toEqual([]);
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});

/** Returns users still in the directory, for the phone walk. */
async function walkHolds(page: Page, host: ConsoleHost, downstream: FakeScimServer, source: Source, lang: Locale): Promise<PushLink[]> {
  const t = translator(lang);
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${lang}-${name}.png`), fullPage: true });
  const sourceUrl = `${host.consoleUrl}/sources/${source.id}`;
  const users = (await host.center.push.links(source.id, { kind: 'user', limit: 100 })).links;
  expect(users.length).toBeGreaterThanOrEqual(7);
  const [first, second, third, ...rest] = users;
  const activeOnDownstream = (remoteId: string | null) => downstream.resources('Users').find((user) => user.id === remoteId)?.active !== false;

  // --- Incremental delivery holds three deletions; the banner names them, the page lists them all.
  await host.center.changes.apply([first!, second!, third!].map((link) => ({ type: 'userDeleted' as const, id: link.localId })));
  await vi.waitFor(async () => expect((await host.center.push.status(source.id)).hold, 'the hold').not.toBeNull(), { timeout: 10_000 });
  await page.goto(`${host.consoleUrl}/`);
  await page.locator('tr', { hasText: source.name }).getByText(t('hold.badge')).waitFor();
  await page.goto(sourceUrl);
  const banner = page.locator('[data-hold]');
  await banner.waitFor();
  for (const held of [first!, second!, third!]) {
    const row = banner.locator(`[data-held="user:${held.localId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(held.objectName!);
    expect(await row.textContent()).toContain(held.remoteId!);
  }
  await shot('01-source-hold-banner');
  await banner.getByRole('link', { name: t('holds.showAll', { count: 3 }) }).click();
  const heldList = page.locator('[data-held-list]');
  await heldList.waitFor();
  expect(await heldList.locator('tr[data-held]').count()).toBe(3);
  expect(await heldList.textContent()).toContain(t('operation.disable'));
  await shot('02-held-deletions-page');

  // Cancel: they stay on the downstream, and the page says until when.
  await banner.getByRole('button', { name: t('hold.cancel') }).click();
  await page.getByText(t('notice.deletionsCancelled')).waitFor();
  const cancelledList = page.locator('[data-cancelled-list]');
  expect(await cancelledList.locator('tr[data-cancelled]').count()).toBe(3);
  await cancelledList.getByText(t('holds.cancelled.intro')).waitFor();
  await page.getByText(t('holds.page.none')).waitFor();
  await shot('03-held-deletions-cancelled');
  await host.center.push.drained(source.id);

  // --- Two more leave; a manual sync with Verify downstream pauses on those two only and names them.
  const [fourth, fifth] = rest;
  await host.center.changes.apply([fourth!, fifth!].map((link) => ({ type: 'userDeleted' as const, id: link.localId })));
  await page.goto(`${sourceUrl}/sync`);
  await page.getByLabel(t('sync.verifyDownstream'), { exact: false }).check();
  await page.getByRole('button', { name: t('sync.start'), exact: true }).click();
  await page.getByText(t('notice.started')).waitFor();
  const paused = page.locator('[data-paused-run]');
  await paused.waitFor({ timeout: 10_000 });
  expect(await paused.locator('[data-held]').count()).toBe(2);
  for (const held of [fourth!, fifth!]) expect(await paused.locator(`[data-held="user:${held.localId}"]`).textContent()).toContain(held.objectName!);
  await shot('04-paused-run-panel');
  await paused.getByRole('link', { name: t('holds.run.showAll', { count: 2 }) }).click();
  await page.locator('.log-list').waitFor();
  expect(await page.locator('.log-list > li').count()).toBe(2);
  await shot('05-run-log-planned');

  // Confirm: the two are disabled; the three cancelled before stay active on the downstream.
  await page.locator('[data-paused-run]').getByRole('button', { name: t('run.paused.confirm') }).click();
  await page.getByText(t('notice.runConfirmed')).waitFor();
  await page.locator('table.runs tbody tr').first().locator('.result-succeeded').waitFor({ timeout: 10_000 });
  expect(activeOnDownstream(fourth!.remoteId)).toBe(false);
  expect(activeOnDownstream(fifth!.remoteId)).toBe(false);
  for (const kept of [first!, second!, third!]) expect(activeOnDownstream(kept.remoteId), kept.localId).toBe(true);
  await shot('06-run-confirmed');
  return rest.slice(2, 4);
}

/** The hold at phone width: a fresh hold's banner and the held-deletions page. */
async function phone(browser: Browser, host: ConsoleHost, source: Source, held: PushLink[], lang: Locale): Promise<void> {
  const t = translator(lang);
  await host.center.changes.apply(held.map((link) => ({ type: 'userDeleted' as const, id: link.localId })));
  await vi.waitFor(async () => expect((await host.center.push.status(source.id)).hold, 'the hold').not.toBeNull(), { timeout: 10_000 });
  const context = await browser.newContext({ locale: lang, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  try {
    await page.goto(`${host.consoleUrl}/sources/${source.id}/log`);
    await page.locator('[data-hold] [data-held]').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, `${lang}-10-phone-banner.png`), fullPage: true });
    await page.locator('[data-hold]').getByRole('link', { name: t('holds.showAll', { count: 2 }) }).click();
    await page.locator('[data-held-list] tr[data-held]').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, `${lang}-11-phone-held-page.png`), fullPage: true });
  } finally {
    await context.close();
  }
}
