import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import type { ResolvedOptions } from '../../lib/options.js';
import type { SyncCenter } from '../../lib/sync-center.js';
import { SecretBox } from '../../lib/util/secret-box.js';
import { auditRoutes } from './audit.js';
import { errorHandler, notFound } from './errors.js';
import { adminGuard } from './guard.js';
import { localeMiddleware, switchLocale } from './locale.js';
import { logRoutes } from './logs.js';
import { onDemandRoutes } from './on-demand.js';
import { mappingRoutes } from './mappings-page.js';
import { pushLocals, pushRoutes } from './push-routes.js';
import { runItemRoutes } from './run-items.js';
import { runRoutes } from './runs.js';
import { createCsrf, securityHeaders } from './security.js';
import { sourcePageRoutes } from './source-page.js';
import { scopePageRoutes } from './scope-page.js';
import { sourcesListRoutes } from './sources-list.js';
import { viewHelpers } from './view-helpers.js';
import { wizardRoutes } from './wizard.js';

/** The parts of the public handle the console uses: it is a client of the API, as a host is. */
export type ConsoleCenter = Pick<SyncCenter, 'sources' | 'runs' | 'push' | 'logs' | 'mirror' | 'audit' | 'wizardDrafts' | 'status' | 'mappings'>;
/** The host's settings the console reads. */
export type ConsoleOptions = Pick<ResolvedOptions, 'admin' | 'secretKey' | 'logger' | 'timezone' | 'links' | 'publicUrl' | 'push'>;

/**
 * The console. Order matters: headers and language first (so even a 403 page is translated and
 * locked down), then the host's admin check, and only for admins the body parser and CSRF check.
 * Cookie and body parsing live here, inside our sub-app, never on the host.
 */
export function createAdminRouter(center: ConsoleCenter, options: ConsoleOptions): Router {
  const router = Router();
  // The console's own SecretBox (same key, its own contexts) seals wizard secrets and one-time credentials.
  const box = new SecretBox(options.secretKey);
  router.use(securityHeaders);
  router.use(cookieParser());
  router.use(localeMiddleware);
  router.use(adminGuard(options.admin));
  router.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 5000 }));
  router.use(createCsrf(options.secretKey));
  router.use(viewHelpers(options));
  router.post('/locale', switchLocale);
  router.use(sourcesListRoutes(center));
  router.use(wizardRoutes(center, options, box));
  router.use(pushLocals(center.push));
  router.use(sourcePageRoutes(center, options, box));
  router.use(scopePageRoutes(center));
  router.use(pushRoutes(center));
  router.use(onDemandRoutes(center));
  router.use(mappingRoutes(center));
  router.use(logRoutes(center, options));
  router.use(runRoutes(center));
  router.use(runItemRoutes(center, options));
  router.use(auditRoutes(center, options));
  router.use(notFound);
  router.use(errorHandler(options.logger));
  return router;
}
