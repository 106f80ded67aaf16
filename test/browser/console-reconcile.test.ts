import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n/index.js';
import { CONSOLE_LANGUAGES, HAS_CHROMIUM, useChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource } from '../support/push-helpers.js';

/** Screenshots of this file go to the system temp folder, to look at after a run. */
const SHOTS = process.env.SSC_SHOTS_DIR ?? '/tmp';

describe.skipIf(!HAS_CHROMIUM)('a reconciling manual sync in Chromium', () => {
  const browser = useChromium();

  for (const [lang, browserLocale] of CONSOLE_LANGUAGES) {
    it(`Manual sync repairs a downstream that lost a user and had one edited, and shows old → new (${lang})`, { timeout: 120_000 }, async () => {
      const t = translator(lang);
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer().start();
      const context = await browser().newContext({ locale: browserLocale, viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      try {
        const source = await createPushSource(host.center, downstream);
        await host.center.runs.settled((await host.center.runs.start(source.id)).id);
        const [lost, edited] = downstream.resources('Users');
        downstream.store.get('Users')!.delete(lost!.id);
        edited!.displayName = 'Edited downstream';

        await page.goto(`${host.consoleUrl}/sources/${encodeURIComponent(source.id)}/sync`);
        const trust = page.getByRole('checkbox', { name: t('sync.trustLinks') });
        expect(await trust.isChecked()).toBe(false);
        await page.screenshot({ path: path.join(SHOTS, `${lang}-reconcile-01-sync-page.png`), fullPage: true });
        await page.getByRole('button', { name: t('sync.start'), exact: true }).click();
        await page.getByText(t('notice.started')).waitFor();
        const row = page.locator('table.runs tbody tr').first();
        await row.locator('.result-succeeded').waitFor();
        expect(downstream.resources('Users').some((user) => user.externalId === lost!.externalId)).toBe(true);
        expect(downstream.resources('Users').find((user) => user.id === edited!.id)!.displayName).not.toBe('Edited downstream');
        await row.getByRole('link', { name: t('run.viewLog') }).click();
        const entry = page.locator('.log-entry', { hasText: 'displayName' }).first();
        await entry.locator('summary').click();
        await entry.locator('del', { hasText: 'Edited downstream' }).waitFor();
        await page.screenshot({ path: path.join(SHOTS, `${lang}-reconcile-02-run-log.png`), fullPage: true });
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});
