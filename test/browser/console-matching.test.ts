import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../lib/i18n/index.js';
import { CONSOLE_LANGUAGES, HAS_CHROMIUM, SCREENSHOTS, useChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { FakeScimServer } from '../support/fake-scim-server.js';

/** Issue 10 item 2 in the browser: the matching fields on a source's parameters, and an ambiguous match in the run log. */
describe.skipIf(!HAS_CHROMIUM)('matching settings in Chromium', () => {
  const browser = useChromium();

  for (const [lang, browserLocale] of CONSOLE_LANGUAGES) {
    it(`chooses matching by work e-mail and shows an ambiguous match in the run log (${lang})`, { timeout: 60_000 }, async () => {
      const t = translator(lang);
      const host = await startConsoleHost();
      const downstream = await new FakeScimServer({ token: 'downstream-secret-token' }).start();
      const context = await browser().newContext({ locale: browserLocale, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-matching-${name}.png`), fullPage: true });
      try {
        const { source } = await host.center.sources.create({
          name: `CRM ${lang}`,
          mode: 'push',
          push: { auth: 'bearer', token: 'downstream-secret-token', userUrl: downstream.url('Users'), orgUrl: downstream.url('Organizations'), orgResource: 'organization' },
        });
        await page.goto(`${host.consoleUrl}/sources/${source.id}`);
        // The policy is folded away (advanced settings): open it first.
        await page.locator('details.policy > summary').click();
        const users = page.getByLabel(t('policy.matching.users'), { exact: true });
        expect(await users.inputValue()).toBe('userName');
        expect(await page.getByLabel(t('policy.matching.orgs'), { exact: true }).inputValue()).toBe('externalIdThenName');
        await users.selectOption('email');
        await page.getByRole('button', { name: t('action.save'), exact: true }).click();
        await page.getByText(t('notice.saved')).waitFor();
        if (!(await page.locator('details.policy').getAttribute('open'))) await page.locator('details.policy > summary').click();
        expect(await page.getByLabel(t('policy.matching.users'), { exact: true }).inputValue()).toBe('email');
        await page.locator('details.policy').screenshot({ path: path.join(SCREENSHOTS, `${lang}-matching-01-policy.png`) });
        expect((await host.center.sources.get(source.id)).push?.matching).toEqual({ users: 'email', orgs: 'externalIdThenName' });

        // Two downstream accounts carry the work e-mail of one host user: neither is guessed at.
        const [someone] = (await host.directory.listUsers({ limit: 1 })).items;
        const email = someone!.emails![0]!.value;
        for (const id of ['twin-a', 'twin-b']) downstream.store.get('Users')!.set(id, { id, userName: id, emails: [{ type: 'work', value: email }] });
        await host.center.sources.enable(source.id);
        const run = await host.center.runs.settled((await host.center.runs.start(source.id)).id);
        expect(run).toMatchObject({ status: 'succeeded_with_failures', failed: 1 });
        await page.goto(`${host.consoleUrl}/sources/${source.id}/runs/${run!.id}?result=failed`);
        const message = t('engine.match.ambiguous', { count: 2, attribute: 'emails[type eq "work"].value', value: JSON.stringify(email), ids: '"twin-a", "twin-b"' });
        await page.locator('details.log-entry summary').first().click();
        await page.getByText(message).waitFor();
        await shot('02-run-log-ambiguous');
      } finally {
        await context.close();
        await host.close();
        await downstream.close();
      }
    });
  }
});
