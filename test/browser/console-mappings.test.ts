import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n/index.js';
import { CONSOLE_LANGUAGES, HAS_CHROMIUM, SCREENSHOTS, useChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';
import { createPushSource } from '../support/push-helpers.js';

describe.skipIf(!HAS_CHROMIUM)('the Mappings page in Chromium', () => {
  const browser = useChromium();

  for (const [lang, browserLocale] of CONSOLE_LANGUAGES) {
    it(`edits a mapping, shows an error at its column, previews the edited table and saves it (${lang})`, { timeout: 120_000 }, async () => {
      const t = translator(lang);
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer().start();
      const context = await browser().newContext({ locale: browserLocale, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-mappings-${name}.png`), fullPage: true });
      try {
        await host.center.changes.apply([{ type: 'userUpserted', user: { id: 'zh1', userName: 'zhang.san@example.com', displayName: '张三', name: { givenName: '三', familyName: '张' } } }]);
        const source = await createPushSource(host.center, downstream);
        await host.center.runs.settled((await host.center.runs.start(source.id)).id);

        await page.goto(`${host.consoleUrl}/sources/${encodeURIComponent(source.id)}`);
        await page.getByRole('link', { name: t('source.tab.mappings') }).click();
        await page.getByRole('heading', { name: t('mappings.title'), level: 2 }).waitFor();
        expect(await page.getByText(t('mappings.state.defaults')).count()).toBe(1);
        await shot('01-defaults');

        // Row 4 is displayName ← [displayName]; a missing comma is refused at its column.
        const expression = page.getByLabel(t('mappings.row.expression', { row: 4 }));
        expect(await expression.inputValue()).toBe('[displayName]');
        await expression.fill('Pinyin([displayName] " ")');
        await page.getByRole('button', { name: t('mappings.action.save') }).click();
        const error = page.locator('#m-expression-3-error');
        await error.waitFor();
        expect(await error.textContent()).toContain(lang === 'en' ? 'Column 22:' : '第 22 列：');
        expect(await page.getByLabel(t('mappings.row.expression', { row: 4 })).inputValue()).toBe('Pinyin([displayName] " ")');
        await shot('02-error');

        // Fixed, then previewed for a user found by name before saving.
        await page.getByLabel(t('mappings.row.expression', { row: 4 })).fill('Pinyin([displayName], " ")');
        await page.getByLabel(t('mappings.preview.search')).fill('张');
        await page.getByRole('button', { name: t('mappings.preview.find') }).click();
        await page.getByRole('link', { name: '张三' }).click();
        await page.locator('[data-preview="unchanged"]').waitFor();
        await page.getByLabel(t('mappings.row.expression', { row: 4 })).fill('Pinyin([displayName], " ")');
        await page.getByRole('button', { name: t('mappings.action.previewEdited') }).click();
        await page.locator('[data-preview="update"]').waitFor();
        expect(await page.locator('[data-patch]').textContent()).toContain('"zhang san"');
        await shot('03-preview');

        await page.getByRole('button', { name: t('mappings.action.save') }).click();
        await page.getByText(t('mappings.done.saved')).waitFor();
        expect((await host.center.sources.get(source.id)).push!.userMappings![3]).toMatchObject({ target: 'displayName', expression: 'Pinyin([displayName], " ")' });
        await shot('04-saved');
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});
