import { Router } from 'express';
import type { CenterContext } from '../../lib/context.js';
import { GROUPS } from '../../lib/scim/resources/groups.js';
import { ORGANIZATIONS } from '../../lib/scim/resources/organizations.js';
import { USERS } from '../../lib/scim/resources/users.js';
import { scimAuthentication } from './auth.js';
import { discoveryRoutes } from './discovery.js';
import { notFound, scimErrorHandler } from './errors.js';
import { jsonBody, pullLog, rateLimit } from './limits.js';
import { resourceRoutes, rootSearchRoute } from './resources.js';

const KINDS = [USERS, ORGANIZATIONS, GROUPS] as const;

/**
 * The read-only SCIM 2.0 server pull sources query, mounted at `<mount>/scim/v2`. Order matters:
 * authenticate first (before any body is read, so no token can come from a body), then log,
 * then rate-limit, then parse and answer; the error handler closes the router so no error
 * reaches the host's handlers.
 */
export function createScimRouter(context: CenterContext): Router {
  const router = Router();
  router.use(scimAuthentication(context));
  router.use(pullLog(context));
  router.use(rateLimit(context));
  router.use(jsonBody());
  router.use(discoveryRoutes(context));
  router.use(rootSearchRoute(context, KINDS));
  for (const kind of KINDS) router.use(resourceRoutes(context, kind));
  router.use(notFound);
  router.use(scimErrorHandler(context.options.logger));
  return router;
}
