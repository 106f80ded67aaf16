import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import type { CenterContext } from '../../lib/context.js';
import type { PushApi } from '../../lib/push/push-api.js';
import { SecretBox } from '../../lib/util/secret-box.js';
import { errorHandler, notFound } from './errors.js';
import { adminGuard } from './guard.js';
import { localeMiddleware, switchLocale } from './locale.js';
import { logRoutes } from './logs.js';
import { pushLocals, pushRoutes } from './push-routes.js';
import { runRoutes } from './runs.js';
import { createCsrf, securityHeaders } from './security.js';
import { sourcePageRoutes } from './source-page.js';
import { sourcesListRoutes } from './sources-list.js';
import { viewHelpers } from './view-helpers.js';
import { wizardRoutes } from './wizard.js';

/**
 * The console. Order matters: headers and language first (so even a 403 page is translated and
 * locked down), then the host's admin check, and only for admins the body parser and CSRF check.
 * Cookie and body parsing live here, inside our sub-app, never on the host.
 */
export function createAdminRouter(context: CenterContext, push: PushApi): Router {
  const router = Router();
  // The console's own SecretBox (same key, its own contexts) seals wizard secrets and one-time credentials.
  const box = new SecretBox(context.options.secretKey);
  router.use(securityHeaders);
  router.use(cookieParser());
  router.use(localeMiddleware);
  router.use(adminGuard(context.options.admin));
  router.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 5000 }));
  router.use(createCsrf(context.options.secretKey));
  router.use(viewHelpers(context.options));
  router.post('/locale', switchLocale);
  router.use(sourcesListRoutes(context, push));
  router.use(wizardRoutes(context, box, push));
  router.use(pushLocals(push));
  router.use(sourcePageRoutes(context, box, push));
  router.use(pushRoutes(context, push));
  router.use(logRoutes(context));
  router.use(runRoutes(context));
  router.use(notFound);
  router.use(errorHandler(context.options.logger));
  return router;
}
