import type { NextFunction, Request, Response } from 'express';
import type { AdminAccess } from '../../lib/hooks/admin.js';
import { labelFor } from '../../lib/hooks/check-admin.js';
import { callHost } from '../../lib/hooks/call-host.js';

/** What the signed-in person may do in the console. */
export type ConsoleRole = 'admin' | 'reader';

/**
 * A reader may still post the language switch: it only sets their own language cookie and
 * changes nothing in the center.
 */
const READER_POSTS = new Set(['/locale']);

/**
 * Every console request asks the host's hooks: `isAdmin`, then `canView` (the reader role).
 * Someone who is neither is sent to the host's login (with a way back) when it has one, and gets a
 * 403 page otherwise. A reader's request that could change something (any method but GET and
 * HEAD) is refused here, before any route sees it, so routes added later are covered too.
 *
 * Views get `role`, `canEdit` (no form that changes anything is rendered without it) and
 * `viewer` (the header's name, home and sign-out links).
 */
export function adminGuard(admin: AdminAccess) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const role = await roleOf(admin, req);
    if (!role) {
      if (admin.loginUrl && (req.method === 'GET' || req.method === 'HEAD')) {
        const separator = admin.loginUrl.includes('?') ? '&' : '?';
        return res.redirect(303, `${admin.loginUrl}${separator}returnTo=${encodeURIComponent(req.originalUrl)}`);
      }
      return res.status(403).render('error', { titleKey: 'error.forbidden.title', bodyKey: 'error.forbidden.body' });
    }
    const actor = admin.actor ? await callHost('admin.actor', () => admin.actor!(req)) : role;
    res.locals.actor = actor;
    res.locals.role = role;
    res.locals.canEdit = role === 'admin';
    const locale = String(res.locals.locale);
    res.locals.viewer = {
      name: admin.actor ? actor : '',
      role,
      homeUrl: admin.homeUrl ?? '',
      homeLabel: labelFor(admin.homeLabel, locale) ?? '',
      signOutUrl: admin.signOutUrl ?? '',
      signOutLabel: labelFor(admin.signOutLabel, locale) ?? '',
    };
    if (role === 'reader' && req.method !== 'GET' && req.method !== 'HEAD' && !READER_POSTS.has(req.path)) return readOnly(res);
    next();
  };
}

/**
 * For a GET page that exists only to change something (the wizard, the edit and delete pages):
 * a reader is told they can only read, instead of a form they could not send.
 */
export function forAdmins<Params>(_req: Request<Params>, res: Response, next: NextFunction): void {
  if (res.locals.canEdit) return next();
  readOnly(res);
}

function readOnly(res: Response): void {
  res.status(403).render('error', { titleKey: 'error.readOnly.title', bodyKey: 'error.readOnly.body' });
}

async function roleOf(admin: AdminAccess, req: Request): Promise<ConsoleRole | undefined> {
  if (await callHost('admin.isAdmin', () => admin.isAdmin(req))) return 'admin';
  if (admin.canView && (await callHost('admin.canView', () => admin.canView!(req)))) return 'reader';
  return undefined;
}
