import type { NextFunction, Request, Response } from 'express';
import { LOCALES, negotiateLocale, translator } from '../../lib/i18n/index.js';

export const LOCALE_COOKIE = 'ssc_locale';

/** Picks the page language and exposes `t`, `locale` and `base` to every view. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const locale = negotiateLocale(readCookie(req, LOCALE_COOKIE), req.get('accept-language'));
  res.locals.locale = locale;
  res.locals.t = translator(locale);
  res.locals.base = req.baseUrl;
  next();
}

/** Reads one cookie without a parser, so that the host's cookie setup is never needed. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      try {
        return decodeURIComponent(part.slice(separator + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
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
