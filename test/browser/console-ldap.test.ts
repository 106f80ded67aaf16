import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator, type Locale } from '../../lib/i18n/index.js';
import { CONSOLE_LANGUAGES, HAS_CHROMIUM, SCREENSHOTS, useChromium } from '../support/chromium.js';
import { startConsoleHost } from '../support/console-host.js';
import { englishRuns } from '../support/english-runs.js';
import { HAS_SLAPD, startSlapd, type Slapd } from '../support/slapd.js';

/**
 * Issue 13 items 2, 4 and 5 in the browser, without JavaScript: the wizard's LDAP / AD choice,
 * its parameters with a connection test against a real slapd, the finish page, and the source
 * page with its directory tree, in English and in Chinese (no English sentence there), at 1280 px.
 */
describe.skipIf(!HAS_CHROMIUM || !HAS_SLAPD)('LDAP / AD destinations in Chromium', () => {
  const browser = useChromium();
  let slapd: Slapd;

  beforeAll(async () => {
    slapd = await startSlapd();
    const admin = await slapd.admin();
    await admin.add(`ou=Staff,${slapd.suffix}`, { objectClass: 'organizationalUnit', ou: 'Staff' });
    await admin.add(`uid=wang.fang,ou=Staff,${slapd.suffix}`, { objectClass: 'inetOrgPerson', uid: 'wang.fang', cn: '王芳', sn: '王' });
    await admin.unbind();
  }, 60_000);
  afterAll(async () => {
    await slapd?.stop();
  });

  for (const [lang, browserLocale] of CONSOLE_LANGUAGES) {
    it(`creates an LDAP destination, tests it and reads its tree (${lang})`, { timeout: 90_000 }, async () => {
      const host = await startConsoleHost();
      const context = await browser().newContext({ locale: browserLocale, viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
      const page = await context.newPage();
      try {
        await walk(page, host.consoleUrl, lang);
        // The source the walk created, stored with its password sealed and never on a page.
        const [source] = await host.center.sources.list();
        expect(source).toMatchObject({ protocol: 'ldap', push: { hasBindPassword: true, ldap: { url: slapd.url, tls: 'startTls' } } });
      } finally {
        await context.close();
        await host.close();
      }
    });
  }

  async function walk(page: Page, consoleUrl: string, lang: Locale): Promise<void> {
    const t = translator(lang);
    const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${lang}-ldap-${name}.png`), fullPage: true });
    const button = (name: string) => page.getByRole('button', { name, exact: true });
    const english: string[] = [];
    /** Each page: nothing wider than the window, and on the Chinese pages no English sentence. */
    const check = async (name: string) => {
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} overflows at 1280 px`).toBe(true);
      if (lang === 'zh-CN') {
        // The mappings page lists its expression functions by name (Append, Coalesce, …): names, not a sentence.
        const runs = englishRuns(await page.locator('body').innerText()).filter((run) => !/^[A-Z][A-Za-z]*(, [A-Z][A-Za-z]*)+$/.test(run));
        for (const run of runs) english.push(`${name}: ${run}`);
      }
      expect(await page.content()).not.toContain(slapd.rootPassword);
      await shot(name);
    };

    await page.goto(`${consoleUrl}/new`);
    await page.getByRole('radio', { name: new RegExp(t('wizard.protocol.ldap')) }).check();
    await check('01-protocol');
    await button(t('wizard.next')).click();
    await page.getByLabel(t('field.name')).fill(`目录 ${lang}`);
    await button(t('wizard.nextParameters')).click();

    // No mode to choose: push, said so.
    await page.getByText(t('ldap.mode.pushOnly')).waitFor();
    expect(await page.locator('input[name=mode]').count()).toBe(0);
    await page.locator('#f-push-ldap-url').fill(slapd.url);
    await page.locator('#f-push-ldap-tls').selectOption('startTls');
    await page.locator('#f-push-ldap-ca').fill(slapd.ca);
    await page.locator('#f-push-ldap-bindDn').fill(slapd.rootDn);
    await page.locator('#f-push-bindPassword').fill(slapd.rootPassword);
    await page.locator('#f-push-ldap-baseDn').fill('not a dn');
    await page.locator('#f-push-ldap-groups').selectOption('groupOfNames');
    // A wrong base DN first: the message is linked from the summary, the values stay, the password is kept but not shown.
    await button(t('wizard.nextFinish')).click();
    await page.locator('[data-error-summary]').getByRole('link', { name: new RegExp(t('ldap.field.baseDn')) }).waitFor();
    expect(await page.locator('#f-push-ldap-baseDn-error').innerText()).toBe(t('validation.invalid_dn'));
    expect(await page.locator('#f-push-ldap-url').inputValue()).toBe(slapd.url);
    expect(await page.locator('#f-push-bindPassword').inputValue()).toBe('');
    await page.getByText(t('field.secret.entered')).waitFor();
    await check('02-parameters-error');

    await page.locator('#f-push-ldap-baseDn').fill(slapd.suffix);
    await button(t('test.button')).click();
    await page.locator('#connection-test').waitFor();
    for (const step of ['bind', 'baseDn', 'write']) expect(await page.locator(`[data-step=${step}]`).getAttribute('class')).toContain('test-ok');
    expect(await page.locator('#connection-test').innerText()).toContain(t('ldap.test.passed'));
    await check('03-parameters-tested');

    await button(t('wizard.nextFinish')).click();
    await page.getByRole('heading', { name: t('finish.created', { name: `目录 ${lang}` }) }).waitFor();
    await check('04-finish');
    await button(t('finish.done')).click();
    const row = page.locator('tr', { hasText: `目录 ${lang}` });
    await row.waitFor();
    expect(await row.locator('[data-protocol]').innerText()).toBe(t('protocol.ldap'));
    await check('05-list');

    await row.getByRole('link', { name: `目录 ${lang}`, exact: true }).click();
    await page.locator('[data-ldap-tree]').waitFor();
    expect(await page.locator('[data-protocol]').innerText()).toBe(t('protocol.ldap'));
    expect(await page.locator('#f-push-ldap-url').inputValue()).toBe(slapd.url);
    await page.getByText(t('ldap.field.bindPassword.sameServer')).first().waitFor();
    await check('06-source');
    await page.locator('[data-ldap-tree]').getByRole('link', { name: t('ldap.tree.read'), exact: true }).click();
    await page.locator('[data-tree-total]').waitFor();
    expect(await page.locator('[data-tree-count=user]').innerText()).toBe('1');
    expect(await page.locator('[data-tree-count=org]').innerText()).toBe('1');
    expect(await page.locator('.tree-dns li code').allInnerTexts()).toEqual([`ou=Staff,${slapd.suffix}`, `uid=wang.fang,ou=Staff,${slapd.suffix}`]);
    expect(await page.locator('.tree-dns li .pill').allInnerTexts()).toEqual([t('ldap.tree.entry.org'), t('ldap.tree.entry.user')]);
    await check('07-source-tree');

    // The other tabs: the log, manual sync, links, mappings (which says how LDAP uses it) and provisioning on demand.
    const tabs = page.getByRole('navigation', { name: t('source.tabs') });
    for (const [index, tab] of (['source.tab.log', 'source.tab.sync', 'source.tab.links', 'source.tab.mappings', 'source.tab.onDemand'] as const).entries()) {
      await tabs.getByRole('link', { name: t(tab), exact: true }).click();
      await page.locator('nav.tabs [aria-current=page]', { hasText: t(tab) }).waitFor();
      if (tab === 'source.tab.mappings') await page.locator('[data-ldap-note]').waitFor();
      await check(`08-tab-${index + 1}`);
    }
    expect(english).toEqual([]);
  }
});
