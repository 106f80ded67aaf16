import type { NextFunction, Request, Response } from 'express';
import { negotiateLocale, translator } from '../../lib/i18n/index.js';

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
