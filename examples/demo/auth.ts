import express, { type Request } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../index.js';
import { LoginThrottle } from './login-throttle.js';

export interface DemoAccount {
  username: string;
  role: 'admin' | 'viewer';
}

/** The demo's login accounts. A real host has its own; these are printed at start. */
const ACCOUNTS: Array<DemoAccount & { password: string }> = [
  { username: 'admin', password: 'admin', role: 'admin' },
  { username: 'viewer', password: 'viewer', role: 'viewer' },
];

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface DemoAuth {
  /** Session and passport for every request, the center's included (its admin hook reads `req.user`). */
  session: express.Router;
  /** GET/POST /login and POST /logout; mounted after the body parser and the CSRF check. */
  routes: express.Router;
}

export interface DemoAuthOptions {
  /** Where failed sign-ins are reported (user name and address, never the password). */
  logger: Logger;
  throttle?: LoginThrottle;
}

/** The host's own session and passport-local login: the center never sees either directly. */
export function demoAuth(sessionSecret: string, options: DemoAuthOptions): DemoAuth {
  const { logger, throttle = new LoginThrottle() } = options;
  const authenticator = new passport.Passport();
  authenticator.use(
    new LocalStrategy((username, password, done) => {
      const account = ACCOUNTS.find((candidate) => candidate.username === username);
      if (!account || !same(account.password, password)) return done(null, false);
      return done(null, { username: account.username, role: account.role });
    }),
  );
  authenticator.serializeUser((user, done) => done(null, (user as DemoAccount).username));
  authenticator.deserializeUser((username: string, done) => {
    const account = ACCOUNTS.find((candidate) => candidate.username === username);
    done(null, account ? { username: account.username, role: account.role } : false);
  });

  const sessionRouter = express.Router();
  sessionRouter.use(session({ name: 'demo_idp_session', secret: sessionSecret, resave: false, saveUninitialized: false, cookie: { httpOnly: true, sameSite: 'lax' } }));
  sessionRouter.use(authenticator.initialize());
  sessionRouter.use(authenticator.session());

  const routes = express.Router();
  routes.get('/login', (req, res) => {
    res.render('login', { error: req.query.error === '1' ? res.locals.text.badLogin : null, returnTo: safeReturnTo(req.query.returnTo) });
  });
  routes.post('/login', (req, res, next) => {
    const returnTo = safeReturnTo(req.body.returnTo);
    const username = typeof req.body.username === 'string' ? req.body.username : '';
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    // JSON-quoted, so that a user name cannot forge a log line.
    const who = `${JSON.stringify(username.slice(0, 256))} from ${address}`;
    const waitMs = throttle.retryAfterMs(username, address);
    if (waitMs > 0) {
      logger.warn(`demo: sign-in refused for ${who}: too many failed attempts`);
      const minutes = String(Math.ceil(waitMs / 60_000));
      res.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      return res.status(429).render('login', { error: res.locals.text.tooManyLogins.replace('{minutes}', minutes), returnTo });
    }
    authenticator.authenticate('local', (error: unknown, user: DemoAccount | false) => {
      if (error) return next(error);
      if (!user) {
        throttle.recordFailure(username, address);
        logger.warn(`demo: failed sign-in for ${who}`);
        return res.redirect(303, `/login?error=1&returnTo=${encodeURIComponent(returnTo)}`);
      }
      throttle.clear(username, address);
      req.session.regenerate((regenerateError) => {
        if (regenerateError) return next(regenerateError);
        req.logIn(user, (loginError) => (loginError ? next(loginError) : res.redirect(303, returnTo)));
      });
    })(req, res, next);
  });
  // The sync center's header links here (a plain link): this page asks, and its form posts with the host's CSRF token.
  routes.get('/logout', (req, res) => {
    if (!req.user) return res.redirect(303, '/login');
    res.render('logout');
  });
  routes.post('/logout', (req, res, next) => {
    req.logout((error) => (error ? next(error) : res.redirect(303, '/login')));
  });
  return { session: sessionRouter, routes };
}

/** Only same-site paths, so the login cannot be used to bounce people elsewhere. */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}

export function currentAccount(req: Request): DemoAccount | undefined {
  return req.user as DemoAccount | undefined;
}
