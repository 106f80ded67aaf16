import express from 'express';
import { PUBLIC_DIR, VIEWS_DIR } from '../lib/paths.js';
import type { ScimServerDeps } from '../lib/scim/scim-server-deps.js';
import { createAdminRouter, type ConsoleCenter, type ConsoleOptions } from './admin/index.js';
import { createOAuthTokenRouter } from './oauth/token.js';
import { createScimRouter } from './scim/index.js';

/**
 * The center's private express sub-app, with its own views and settings: mounting it never
 * touches the host's settings, body parsers or session. The console gets the public handle
 * only, as a host would; the SCIM server and the token endpoint get `ScimServerDeps`.
 */
export function createRouter(center: ConsoleCenter, options: ConsoleOptions, scimDeps: ScimServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.use('/assets', express.static(PUBLIC_DIR, { index: false, maxAge: '1h' }));
  // Pull mode: before the console, which ends with its own admin check and a 404 page for
  // anything it does not know.
  app.use('/scim/v2', createScimRouter(scimDeps));
  app.use('/oauth/token', createOAuthTokenRouter(scimDeps));
  app.use('/', createAdminRouter(center, options));
  return app;
}
