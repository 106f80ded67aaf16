import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { ScimError } from '../../lib/scim/scim-error.js';
import { sendScimError, type ScimLocals } from './respond.js';

const REALM = 'scim-sync-center';

/**
 * Bearer authentication through the center's own passport instance (never the host's
 * singleton). The principal goes to `req.pullClient`, not `req.user`, so a host session that
 * populated `req.user` (the admin cookie) never counts. Failures reach the SCIM error handler
 * (`failWithError`) with passport's `WWW-Authenticate: Bearer …` challenge already set.
 */
export function scimAuthentication(deps: Pick<ScimServerDeps, 'pull'>) {
  const instance = new passport.Passport();
  instance.use(
    'scim-bearer',
    new BearerStrategy({ realm: REALM }, (token: string, done: (error: unknown, client?: unknown) => void) => {
      deps.pull.authenticate(token).then(
        (client) => done(null, client ?? false),
        (error: unknown) => done(error),
      );
    }),
  );
  const authenticate = instance.authenticate('scim-bearer', { session: false, failWithError: true, assignProperty: 'pullClient' });
  return [refuseTokenOutsideHeader, authenticate, exposeClient];
}

/** RFC 6750 allows query and form tokens; we do not: they end up in logs and histories. */
function refuseTokenOutsideHeader(req: Request, res: Response, next: NextFunction): void {
  if (req.query && Object.prototype.hasOwnProperty.call(req.query, 'access_token')) {
    return sendScimError(
      res,
      new ScimError(401, 'send the token in the Authorization header; access_token in the query is refused', undefined, {
        'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_request"`,
      }),
    );
  }
  next();
}

function exposeClient(req: Request, res: Response, next: NextFunction): void {
  (res.locals as ScimLocals).pullClient = (req as Request & { pullClient?: ScimLocals['pullClient'] }).pullClient;
  next();
}
