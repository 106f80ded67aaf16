import { Router } from 'express';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { GROUPS } from '../../lib/scim/resources/groups.js';
import { ORGANIZATIONS } from '../../lib/scim/resources/organizations.js';
import { USERS } from '../../lib/scim/resources/users.js';
import { scimAuthentication } from './auth.js';
import { discoveryRoutes } from './discovery.js';
import { notFound, scimErrorHandler } from './errors.js';
import { pullLog, rateLimit } from './limits.js';
import { resourceRoutes, rootSearchRoute } from './resources.js';

const KINDS = [USERS, ORGANIZATIONS, GROUPS] as const;

/**
 * The read-only SCIM 2.0 server pull sources query, mounted at `<mount>/scim/v2`. Order matters:
 * authenticate first (before any body is read, so no token can come from a body), then log,
 * then rate-limit, then route: only the `.search` routes read a body, so any other method is
 * answered 405 whatever it sends; the error handler closes the router so no error
 * reaches the host's handlers.
 */
export function createScimRouter(deps: ScimServerDeps): Router {
  const router = Router();
  router.use(scimAuthentication(deps));
  router.use(pullLog(deps));
  router.use(rateLimit(deps));
  router.use(discoveryRoutes(deps));
  router.use(rootSearchRoute(deps, KINDS));
  for (const kind of KINDS) router.use(resourceRoutes(deps, kind));
  router.use(notFound);
  router.use(scimErrorHandler(deps.logger));
  return router;
}
