import type { NextFunction, Request, Response } from 'express';
import type { AdminAccess } from '../../lib/hooks/admin.js';
import { callHost } from '../../lib/hooks/call-host.js';

/**
 * Every console request asks the host's hook. Someone who is not an admin is sent to the host's
 * login (with a way back) when it has one, and gets a 403 page otherwise.
 */
export function adminGuard(admin: AdminAccess) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (await callHost('admin.isAdmin', () => admin.isAdmin(req))) {
      res.locals.actor = admin.actor ? await callHost('admin.actor', () => admin.actor!(req)) : 'admin';
      return next();
    }
    if (admin.loginUrl && (req.method === 'GET' || req.method === 'HEAD')) {
      const separator = admin.loginUrl.includes('?') ? '&' : '?';
      return res.redirect(303, `${admin.loginUrl}${separator}returnTo=${encodeURIComponent(req.originalUrl)}`);
    }
    res.status(403).render('error', { titleKey: 'error.forbidden.title', bodyKey: 'error.forbidden.body' });
  };
}
