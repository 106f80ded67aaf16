import { Router, type Request } from 'express';
import type { ScimServerDeps } from '../../lib/scim/scim-server-deps.js';
import { findResourceType, findSchema, resourceTypeDocument, schemaDocument, serviceProviderConfig } from '../../lib/scim/discovery.js';
import { ALL_SCHEMAS, RESOURCE_TYPES } from '../../lib/scim/resource-types.js';
import { ScimError } from '../../lib/scim/scim-error.js';
import { URN } from '../../lib/scim/urns.js';
import { locationOf, methodNotAllowed, sendScim, type ScimLocals } from './respond.js';

/** RFC 7644 §4: the discovery endpoints; filtering them is refused with 403 as §4 advises. */
export function discoveryRoutes(deps: ScimServerDeps): Router {
  const router = Router();
  router.get('/ServiceProviderConfig', (req, res) => {
    (res.locals as ScimLocals).resultCount = 1;
    sendScim(res, 200, serviceProviderConfig(locationOf(req, deps)));
  });
  router.all('/ServiceProviderConfig', methodNotAllowed('GET'));

  router.get('/ResourceTypes', (req, res) => {
    refuseFilter(req);
    const location = locationOf(req, deps);
    sendListOf(res, RESOURCE_TYPES.map((type) => resourceTypeDocument(type, location)));
  });
  router.all('/ResourceTypes', methodNotAllowed('GET'));
  router.get('/ResourceTypes/:name', (req: Request<{ name: string }>, res) => {
    const type = findResourceType(req.params.name);
    if (!type) throw ScimError.notFound('ResourceType', req.params.name);
    (res.locals as ScimLocals).resultCount = 1;
    sendScim(res, 200, resourceTypeDocument(type, locationOf(req, deps)));
  });
  router.all('/ResourceTypes/:name', methodNotAllowed('GET'));

  router.get('/Schemas', (req, res) => {
    refuseFilter(req);
    const location = locationOf(req, deps);
    sendListOf(res, ALL_SCHEMAS.map((schema) => schemaDocument(schema, location)));
  });
  router.all('/Schemas', methodNotAllowed('GET'));
  router.get('/Schemas/:urn', (req: Request<{ urn: string }>, res) => {
    const schema = findSchema(req.params.urn);
    if (!schema) throw ScimError.notFound('Schema', req.params.urn);
    (res.locals as ScimLocals).resultCount = 1;
    sendScim(res, 200, schemaDocument(schema, locationOf(req, deps)));
  });
  router.all('/Schemas/:urn', methodNotAllowed('GET'));
  return router;
}

function refuseFilter(req: Request): void {
  if (req.query.filter !== undefined) throw new ScimError(403, 'the discovery endpoints cannot be filtered');
}

function sendListOf(res: Parameters<typeof sendScim>[0], resources: unknown[]): void {
  (res.locals as ScimLocals).resultCount = resources.length;
  sendScim(res, 200, { schemas: [URN.listResponse], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources });
}
