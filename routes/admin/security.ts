import { hkdfSync } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

export const CSRF_COOKIE = 'ssc_csrf';
export const CSRF_FIELD = '_csrf';

/**
 * Our pages load only our own /assets: no inline script or style, no framing, no foreign forms.
 * Console pages are per-admin and may show fresh credentials, so nothing is cached.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  next();
}

/**
 * Double-submit CSRF tokens (csrf-csrf) that need neither the host's session nor its cookie
 * parser: the HMAC secret is derived from the center's secretKey, and a token is bound to the
 * admin the host's hook names, so one admin's token is worthless in another admin's browser.
 */
export function createCsrf(secretKey: string) {
  const secret = Buffer.from(hkdfSync('sha256', secretKey, 'scim-sync-center', 'csrf/v1', 32)).toString('hex');
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => String(req.res?.locals.actor ?? ''),
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', httpOnly: true, secure: true, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      return typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
    },
  });

  /** Checks unsafe methods, then gives every page a token bound to our mount path. */
  return function csrf(req: Request, res: Response, next: NextFunction): void {
    doubleCsrfProtection(req, res, (error?: unknown) => {
      if (error) return next(error);
      res.locals.csrfToken = generateCsrfToken(req, res, {
        cookieOptions: { sameSite: 'strict', httpOnly: true, secure: req.secure, path: req.baseUrl || '/' },
      });
      next();
    });
  };
}

/** csrf-csrf's error, recognised without depending on its message. */
export function isCsrfError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'EBADCSRFTOKEN';
}
