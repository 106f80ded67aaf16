import { hkdfSync } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

export const DEMO_CSRF_COOKIE = 'demo_csrf';
export const DEMO_CSRF_FIELD = '_csrf';

/**
 * The host's own CSRF protection for its own forms (the center protects only its console):
 * double-submit tokens from csrf-csrf, bound to the signed-in session so that a token taken
 * from one browser is worthless in another. Needs cookie-parser and a body parser before it.
 */
export function demoCsrf(secretKey: string) {
  const secret = Buffer.from(hkdfSync('sha256', secretKey, 'scim-sync-center-demo', 'demo-csrf/v1', 32)).toString('hex');
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    // Before sign-in the session is not saved and its id changes at every request.
    getSessionIdentifier: (req) => (req.user ? req.sessionID : ''),
    cookieName: DEMO_CSRF_COOKIE,
    // The demo is served over plain http on this machine, so the cookie cannot be `secure`.
    cookieOptions: { sameSite: 'strict', httpOnly: true, secure: false, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const fromBody = (req.body as Record<string, unknown> | undefined)?.[DEMO_CSRF_FIELD];
      return typeof fromBody === 'string' ? fromBody : undefined;
    },
  });

  /**
   * Gives the page its token (the cookie's own while it stays valid), then refuses an unsafe
   * request without a valid one; the token comes first so that the refusal page has one too.
   */
  return function csrf(req: Request, res: Response, next: NextFunction): void {
    res.locals.csrfToken = generateCsrfToken(req, res);
    doubleCsrfProtection(req, res, next);
  };
}

/** csrf-csrf's error, recognised by its code. */
export function isCsrfError(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'EBADCSRFTOKEN';
}
