import type { NextFunction, Request, Response } from 'express';
import { LOCALES, translator, type Locale } from '../../lib/i18n/index.js';

export const LOCALE_COOKIE = 'ssc_locale';

/** The browser languages we answer (any region: "zh-TW" is served zh-CN, "en-GB" en). */
const BROWSER_LANGUAGES: Record<string, Locale> = { zh: 'zh-CN', en: 'en' };

/** Picks the page language and exposes `t`, `locale` and `base` to every view. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const locale = localeOf(req);
  res.locals.locale = locale;
  res.locals.t = translator(locale);
  res.locals.base = req.baseUrl;
  next();
}

/** The admin's choice (our cookie) wins; then the browser's Accept-Language; then Chinese. */
function localeOf(req: Request): Locale {
  const chosen: unknown = req.cookies?.[LOCALE_COOKIE];
  if (typeof chosen === 'string' && (LOCALES as readonly string[]).includes(chosen)) return chosen as Locale;
  const preferred = req.acceptsLanguages(...Object.keys(BROWSER_LANGUAGES));
  return preferred ? BROWSER_LANGUAGES[preferred]! : 'zh-CN';
}

/** The language switcher's form: remembers the choice in our cookie and goes back to the page. */
export function switchLocale(req: Request, res: Response): void {
  const lang = String((req.body as Record<string, unknown>).lang ?? '');
  if ((LOCALES as readonly string[]).includes(lang)) {
    res.cookie(LOCALE_COOKIE, lang, { path: req.baseUrl || '/', maxAge: 365 * 24 * 3600 * 1000, sameSite: 'lax', httpOnly: true, secure: req.secure });
  }
  res.redirect(303, safeReturnTo(req, (req.body as Record<string, unknown>).returnTo));
}

/** Only a path inside the center is a place to go back to; anything else goes to the list. */
export function safeReturnTo(req: Request, value: unknown): string {
  const home = `${req.baseUrl}/`;
  if (typeof value !== 'string' || /[\\\s]/.test(value) || value.startsWith('//')) return home;
  return value === req.baseUrl || value.startsWith(home) ? value : home;
}
