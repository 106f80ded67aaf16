import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Locale } from '../../lib/i18n/index.js';
import { PACKAGE_ROOT } from '../../lib/paths.js';

/** Debian's Chromium; the tests never download a browser of their own. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
/** Screenshots of every page, git-ignored, to look at after a run. */
export const SCREENSHOTS = path.join(PACKAGE_ROOT, 'screenshots');

if (!HAS_CHROMIUM) {
  console.warn(`\n[browser tests] SKIPPED: ${CHROMIUM} is not installed (apt-get install chromium). CI installs it, so they run there.\n`);
}

/** Headless Chromium with the flags this closed-network machine needs. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The console's two languages, each with the locale the browser announces for it. */
export const CONSOLE_LANGUAGES: ReadonlyArray<readonly [Locale, string]> = [
  ['en', 'en-US'],
  ['zh-CN', 'zh-CN'],
];

/** One Chromium for the enclosing `describe`: launched before its tests, closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('useChromium(): the browser is launched in beforeAll; use it inside a test');
    return browser;
  };
}
